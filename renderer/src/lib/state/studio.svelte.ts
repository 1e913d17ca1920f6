// Everything the app's screens share, built once from the api and handed down through context: the
// host's identity and engine status, the open project, each screen's state, the queue, toasts, key
// routing and navigation. `connect()` subscribes to the host's pushes and reloads the screens when
// the project changes.
import { createContext } from 'svelte';
import type { Api } from '../api.ts';
import { AppState } from '../app-state.svelte.ts';
import { BatchBuilderState } from './batch-builder.svelte.ts';
import { CheckpointsState } from './checkpoints.svelte.ts';
import { ExplainState } from './explain.svelte.ts';
import { ExportState } from './export.svelte.ts';
import { FinetuneState } from './finetune.svelte.ts';
import { GarmentImportState } from './garment-import.svelte.ts';
import { GarmentsState } from './garments.svelte.ts';
import { Keys } from './keys.svelte.ts';
import { ModelPhotosState } from './model-photos.svelte.ts';
import { Nav, type Screen } from './nav.svelte.ts';
import { ProjectState } from './project.svelte.ts';
import { QueueStore } from './queue.svelte.ts';
import { RightsState } from './rights.svelte.ts';
import { ReviewState } from './review.svelte.ts';
import { WorkersStore } from './workers.svelte.ts';
import { WorkerTokensStore } from './worker-tokens.svelte.ts';
import { Toasts } from './toasts.svelte.ts';

export class Studio {
  readonly api: Api;
  readonly app: AppState;
  readonly project: ProjectState;
  readonly nav: Nav;
  readonly toasts = new Toasts();
  readonly keys = new Keys();
  readonly garments: GarmentsState;
  readonly tray: GarmentImportState;
  readonly models: ModelPhotosState;
  readonly checkpoints: CheckpointsState;
  readonly batch: BatchBuilderState;
  /** The garment picker of the New batch screen: its own search, its selection is the batch's garments. */
  readonly batchGarments: GarmentsState;
  readonly queue: QueueStore;
  /** Model releases, erasure and the project's release policy. */
  readonly rights: RightsState;
  readonly review: ReviewState;
  /** The Explain screen: flow fields and attention of one result. */
  readonly explain: ExplainState;
  /** Training sets and runs (the Finetune screen). */
  readonly finetune: FinetuneState;
  /** Who runs the cells (this computer or the team's workers) and the project's queue settings. */
  readonly workers: WorkersStore;
  /** The team queue's per-machine worker tokens. */
  readonly workerTokens: WorkerTokensStore;
  /** The Export screen: presets, name preview, runs with progress. */
  readonly exports: ExportState;

  constructor(api: Api, initialScreen: Screen = 'projects') {
    this.api = api;
    this.app = new AppState(api);
    this.project = new ProjectState(api);
    this.nav = new Nav(initialScreen);
    this.garments = new GarmentsState(api);
    this.tray = new GarmentImportState(api);
    this.models = new ModelPhotosState(api);
    this.checkpoints = new CheckpointsState(api);
    this.batch = new BatchBuilderState(api);
    this.batchGarments = new GarmentsState(api);
    this.queue = new QueueStore(api);
    this.rights = new RightsState(api);
    this.review = new ReviewState(api);
    this.explain = new ExplainState(api);
    this.finetune = new FinetuneState(api);
    this.workers = new WorkersStore(api);
    this.workerTokens = new WorkerTokensStore(api);
    this.exports = new ExportState(api);
  }

  /** Subscribes to host events and loads the first data; returns the cleanup. */
  connect(): () => void {
    const offs = [
      this.app.connect(),
      this.project.connect(),
      this.checkpoints.connect(),
      this.queue.connect(),
      this.review.connect(),
      this.explain.connect(),
      this.project.onChange(() => this.explain.clear()),
      this.finetune.connect(),
      this.project.onChange(() => this.review.clear()),
      this.workers.connect(),
      this.exports.connect(),
      this.project.onChange(() => this.exports.clear()),
      this.project.onChange((project) => {
        if (project) void this.reloadProject();
        else this.nav.go('projects');
      }),
    ];
    this.queue.onBatchFinished = (batch) => {
      const { succeeded, failed, cancelled } = batch.counts;
      const text = `${batch.name} finished: ${succeeded} done${failed ? `, ${failed} failed` : ''}${cancelled ? `, ${cancelled} cancelled` : ''}.`;
      this.toasts.push(text, failed ? 'error' : 'ok');
      notify('Batch finished', text);
      void this.project.refreshStats();
    };
    void this.app.load();
    void this.project.load();
    return () => {
      for (const off of offs) off();
      this.queue.dispose();
      this.batch.dispose();
    };
  }

  /** A project was opened or created: every screen starts over. */
  async reloadProject(): Promise<void> {
    this.garments.clearSelection();
    this.garments.closeDetail();
    this.models.closeDetail();
    this.batch.setGarments([]);
    this.batch.setModelPhotos([]);
    this.batchGarments.clearSelection();
    this.finetune.clear();
    void this.rights.loadSettings();
    void this.workers.load();
    void this.workers.loadSettings();
    await Promise.all([this.garments.reload(), this.models.load(), this.checkpoints.load(), this.queue.load(), this.batchGarments.reload()]);
  }
}

/** A system notification, when the user allowed them (asked for when a batch is queued). */
function notify(title: string, body: string): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  try {
    new Notification(title, { body });
  } catch {
    // Some hosts only allow notifications from a service worker; the toast is enough.
  }
}

export const [getStudio, setStudio] = createContext<Studio>();
