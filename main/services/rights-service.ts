// Model releases and the right to erasure, as the API offers them (issue #14), plus the project settings
// that hold the release policy. The rules live in the store (main/store/releases.ts, erasure.ts,
// project-settings.ts); this service resolves FileRefs, fills in the policy's defaults, turns store
// results into the contract's shapes, and makes erasure safe against the queue: queued cells of the
// model are cancelled first, and a running one refuses the erasure (conflict) until it ends.
//
// `batchReleases` / `refuseUnreleased` are what the queue service calls for `batches:preview` and
// `batches:enqueue`: a per-photo verdict in the plan, and a conflict when the project is strict and
// any photo is refused.
import type {
  BatchReleases, ErasureDone, ErasurePlanInfo, ModelRelease, ProjectSettings, ReleaseCheck, RequestOf,
} from '../../preload/contract.ts';
import { ConflictError, ValidationError } from '../api/errors.ts';
import type { Project } from '../store/index.ts';
import { executeErasure, planErasure, type ErasurePlan } from '../store/erasure.ts';
import type { Release, ReleaseCheck as StoreReleaseCheck } from '../store/releases.ts';
import type { FileRegistry } from './files.ts';
import type { ProjectService } from './project-service.ts';

/** What erasure needs from the queue: cancelling a queued cell. */
export interface QueueCanceller {
  cancel(req: { jobId: number }): { cancelled: number };
}

export interface RightsServiceOptions {
  projects: ProjectService;
  files: FileRegistry;
  /** The queue service; without it, erasure refuses while cells of the model are queued. */
  queue?: QueueCanceller;
}

/** 16 MB: the largest scan accepted as base64. */
export const MAX_SCAN_BYTES = 16 * 1024 * 1024;

/** Today's calendar date on this machine, 'YYYY-MM-DD'. */
export function today(d = new Date()): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** A release as the page sees it, with its state on `day` (warnWithinDays: when "expiring" starts). */
export function toModelRelease(r: Release, day: string, warnWithinDays: number): ModelRelease {
  let state: ModelRelease['state'] = 'valid';
  if (r.revokedOn !== null && r.revokedOn <= day) state = 'revoked';
  else if (r.expiresOn !== null && r.expiresOn < day) state = 'expired';
  else if (r.consentDate > day) state = 'not-yet-valid';
  else if (r.expiresOn !== null && daysBetween(day, r.expiresOn) < warnWithinDays) state = 'expiring';
  return { ...r, channels: [...r.channels], regions: [...r.regions], state };
}

function toCheck(c: StoreReleaseCheck, checkedFor: ReleaseCheck['checkedFor']): ReleaseCheck {
  return { status: c.status, releaseId: c.release?.id ?? null, issues: c.issues.map((i) => ({ ...i })), checkedFor };
}

/** The release verdict per model photo of a batch, under the project's policy, for today. Unknown ids are skipped (the enqueuer reports them). */
export function batchReleases(project: Project, modelPhotoIds: readonly number[], day = today()): BatchReleases {
  const policy = project.settings.releasePolicy;
  const exists = project.db.prepare(/* sql */ `SELECT 1 FROM model_photos WHERE id = ?`).pluck();
  const photos: BatchReleases['photos'] = [];
  for (const id of new Set(modelPhotoIds)) {
    if (exists.get(id) === undefined) continue;
    const c = project.releases.checkRelease(id, {
      date: day, channel: policy.channel, ...(policy.region !== null && { region: policy.region }), strict: policy.strict, warnWithinDays: policy.warnWithinDays,
    });
    photos.push({ modelPhotoId: id, status: c.status, releaseId: c.release?.id ?? null, issues: c.issues.map((i) => ({ ...i })) });
  }
  return { strict: policy.strict, channel: policy.channel, region: policy.region, photos };
}

/** Throws a conflict naming the refused photos when the project is strict and any photo of the batch is refused. */
export function refuseUnreleased(project: Project, modelPhotoIds: readonly number[], day = today()): BatchReleases {
  const r = batchReleases(project, modelPhotoIds, day);
  if (!r.strict) return r;
  const refused = r.photos.filter((p) => p.status === 'refuse');
  if (refused.length === 0) return r;
  const name = project.db.prepare(/* sql */ `SELECT name FROM model_photos WHERE id = ?`).pluck();
  const what = refused
    .slice(0, 10)
    .map((p) => `model photo ${p.modelPhotoId} (${String(name.get(p.modelPhotoId))}): ${p.issues.filter((i) => i.severity === 'refuse').map((i) => i.message).join('; ')}`)
    .join(' | ');
  throw new ConflictError(
    `payload.modelPhotoIds: the project's release policy is strict and ${refused.length} model photo(s) have no release covering ${r.channel}${r.region ? ` in ${r.region}` : ''} today: ${what}${refused.length > 10 ? ` | and ${refused.length - 10} more` : ''}. Record a release, or turn strict mode off in the project settings.`,
  );
}

export class RightsService {
  readonly #projects: ProjectService;
  readonly #files: FileRegistry;
  readonly #queue: QueueCanceller | undefined;

  constructor(opts: RightsServiceOptions) {
    this.#projects = opts.projects;
    this.#files = opts.files;
    this.#queue = opts.queue;
  }

  // ---- settings ---------------------------------------------------------------------------------

  settings(): ProjectSettings {
    return this.#projects.require().settings.get();
  }

  updateSettings(req: RequestOf<'project:updateSettings'>): ProjectSettings {
    return this.#projects.require().settings.update(req);
  }

  // ---- releases ---------------------------------------------------------------------------------

  list(req: RequestOf<'releases:list'>): { releases: ModelRelease[]; check: ReleaseCheck } {
    const project = this.#projects.require();
    const check = this.check({ modelPhotoId: req.modelPhotoId });
    const days = project.settings.releasePolicy.warnWithinDays;
    return { releases: project.releases.list(req.modelPhotoId).map((r) => toModelRelease(r, check.checkedFor.date, days)), check };
  }

  async add(req: RequestOf<'releases:add'>): Promise<ModelRelease> {
    const project = this.#projects.require();
    let scan: string | Uint8Array | undefined;
    if (req.scan !== undefined) scan = this.#files.resolve(req.scan, 'file', 'scan').path;
    else if (req.scanBase64 !== undefined) {
      const bytes = Buffer.from(req.scanBase64, 'base64');
      if (bytes.length > MAX_SCAN_BYTES) throw new ValidationError(`payload.scanBase64: ${bytes.length} bytes; expected at most ${MAX_SCAN_BYTES}`);
      scan = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    const release = await project.releases.add({
      modelPhotoId: req.modelPhotoId, subject: req.subject, consentDate: req.consentDate, channels: req.channels, regions: req.regions,
      ...(req.expiresOn !== undefined && { expiresOn: req.expiresOn }),
      ...(req.notes !== undefined && { notes: req.notes }),
      ...(scan !== undefined && { scan }),
    });
    return toModelRelease(release, today(), project.settings.releasePolicy.warnWithinDays);
  }

  revoke(req: RequestOf<'releases:revoke'>): ModelRelease {
    const project = this.#projects.require();
    const r = project.releases.revoke({ id: req.id, ...(req.on !== undefined && { on: req.on }) });
    return toModelRelease(r, today(), project.settings.releasePolicy.warnWithinDays);
  }

  check(req: RequestOf<'releases:check'>): ReleaseCheck {
    const project = this.#projects.require();
    const policy = project.settings.releasePolicy;
    const date = req.date ?? today();
    const channel = (req.channel ?? policy.channel).toLowerCase();
    const region = req.region !== undefined ? req.region.toUpperCase() : policy.region;
    const strict = req.strict ?? policy.strict;
    const c = project.releases.checkRelease(req.modelPhotoId, {
      date, channel, ...(region !== null && { region }), strict, warnWithinDays: policy.warnWithinDays,
    });
    return toCheck(c, { date, channel, region, strict });
  }

  // ---- erasure -----------------------------------------------------------------------------------
  // Training data too (main/store/erasure.ts); a running training run refuses it like a running cell.

  erasePlan(req: RequestOf<'models:erasePlan'>): ErasurePlanInfo {
    const project = this.#projects.require();
    return this.#info(project, planErasure(project.ctx, { modelPhotoIds: req.modelPhotoIds }));
  }

  async erase(req: RequestOf<'models:erase'>): Promise<ErasureDone> {
    const project = this.#projects.require();
    const plan = planErasure(project.ctx, { modelPhotoIds: req.modelPhotoIds });
    if (plan.fingerprint !== req.confirm) {
      throw new ConflictError(`payload.confirm: ${req.confirm.slice(0, 12)}… is not the plan of these model photos as they are now (something was added or changed since models:erasePlan); plan and confirm again`);
    }
    if (plan.runningJobs.length) {
      throw new ConflictError(`payload.modelPhotoIds: cell(s) ${plan.runningJobs.join(', ')} of these model photos are running; cancel them (queue:cancel) or wait for them to end, then erase`);
    }
    const t = plan.training;
    if (t.runningRuns.length) {
      throw new ConflictError(`payload.modelPhotoIds: training run(s) ${t.runningRuns.join(', ')} on a set with these model photos are training; stop them (training:stop) or wait for them to end, then erase`);
    }
    const withDerived = req.alsoDerivedCheckpoints === true;
    if (withDerived && (t.derived.runningRuns.length || t.derived.runningJobs.length)) {
      const what = [t.derived.runningRuns.length && `training run(s) ${t.derived.runningRuns.join(', ')}`, t.derived.runningJobs.length && `cell(s) ${t.derived.runningJobs.join(', ')}`].filter(Boolean).join(' and ');
      throw new ConflictError(`payload.alsoDerivedCheckpoints: ${what} with the checkpoints trained on these photos are running; stop them or wait for them to end, then erase (or keep the checkpoints)`);
    }
    // Close what holds the rows: queued cells are cancelled (the runner will not claim them) before the
    // deletion. Nothing awaits between here and executeErasure's transaction, so no cell can start meanwhile.
    const queued = this.#queuedJobs(project, plan, withDerived);
    if (queued.length && !this.#queue) throw new ConflictError(`payload.modelPhotoIds: cell(s) ${queued.join(', ')} of these model photos are queued and the queue is not available to cancel them`);
    for (const jobId of queued) this.#queue!.cancel({ jobId });
    const report = await executeErasure(project.ctx, plan, { deleteExportedFiles: req.deleteExportedFiles ?? false, alsoDerivedCheckpoints: withDerived });
    return {
      modelPhotoIds: plan.modelPhotos, rowsDeleted: report.rowsDeleted, filesDeleted: report.blobFilesDeleted, filesKept: report.blobFilesKept.length,
      exportedFilesDeleted: report.exportedFilesDeleted, jobsCancelled: queued.length,
      trainingPairsRemoved: t.pairs.length, samplesDeleted: t.sampleRuns.reduce((a, r) => a + r.samples, 0),
      derivedCheckpointsDeleted: report.derivedCheckpointsDeleted, derivedCheckpointsKept: report.derivedCheckpointsKept,
      erasureLogId: report.erasureLogId,
    };
  }

  /** Queued cells of the photos (and, with the derived checkpoints, of those checkpoints): cancelled before the erasure. */
  #queuedJobs(project: Project, plan: ErasurePlan, withDerived = false): number[] {
    const jobs = withDerived ? [...plan.jobs, ...plan.training.derived.jobs] : plan.jobs;
    return project.db
      .prepare(/* sql */ `SELECT id FROM jobs WHERE status = 'queued' AND id IN (SELECT value FROM json_each(?)) ORDER BY id`)
      .pluck()
      .all(JSON.stringify(jobs)) as number[];
  }

  #info(project: Project, plan: ErasurePlan): ErasurePlanInfo {
    const queued = this.#queuedJobs(project, plan).length;
    const t = plan.training;
    const lines = [...plan.summary];
    if (queued) lines.push(`${queued} queued cell${queued === 1 ? '' : 's'} of ${plan.modelPhotos.length === 1 ? 'this photo' : 'these photos'} cancelled first`);
    return {
      modelPhotoIds: plan.modelPhotos,
      lines,
      counts: {
        modelPhotos: plan.modelPhotos.length, masks: plan.masks.length, densePoses: plan.densePoses.length, releases: plan.releases.length,
        jobs: plan.jobs.length, results: plan.results.length, reviews: plan.reviews.length, exportItems: plan.exportItems.length,
        files: plan.blobs.length, sharedFiles: plan.sharedBlobs.length,
      },
      queuedJobs: queued,
      runningJobs: plan.runningJobs,
      exportedFiles: plan.exportedFiles,
      training: {
        sets: t.sets.map((x) => ({ ...x })), sampleRuns: t.sampleRuns.map((x) => ({ ...x })), runningRuns: [...t.runningRuns],
        derivedCheckpoints: t.derivedCheckpoints.map((c) => ({ ...c })), unfinishedRuns: t.unfinishedRuns.map((x) => x.id),
        derived: { jobs: t.derived.jobs.length, results: t.derived.results.length, runs: t.derived.runs.length, files: plan.derivedBlobs.length, running: t.derived.runningRuns.length + t.derived.runningJobs.length },
      },
      digest: plan.fingerprint,
    };
  }
}
