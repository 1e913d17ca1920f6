// Builds the `window.app` object from an invoke function and an event subscriber. One explicit
// method per message, so the page can reach exactly these channels and nothing else (no generic
// invoke, no ipcRenderer), and `on` accepts only the event names of the contract.
import type { AppBridge, BridgeChannels, BridgeMethods, Channel, EventName, EventSpec, FileRef, Result } from './contract.ts';

export type Invoke = (channel: Channel, request: unknown) => Promise<Result<unknown>>;
export type Subscribe = (event: EventName, listener: (payload: unknown) => void) => () => void;

/** Spelled out here and in the renderer's socket client; the type keeps both equal to the contract. */
export const BRIDGE_CHANNELS: BridgeChannels = {
  info: 'app:info',
  engineInfo: 'engine:info',
  engineStatus: 'engine:status',
  openFiles: 'dialog:openFiles',
  projectCurrent: 'project:current',
  projectOpen: 'project:open',
  projectCreate: 'project:create',
  projectClose: 'project:close',
  projectRecent: 'project:recent',
  projectForget: 'project:forget',
  projectStats: 'project:stats',
  collectionsList: 'collections:list',
  collectionsCreate: 'collections:create',
  garmentsList: 'garments:list',
  garmentsGet: 'garments:get',
  garmentsImport: 'garments:import',
  garmentsUpdate: 'garments:update',
  garmentsBulkUpdate: 'garments:bulkUpdate',
  garmentsPhotos: 'garments:photos',
  modelsList: 'models:list',
  modelsGet: 'models:get',
  modelsImport: 'models:import',
  masksList: 'masks:list',
  masksVersions: 'masks:versions',
  masksSave: 'masks:save',
  denseposeImport: 'densepose:import',
  denseposeList: 'densepose:list',
  masksAuto: 'masks:auto',
  denseposeGenerate: 'densepose:generate',
  garmentsCleanPreview: 'garments:cleanPreview',
  checkpointsList: 'checkpoints:list',
  checkpointsGet: 'checkpoints:get',
  checkpointsImport: 'checkpoints:import',
  checkpointsSetDefault: 'checkpoints:setDefault',
  checkpointsAcceptLicence: 'checkpoints:acceptLicence',
  hubCatalogue: 'hub:catalogue',
  hubDownload: 'hub:download',
  hubCancel: 'hub:cancel',
  hubRegister: 'hub:register',
  batchesPreview: 'batches:preview',
  batchesEnqueue: 'batches:enqueue',
  batchesList: 'batches:list',
  queueState: 'queue:state',
  queuePause: 'queue:pause',
  queueResume: 'queue:resume',
  queueCancel: 'queue:cancel',
  queueRetry: 'queue:retry',
  queueCells: 'queue:cells',
  queueWorkers: 'queue:workers',
  queueSettings: 'queue:settings',
  queueSaveSettings: 'queue:saveSettings',
  queueTestConnection: 'queue:testConnection',
  queueWorkerTokens: 'queue:workerTokens',
  queueIssueWorkerToken: 'queue:issueWorkerToken',
  queueRevokeWorkerToken: 'queue:revokeWorkerToken',
  resultsList: 'results:list',
  resultsGet: 'results:get',
  reviewList: 'review:list',
  reviewGet: 'review:get',
  reviewAdd: 'review:add',
  reviewPick: 'review:pick',
  resultsRerun: 'results:rerun',
  blobsUrl: 'blobs:url',
  explainLayers: 'explain:layers',
  explainRun: 'explain:run',
  explainGet: 'explain:get',
  explainInspect: 'explain:inspect',
  exportsPresets: 'exports:presets',
  exportsSavePreset: 'exports:savePreset',
  exportsDeletePreset: 'exports:deletePreset',
  exportsPreview: 'exports:preview',
  exportsRun: 'exports:run',
  exportsList: 'exports:list',
  exportsSigning: 'exports:signing',
  exportsSetSigning: 'exports:setSigning',
  exportsClearSigning: 'exports:clearSigning',
  trainingSets: 'training:sets',
  trainingCreateSet: 'training:createSet',
  trainingSetDetail: 'training:setDetail',
  trainingStart: 'training:start',
  trainingRuns: 'training:runs',
  trainingRun: 'training:run',
  trainingStop: 'training:stop',
  trainingResume: 'training:resume',
  trainingCompare: 'training:compare',
  projectSettings: 'project:settings',
  projectUpdateSettings: 'project:updateSettings',
  releasesList: 'releases:list',
  releasesAdd: 'releases:add',
  releasesRevoke: 'releases:revoke',
  releasesCheck: 'releases:check',
  modelsErasePlan: 'models:erasePlan',
  modelsErase: 'models:erase',
};

const EVENTS: { [E in EventName]: true } = {
  'queue:event': true,
  'queue:workers': true,
  'engine:status': true,
  'project:changed': true,
  'checkpoints:importProgress': true,
  'explain:progress': true,
  'exports:progress': true,
  'hub:progress': true,
  'training:event': true,
};

/** Every event the host may push; `on` refuses any other name. */
export const EVENT_NAMES = Object.freeze(Object.keys(EVENTS) as EventName[]);

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && Object.hasOwn(EVENTS, value);
}

/** Builds the per-channel methods: each sends its one options object ({} when omitted). */
export function bridgeMethods(invoke: Invoke): BridgeMethods {
  const methods: Record<string, (request?: unknown) => Promise<Result<unknown>>> = {};
  for (const [method, channel] of Object.entries(BRIDGE_CHANNELS) as [string, Channel][]) {
    methods[method] = (request = {}) => invoke(channel, request);
  }
  return methods as unknown as BridgeMethods;
}

export interface BridgeOptions {
  subscribe?: Subscribe;
  /** Electron only: File objects -> FileRefs (paths are resolved in the preload). */
  fileRefs?: (files: File[]) => Promise<Result<{ files: FileRef[] }>>;
}

export function createBridge(invoke: Invoke, opts: BridgeOptions = {}): AppBridge {
  const subscribe = opts.subscribe;
  const bridge: AppBridge = {
    ...bridgeMethods(invoke),
    on<E extends EventName>(event: E, listener: (payload: EventSpec[E]) => void): () => void {
      if (!isEventName(event)) throw new TypeError(`window.app.on: unknown event ${JSON.stringify(event)}; expected one of ${EVENT_NAMES.join(', ')}`);
      if (typeof listener !== 'function') throw new TypeError('window.app.on: listener must be a function');
      if (!subscribe) return () => {};
      return subscribe(event, listener as (payload: unknown) => void);
    },
  };
  if (opts.fileRefs) bridge.fileRefs = opts.fileRefs;
  return Object.freeze(bridge);
}
