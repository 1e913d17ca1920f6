// Exports for the API: presets saved in the project, the preview (names, clashes, release warnings) and the
// run itself (main/export/run.ts), with progress pushed as exports:progress. One export runs at a time.
// Targets: a folder the user picked in the desktop app's folder dialog (a FileRef), a folder inside the
// project (exports/<name>), or a zip there (serve mode downloads it). The C2PA signing credentials are
// app-level settings in the data folder (main/export/signing.ts).
import { basename, isAbsolute, join, relative, sep } from 'node:path';
import type {
  ExportPresetInfo, ExportPreview, ExportProgressEvent, ExportRequest, ExportRunResult, ExportSummary, SigningStatus,
} from '../../preload/contract.ts';
import { ConflictError, ValidationError } from '../api/errors.ts';
import { EXPORTS_DIR } from '../export/download.ts';
import { planExport } from '../export/plan.ts';
import { ExportPresetSpec, type ExportPresetSpec as Spec } from '../export/preset.ts';
import { unsafeNameReason } from '../export/naming.ts';
import { runExport, type ExportTarget } from '../export/run.ts';
import { SigningSettings } from '../export/signing.ts';
import { ExportPresetRepo } from '../store/export-presets.ts';
import type { Project } from '../store/project.ts';
import type { FileRegistry } from './files.ts';
import type { ProjectService } from './project-service.ts';

const PREVIEW_ITEMS = 200;
const MAX_FILTERED = 100_000;

export interface ExportServiceOptions {
  projects: ProjectService;
  files: FileRegistry;
  dataDir: string;
  emit: (event: 'exports:progress', payload: ExportProgressEvent) => void;
  /** Serve mode: the URL a page downloads an export zip from (GET /exports/<name>.zip). Absent in Electron. */
  zipUrl?: (fileName: string) => string;
}

export class ExportService {
  readonly signing: SigningSettings;
  #repo: { project: Project; repo: ExportPresetRepo } | null = null;
  #running = false;

  constructor(private readonly opts: ExportServiceOptions) {
    this.signing = new SigningSettings(opts.dataDir);
  }

  #presetRepo(project: Project): ExportPresetRepo {
    if (this.#repo?.project !== project) this.#repo = { project, repo: new ExportPresetRepo(project.db) };
    return this.#repo.repo;
  }

  presets(): { presets: ExportPresetInfo[] } {
    return { presets: this.#presetRepo(this.opts.projects.require()).list() };
  }

  savePreset(req: { id?: number; name: string; spec: Partial<Spec> }): ExportPresetInfo {
    return this.#presetRepo(this.opts.projects.require()).save(req);
  }

  deletePreset(id: number): { deleted: boolean } {
    return { deleted: this.#presetRepo(this.opts.projects.require()).delete(id) };
  }

  list(limit = 50): { exports: ExportSummary[] } {
    const project = this.opts.projects.require();
    return {
      exports: project.exports.list(limit).map((e) => ({
        id: e.id, name: e.name, targetDir: e.targetDir, presetName: typeof e.preset.presetName === 'string' ? e.preset.presetName : null,
        format: typeof e.preset.format === 'string' ? e.preset.format : null, fileCount: e.items.length, createdAt: e.createdAt,
      })),
    };
  }

  /** The results a selection names, in id order. */
  #resultIds(project: Project, selection: ExportRequest['selection']): number[] {
    if ('resultIds' in selection) return [...new Set(selection.resultIds)];
    const status = selection.filter.reviewStatus ?? 'approved';
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (status !== 'any') { where.push('review_status = ?'); args.push(status); }
    if (selection.filter.batchId !== undefined) { where.push('batch_id = ?'); args.push(selection.filter.batchId); }
    const sql = `SELECT id FROM results ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ${MAX_FILTERED + 1}`;
    const ids = project.db.prepare(sql).pluck().all(...args) as number[];
    if (ids.length > MAX_FILTERED) throw new ValidationError(`the filter matches more than ${MAX_FILTERED} results; expected a narrower filter (a batch)`);
    return ids;
  }

  #preset(project: Project, req: Pick<ExportRequest, 'presetId' | 'preset'>): { spec: Spec; name: string | null } {
    if (req.preset) return { spec: ExportPresetSpec.parse(req.preset), name: null };
    if (req.presetId !== undefined) {
      const p = this.#presetRepo(project).require(req.presetId, 'exports', 'presetId');
      return { spec: p.spec, name: p.name };
    }
    return { spec: ExportPresetSpec.parse({}), name: null };
  }

  #target(project: Project, target: ExportRequest['target']): ExportTarget {
    if ('folder' in target) return { kind: 'folder', dir: this.opts.files.resolve(target.folder, 'folder', 'target.folder').path, external: true };
    const name = 'projectFolder' in target ? target.projectFolder : target.zip;
    const argument = 'projectFolder' in target ? 'target.projectFolder' : 'target.zip';
    const file = 'zip' in target && !name.toLowerCase().endsWith('.zip') ? `${name}.zip` : name;
    const why = unsafeNameReason(file);
    if (why) throw new ValidationError(`${argument} is ${JSON.stringify(name)}, which is refused because ${why}; expected a plain folder name (it goes under ${EXPORTS_DIR}/ in the project)`);
    const path = join(project.dir, EXPORTS_DIR, file);
    return 'zip' in target ? { kind: 'zip', file: path } : { kind: 'folder', dir: path, external: false };
  }

  preview(req: Omit<ExportRequest, 'name'>): ExportPreview {
    const project = this.opts.projects.require();
    const resultIds = this.#resultIds(project, req.selection);
    const empty = { total: resultIds.length, items: [], conflicts: [], refused: [], releaseWarnings: [], releaseCheck: { date: '', channel: '', region: null } };
    let spec: Spec;
    let target: ExportTarget;
    try {
      spec = this.#preset(project, req).spec;
      target = this.#target(project, req.target);
    } catch (err) {
      if (err instanceof ValidationError) return { ...empty, error: err.message };
      throw err;
    }
    if (resultIds.length === 0) return { ...empty, error: null };
    let plan;
    try {
      plan = planExport(project, { resultIds, preset: spec, folder: target.kind === 'folder' ? target.dir : null });
    } catch (err) {
      if (err instanceof ValidationError) return { ...empty, error: err.message };
      throw err;
    }
    return {
      total: resultIds.length,
      items: plan.items.slice(0, PREVIEW_ITEMS).map((it) => ({
        resultId: it.resultId, blobHash: it.blobHash, fileName: it.fileName, refused: it.refused, suffixed: it.suffixed, exists: it.exists,
        release: { status: it.release.status, messages: it.release.issues.map((x) => x.message) },
      })),
      conflicts: plan.conflicts,
      refused: plan.refused,
      releaseWarnings: plan.releaseWarnings,
      releaseCheck: plan.releaseCheck,
      error: null,
    };
  }

  async run(req: ExportRequest & { runId?: string }): Promise<ExportRunResult> {
    const project = this.opts.projects.require();
    if (this.#running) throw new ConflictError('an export is already running; wait for it to finish');
    this.#running = true;
    try {
      const resultIds = this.#resultIds(project, req.selection);
      if (resultIds.length === 0) throw new ValidationError('the selection matches no results; expected approved results (or pick results by hand)');
      const { spec, name: presetName } = this.#preset(project, req);
      const target = this.#target(project, req.target);
      const signing = spec.c2pa ? await this.signing.load() : null;
      const name = req.name ?? `Export ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`;
      const out = await runExport(project, {
        name, resultIds, preset: spec, presetName, target, signing,
        ...(req.onConflict && { onConflict: req.onConflict }),
        ...(req.allowReleaseRefusals !== undefined && { allowReleaseRefusals: req.allowReleaseRefusals }),
        ...(req.runId && { runId: req.runId }),
        onProgress: (p) => this.opts.emit('exports:progress', p),
      });
      const rel = relative(project.dir, out.target.path);
      const shown = !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : out.target.path;
      return {
        exportId: out.record.id, name: out.record.name, target: { kind: out.target.kind, path: shown }, files: out.files,
        manifestFiles: out.manifestFiles, rows: out.manifest.files, warnings: out.warnings,
        ...(out.target.kind === 'zip' && this.opts.zipUrl && { downloadUrl: this.opts.zipUrl(basename(out.target.path)) }),
      };
    } finally {
      this.#running = false;
    }
  }

  async signingStatus(): Promise<SigningStatus> {
    return this.signing.status();
  }

  async setSigning(req: { cert: string; key: string; alg: 'es256' | 'ps256' }): Promise<SigningStatus> {
    const cert = this.opts.files.resolve(req.cert, 'file', 'cert').path;
    const key = this.opts.files.resolve(req.key, 'file', 'key').path;
    return this.signing.set(cert, key, req.alg, this.opts.projects.project?.dir ?? null);
  }

  async clearSigning(): Promise<SigningStatus> {
    return this.signing.clear();
  }
}
