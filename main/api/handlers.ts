// Channel -> service method. The only place that knows which service answers which message. Every
// service but appInfo is optional: a host built without one (a test, a future headless host) answers
// its channels with 'unavailable' instead of crashing.
import { isAbsolute, relative, resolve } from 'node:path';
import type { AppInfoService } from '../services/app-info.ts';
import type { CatalogService } from '../services/catalog-service.ts';
import type { DialogService } from '../services/dialog-service.ts';
import type { HubService } from '../services/hub-service.ts';
import type { FileRegistry } from '../services/files.ts';
import type { PreprocessService } from '../services/preprocess-service.ts';
import type { ProjectService } from '../services/project-service.ts';
import type { QueueService } from '../services/queue-service.ts';
import type { WorkerTokenService } from '../services/worker-token-service.ts';
import type { ExplainService } from '../services/explain-service.ts';
import type { ExportService } from '../services/export-service.ts';
import type { ReviewService } from '../services/review-service.ts';
import type { RightsService } from '../services/rights-service.ts';
import type { TrainingService } from '../services/training-service.ts';
import type { Handlers } from './dispatch.ts';
import { ForbiddenError, UnavailableError } from './errors.ts';

export interface HandlerServices {
  appInfo: AppInfoService;
  projects?: ProjectService;
  files?: FileRegistry;
  catalog?: CatalogService;
  queue?: QueueService;
  workerTokens?: WorkerTokenService;
  /** Explain: flow fields and attention of results (engine worker, serialized with the queue). */
  explain?: ExplainService;
  exports?: ExportService;
  review?: ReviewService;
  training?: TrainingService;
  dialog?: DialogService;
  /** The model manager (hub:*): downloads from the Hugging Face Hub into the open project. */
  hub?: HubService;
  /** Model releases, erasure and project settings. */
  rights?: RightsService;
  /** Automatic masks, approximated DensePose, cleaned-up garment previews (engine worker). */
  preprocess?: PreprocessService;
  /** The URL a page loads a stored image from (app://leffa/blob/<hash> or /blob/<hash>). */
  blobUrl?: (hash: string) => string;
}

function need<T>(service: T | undefined, what: string): T {
  if (!service) throw new UnavailableError(`${what} is not available in this host`);
  return service;
}

function inside(parent: string, child: string): boolean {
  const rel = relative(resolve(parent), resolve(child));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

export function createHandlers(s: HandlerServices): Handlers {
  const projects = () => need(s.projects, 'the project service');
  const files = () => need(s.files, 'file references');
  const catalog = () => need(s.catalog, 'the catalogue');
  const queue = () => need(s.queue, 'the queue');
  const workerTokens = () => need(s.workerTokens, 'worker tokens');
  const exportsService = () => need(s.exports, 'export');
  const review = () => need(s.review, 'the review service');
  const dialog = () => need(s.dialog, 'the open dialog');
  const hub = () => need(s.hub, 'the model manager');
  const rights = () => need(s.rights, 'releases and erasure');
  const training = () => need(s.training, 'training');

  return {
    'app:info': () => s.appInfo.info(),
    'engine:info': () => s.appInfo.engineInfo(),
    'engine:status': () => queue().engineStatus(),

    'dialog:openFiles': (req) => dialog().openFiles(req),
    'files:dropped': (req) => dialog().dropped(req.paths),

    'project:current': () => projects().current(),
    'project:open': (req) => {
      const p = projects();
      if ('folder' in req) return p.open(files().resolve(req.folder, 'folder', 'folder').path);
      // A typed path is only trusted when the app itself listed it (recent list, its projects folder).
      if (!p.isRecent(req.path) && !inside(p.projectsDir, req.path)) {
        throw new ForbiddenError(`${req.path} is not in the recent projects list; pick the folder with the open dialog instead`);
      }
      return p.open(req.path);
    },
    'project:create': (req) => {
      const parent = req.parent === undefined ? undefined : files().resolve(req.parent, 'folder', 'parent').path;
      return projects().create(req.name, parent);
    },
    'project:close': async () => ({ closed: await projects().close() }),
    'project:recent': () => ({ projects: projects().recent() }),
    'project:forget': (req) => ({ projects: projects().forget(req.path) }),
    'project:stats': () => projects().stats(),

    'collections:list': () => ({ collections: catalog().collections() }),
    'collections:create': (req) => catalog().createCollection(req),

    'garments:list': (req) => catalog().listGarments(req),
    'garments:get': (req) => catalog().garment(req.id),
    'garments:import': (req) => catalog().importGarments(req),
    'garments:update': (req) => catalog().updateGarment(req),
    'garments:bulkUpdate': (req) => catalog().bulkUpdateGarments(req),
    'garments:photos': (req) => catalog().garmentPhotos(req),

    'models:list': () => catalog().listModelPhotos(),
    'models:get': (req) => catalog().modelPhoto(req.id),
    'models:import': (req) => catalog().importModelPhotos(req),

    'masks:list': (req) => catalog().latestMasks(req.modelPhotoId),
    'masks:versions': (req) => catalog().maskVersions(req.modelPhotoId, req.category),
    'masks:save': (req) => catalog().saveMask(req),

    'densepose:import': (req) => catalog().importDensePose(req),
    'densepose:list': (req) => catalog().densePoses(req.modelPhotoId),
    'masks:auto': (req) => need(s.preprocess, 'preprocessing').autoMasks(req),
    'densepose:generate': (req) => need(s.preprocess, 'preprocessing').generateDensePose(req),
    'garments:cleanPreview': (req) => need(s.preprocess, 'preprocessing').cleanPreview(req),

    'checkpoints:list': () => catalog().listCheckpoints(),
    'checkpoints:get': (req) => catalog().checkpoint(req.id),
    'checkpoints:import': (req) => catalog().importCheckpoint(req),
    'checkpoints:setDefault': (req) => catalog().setDefaultCheckpoint(req.id, req.task),
    'checkpoints:acceptLicence': (req) => catalog().acceptLicence(req.id, req.by),

    'hub:catalogue': () => hub().catalogue(),
    'hub:download': (req) => hub().download(req.modelId),
    'hub:cancel': (req) => hub().cancel(req.modelId),
    'hub:register': (req) => hub().register(req.modelId),

    'batches:preview': (req) => queue().preview(req),
    'batches:enqueue': (req) => queue().enqueue(req),
    'batches:list': (req) => queue().batches(req.limit),

    'queue:state': () => queue().state(),
    'queue:pause': () => queue().pause(),
    'queue:resume': () => queue().resume(),
    'queue:cancel': (req) => queue().cancel(req),
    'queue:retry': (req) => queue().retry(req),
    'queue:cells': (req) => queue().cells(req),
    'queue:workers': () => queue().workers(),
    'queue:settings': () => queue().settings(),
    'queue:saveSettings': (req) => queue().saveSettings(req),
    'queue:testConnection': (req) => queue().testConnection(req),
    'queue:workerTokens': () => workerTokens().list(),
    'queue:issueWorkerToken': (req) => workerTokens().issue(req.name),
    'queue:revokeWorkerToken': (req) => workerTokens().revoke(req.name),

    'training:sets': () => training().sets(),
    'training:createSet': (req) => training().createSet(req),
    'training:setDetail': (req) => training().setDetail(req.id),
    'training:start': (req) => training().start(req),
    'training:runs': () => training().runs(),
    'training:run': (req) => training().run(req.id),
    'training:stop': (req) => training().stop(req.id),
    'training:resume': (req) => training().resume(req.id),
    'training:compare': (req) => training().compare(req),

    'results:list': (req) => catalog().listResults(req),
    'results:get': (req) => catalog().result(req.id),
    'review:list': (req) => review().list(req),
    'review:get': (req) => review().get(req.id),
    'review:add': (req) => review().add(req),
    'review:pick': (req) => review().pick(req),
    'results:rerun': (req) => review().rerun(req),

    'project:settings': () => rights().settings(),
    'project:updateSettings': (req) => rights().updateSettings(req),
    'releases:list': (req) => rights().list(req),
    'releases:add': (req) => rights().add(req),
    'releases:revoke': (req) => rights().revoke(req),
    'releases:check': (req) => rights().check(req),
    'models:erasePlan': (req) => rights().erasePlan(req),
    'models:erase': (req) => rights().erase(req),

    'exports:presets': () => exportsService().presets(),
    'exports:savePreset': (req) => exportsService().savePreset(req),
    'exports:deletePreset': (req) => exportsService().deletePreset(req.id),
    'exports:preview': (req) => exportsService().preview(req),
    'exports:run': (req) => exportsService().run(req),
    'exports:list': (req) => exportsService().list(req.limit),
    'exports:signing': () => exportsService().signingStatus(),
    'exports:setSigning': (req) => exportsService().setSigning(req),
    'exports:clearSigning': () => exportsService().clearSigning(),

    'blobs:url': (req) => {
      catalog().requireBlob(req.hash);
      return { url: need(s.blobUrl, 'blob URLs')(req.hash) };
    },

    'explain:layers': (req) => need(s.explain, 'explain').layers(req.resultId),
    'explain:run': (req) => need(s.explain, 'explain').start(req),
    'explain:get': (req) => need(s.explain, 'explain').get(req),
    'explain:inspect': (req) => need(s.explain, 'explain').inspect(req),
  };
}
