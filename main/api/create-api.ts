// Builds the whole API (services -> handlers -> dispatch) for a host. Electron main and serve mode
// both call createHost, so they answer every channel identically; they differ only in what they
// inject (the open dialog, how blob URLs look) and how they push events to their pages.
import { join } from 'node:path';
import type { HostMode } from '../../preload/contract.ts';
import { createAppInfoService, type EngineInfoSource } from '../services/app-info.ts';
import { CatalogService } from '../services/catalog-service.ts';
import { DialogService, type ShowOpenDialog } from '../services/dialog-service.ts';
import { EventHub } from '../services/events.ts';
import { FileRegistry } from '../services/files.ts';
import { HubService, type HubServiceOptions } from '../services/hub-service.ts';
import { PreprocessService } from '../services/preprocess-service.ts';
import { ProjectService } from '../services/project-service.ts';
import { QueueService, type EngineLike } from '../services/queue-service.ts';
import { serializeTensorJobs } from '../engine-host/tensor-jobs.ts';
import { ExplainService } from '../services/explain-service.ts';
import { ExportService } from '../services/export-service.ts';
import { WorkerTokenService } from '../services/worker-token-service.ts';
import { TrainingService } from '../services/training-service.ts';
import { ReviewService } from '../services/review-service.ts';
import { RightsService } from '../services/rights-service.ts';
import { createDispatch, type Dispatch } from './dispatch.ts';
import { createHandlers, type HandlerServices } from './handlers.ts';

export interface CreateApiOptions {
  name: string;
  version: string;
  mode: HostMode;
  engine: EngineInfoSource;
  log?: (message: string, err?: unknown) => void;
  /** The other services; without them only app:info and engine:info answer (the rest: 'unavailable'). */
  services?: Omit<HandlerServices, 'appInfo'>;
}

export function createApi({ name, version, mode, engine, log = console.error, services = {} }: CreateApiOptions): Dispatch {
  const appInfo = createAppInfoService({ name, version, mode, engine });
  return createDispatch({
    handlers: createHandlers({ appInfo, ...services }),
    onInternalError: (channel, err) => log(`[api] ${channel} failed`, err),
  });
}

export interface CreateHostOptions {
  name: string;
  version: string;
  mode: HostMode;
  /** The engine worker (an EngineSupervisor): `generate` for the queue, `info`/`memory` for status. */
  engine: EngineLike;
  /** The app's data folder (recent projects; new projects by default). */
  dataDir: string;
  /** Where new projects go when the user names no folder. Default <dataDir>/projects. */
  projectsDir?: string;
  /** How a page addresses a stored image. */
  blobUrl: (hash: string) => string;
  /** Serve mode: the URL of an export zip (GET /exports/<name>.zip); Electron writes zips where the user chose. */
  exportZipUrl?: (fileName: string) => string;
  /** Electron: the native open dialog. */
  showOpenDialog?: ShowOpenDialog;
  /** Electron: accept File paths the preload read from dropped/chosen files. */
  allowDroppedPaths?: boolean;
  /** Model manager options (tests: a loopback Hub, base configs of reduced models); default: the HF_* environment. */
  hub?: Omit<HubServiceOptions, 'projects' | 'catalog' | 'emit'>;
  /** Queue tuning (tests). */
  previewEveryMs?: number;
  progressIntervalMs?: number;
  log?: (message: string, err?: unknown) => void;
}

export interface Host {
  dispatch: Dispatch;
  events: EventHub;
  projects: ProjectService;
  files: FileRegistry;
  catalog: CatalogService;
  queue: QueueService;
  training: TrainingService;
  hub: HubService;
  /** Stops the queue, closes the project and drops file refs (uploads are deleted). */
  close(): Promise<void>;
}

export function createHost(opts: CreateHostOptions): Host {
  const log = opts.log ?? console.error;
  const line = (message: string) => log(message);
  const events = new EventHub(line);
  const files = new FileRegistry();
  const projects = new ProjectService({
    dataDir: opts.dataDir,
    ...(opts.projectsDir !== undefined && { projectsDir: opts.projectsDir }),
    log: line,
    onChange: (project) => events.emit('project:changed', { project }),
  });
  const catalog = new CatalogService({ projects, files, onImportProgress: (p) => events.emit('checkpoints:importProgress', p) });
  // The queue's cells, explain and training runs share the engine one tensor job at a time (engine-host/tensor-jobs.ts).
  const tensorJobs = serializeTensorJobs(opts.engine);
  const queue = new QueueService({
    projects,
    engine: tensorJobs,
    emit: (event, payload) => events.emit(event, payload),
    appVersion: `${opts.name} ${opts.version}`,
    log: line,
    ...(opts.previewEveryMs !== undefined && { previewEveryMs: opts.previewEveryMs }),
    ...(opts.progressIntervalMs !== undefined && { progressIntervalMs: opts.progressIntervalMs }),
  });
  const rights = new RightsService({ projects, files, queue });
  const workerTokens = new WorkerTokenService(projects, queue);
  const preprocess = new PreprocessService({ projects, engine: opts.engine });
  const review = new ReviewService({ projects });
  const explain = new ExplainService({ projects, engine: tensorJobs, emit: (event, payload) => events.emit(event, payload), log: line });
  // Training takes the engine as one long tensor job (the queue is paused meanwhile; explain waits for it).
  const training = new TrainingService({ projects, engine: tensorJobs, queue, emit: (event, payload) => events.emit(event, payload), log: line });
  const hub = new HubService({
    projects,
    catalog,
    emit: (progress) => events.emit('hub:progress', progress),
    stateFile: join(opts.dataDir, 'hub-downloads.json'),
    log: line,
    ...opts.hub,
  });
  const dialog = new DialogService({ files, ...(opts.showOpenDialog && { showOpenDialog: opts.showOpenDialog }), allowDroppedPaths: opts.allowDroppedPaths ?? false });
  const exportService = new ExportService({
    projects, files, dataDir: opts.dataDir, emit: (event, payload) => events.emit(event, payload),
    ...(opts.exportZipUrl && { zipUrl: opts.exportZipUrl }),
  });
  const dispatch = createApi({
    name: opts.name,
    version: opts.version,
    mode: opts.mode,
    engine: { info: () => opts.engine.request('info', {}) },
    log,
    services: { workerTokens, hub, explain, preprocess, review, projects, files, catalog, queue, dialog, rights, blobUrl: opts.blobUrl, training, exports: exportService },
  });
  return {
    dispatch,
    events,
    projects,
    files,
    catalog,
    queue,
    training,
    hub,
    close: async () => {
      await hub.close();
      await projects.close();
      await queue.close();
      files.close();
    },
  };
}
