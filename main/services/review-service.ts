// The Review screen's service: the filtered, sortable result list with quality checks, one result with
// its history, cell versions and compare inputs, reviews (approve / reject / redo with tags and notes),
// the pick of a cell, and re-runs. Reviews and picks record the reviewer the call names (serve mode: each
// browser's), else this host's (the OS user). A re-run goes through the JobStore the queue runs for the
// open project (so its runner wakes up); it is a new job linked to the result it re-runs, never a
// duplicate skipped. No Electron imports.
import { userInfo } from 'node:os';
import type { DefectTag, RequestOf, RerunQueued, ReviewDetail, ReviewItem, ResponseOf } from '../../preload/contract.ts';
import { UnavailableError } from '../api/errors.ts';
import { liveJobStore } from '../queue/rerun.ts';
import type { Project } from '../store/index.ts';
import { ReviewQueries } from '../store/review-queries.ts';
import type { ProjectService } from './project-service.ts';

export interface ReviewServiceOptions {
  projects: ProjectService;
  /** Who reviews when a call names no reviewer (serve pages send their own). Default: the OS user name. */
  reviewer?: string;
}

function defaultReviewer(): string {
  try {
    return userInfo().username || 'reviewer';
  } catch {
    return 'reviewer';
  }
}

export class ReviewService {
  readonly #projects: ProjectService;
  readonly #reviewer: string;
  readonly #queries = new WeakMap<Project, ReviewQueries>();

  constructor(opts: ReviewServiceOptions) {
    this.#projects = opts.projects;
    this.#reviewer = opts.reviewer ?? defaultReviewer();
  }

  #open(): { project: Project; q: ReviewQueries } {
    const project = this.#projects.require();
    let q = this.#queries.get(project);
    if (!q) {
      q = new ReviewQueries(project.db);
      this.#queries.set(project, q);
    }
    return { project, q };
  }

  list(req: RequestOf<'review:list'>): ResponseOf<'review:list'> {
    return this.#open().q.list(req) as ResponseOf<'review:list'>;
  }

  get(id: number): ReviewDetail {
    const { project, q } = this.#open();
    const item = q.require(id, 'reviewGet', 'id') as ReviewItem;
    const result = project.results.require(id, 'reviewGet', 'id');
    return {
      item,
      record: result.record,
      history: project.reviews.history(id),
      versions: q.versions(id) as ReviewItem[],
      reruns: q.rerunsOf(id),
      inputs: q.inputs(id),
    };
  }

  add(req: RequestOf<'review:add'>): ResponseOf<'review:add'> {
    const { project, q } = this.#open();
    const tags: DefectTag[] = req.defectTags ?? [];
    const review = project.reviews.add({
      resultId: req.resultId, status: req.status, defectTags: tags, reviewer: req.reviewer ?? this.#reviewer,
      ...(req.notes !== undefined && req.notes !== '' && { notes: req.notes }),
    });
    return { review, item: q.require(req.resultId, 'addReview', 'resultId') as ReviewItem };
  }

  pick(req: RequestOf<'review:pick'>): ResponseOf<'review:pick'> {
    return this.#open().q.pick(req.resultId, req.reviewer ?? this.#reviewer, req.clear ?? false);
  }

  rerun(req: RequestOf<'results:rerun'>): RerunQueued {
    const { project } = this.#open();
    const jobs = liveJobStore(project);
    if (!jobs) throw new UnavailableError('the queue is not running for this project, so a re-run cannot be queued');
    const r = jobs.rerun({ resultId: req.id, mode: req.mode, ...(req.seed !== undefined && { seed: req.seed }) });
    return { jobId: r.jobId, batchId: r.batchId, sourceResultId: r.sourceResultId, mode: r.mode, seed: r.seed };
  }
}
