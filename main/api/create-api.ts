// Builds the whole API (services -> handlers -> dispatch) for a host. Electron main and serve mode
// both call createHost, so they answer every channel identically; they differ only in what they
// inject (the open dialog, how blob URLs look) and how they push events to their pages.
import type { HostMode } from '../../preload/contract.ts';
import { createAppInfoService, type EngineInfoSource } from '../services/app-info.ts';
import { CatalogService } from '../services/catalog-service.ts';
import { DialogService, type ShowOpenDialog } from '../services/dialog-service.ts';
import { EventHub } from '../services/events.ts';
import { FileRegistry } from '../services/files.ts';
import { ProjectService } from '../services/project-service.ts';
import { QueueService, type EngineLike } from '../services/queue-service.ts';
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
  /** Electron: the native open dialog. */
  showOpenDialog?: ShowOpenDialog;
  /** Electron: accept File paths the preload read from dropped/chosen files. */
  allowDroppedPaths?: boolean;
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
  const queue = new QueueService({
    projects,
    engine: opts.engine,
    emit: (event, payload) => events.emit(event, payload),
    appVersion: `${opts.name} ${opts.version}`,
    log: line,
    ...(opts.previewEveryMs !== undefined && { previewEveryMs: opts.previewEveryMs }),
    ...(opts.progressIntervalMs !== undefined && { progressIntervalMs: opts.progressIntervalMs }),
  });
  const dialog = new DialogService({ files, ...(opts.showOpenDialog && { showOpenDialog: opts.showOpenDialog }), allowDroppedPaths: opts.allowDroppedPaths ?? false });
  const dispatch = createApi({
    name: opts.name,
    version: opts.version,
    mode: opts.mode,
    engine: { info: () => opts.engine.request('info', {}) },
    log,
    services: { projects, files, catalog, queue, dialog, blobUrl: opts.blobUrl },
  });
  return {
    dispatch,
    events,
    projects,
    files,
    catalog,
    queue,
    close: async () => {
      await projects.close();
      await queue.close();
      files.close();
    },
  };
}
