// Model releases, the right to erasure and the project's release policy, for the model photo detail view,
// the erase dialog and the Projects screen. Releases are never edited: adding records a new one, revoking
// sets its end once. Erasing is two calls: the plan (what goes, shown for confirmation) and the erase with
// the plan's digest, which the host refuses when the project changed since.
import type {
  ErasureDone, ErasurePlanInfo, ModelRelease, ProjectSettings, ReleaseCheck, ReleasePolicy,
} from '../../../../preload/contract.ts';
import type { Api } from '../api.ts';
import { readableError } from '../errors.ts';

export type RightsApi = Pick<Api, 'call' | 'fileRefs' | 'mode'>;

/** What the add-release form collects; channels and regions as typed, comma separated. */
export interface ReleaseForm {
  subject: string;
  consentDate: string;
  expiresOn: string;
  channels: string;
  regions: string;
  notes: string;
}

export const STATE_LABELS: Record<ModelRelease['state'], string> = {
  valid: 'Valid', expiring: 'Expiring soon', expired: 'Expired', 'not-yet-valid': 'Not yet valid', revoked: 'Revoked',
};

export const STATE_TONES: Record<ModelRelease['state'], 'ok' | 'busy' | 'error'> = {
  valid: 'ok', expiring: 'busy', expired: 'error', 'not-yet-valid': 'busy', revoked: 'error',
};

export function emptyForm(now = Date.now()): ReleaseForm {
  const day = new Date(now); // eslint-disable-line svelte/prefer-svelte-reactivity -- read once, never mutated
  const iso = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`;
  return { subject: '', consentDate: iso, expiresOn: '', channels: 'web', regions: '*', notes: '' };
}

/** "web, Print ,, *" -> ['web', 'Print', '*']. */
export function splitList(text: string): string[] {
  const out: string[] = [];
  for (const s of text.split(',').map((x) => x.trim())) if (s && !out.includes(s)) out.push(s);
  return out;
}

function isPdf(file: File): boolean {
  return file.type === 'application/pdf' || /\.pdf$/i.test(file.name);
}

async function base64Of(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export class RightsState {
  /** The project's settings (null until loaded). */
  settings = $state.raw<ProjectSettings | null>(null);
  settingsError = $state<string | null>(null);
  savingSettings = $state(false);

  /** The model photo whose releases are loaded. */
  photoId = $state<number | null>(null);
  releases = $state.raw<ModelRelease[]>([]);
  check = $state.raw<ReleaseCheck | null>(null);
  busy = $state(false);
  error = $state<string | null>(null);

  /** The erasure being confirmed. */
  plan = $state.raw<ErasurePlanInfo | null>(null);
  planning = $state(false);
  erasing = $state(false);
  eraseError = $state<string | null>(null);

  readonly #api: RightsApi;
  #generation = 0;

  constructor(api: RightsApi) {
    this.#api = api;
  }

  get policy(): ReleasePolicy | null {
    return this.settings?.releasePolicy ?? null;
  }

  async loadSettings(): Promise<void> {
    try {
      this.settings = await this.#api.call('project:settings', {});
      this.settingsError = null;
    } catch (err) {
      this.settingsError = readableError(err, 'load the project settings');
    }
  }

  async saveSettings(policy: Partial<ReleasePolicy>): Promise<boolean> {
    this.savingSettings = true;
    try {
      this.settings = await this.#api.call('project:updateSettings', { releasePolicy: policy });
      this.settingsError = null;
      return true;
    } catch (err) {
      this.settingsError = readableError(err, 'save the project settings');
      return false;
    } finally {
      this.savingSettings = false;
    }
  }

  /** Loads a model photo's releases and its check; answers for an older photo are dropped. */
  async load(photoId: number): Promise<void> {
    const generation = ++this.#generation;
    if (this.photoId !== photoId) {
      this.releases = [];
      this.check = null;
      this.error = null;
    }
    this.photoId = photoId;
    try {
      const res = await this.#api.call('releases:list', { modelPhotoId: photoId });
      if (generation !== this.#generation) return;
      this.releases = res.releases;
      this.check = res.check;
      this.error = null;
    } catch (err) {
      if (generation === this.#generation) this.error = readableError(err, 'load the releases');
    }
  }

  /** Records a release (with the scan of the signed form, if given) for the loaded photo. */
  async add(form: ReleaseForm, scan: File | null): Promise<ModelRelease | null> {
    const photoId = this.photoId;
    if (photoId === null) return null;
    const channels = splitList(form.channels);
    const regions = splitList(form.regions);
    if (!form.subject.trim()) return this.#fail('Enter the model\'s name or agency id as on the form.');
    if (!form.consentDate) return this.#fail('Enter the date consent was given.');
    if (!channels.length) return this.#fail('Name at least one channel (or * for all).');
    if (!regions.length) return this.#fail('Name at least one region (or * for all).');
    this.busy = true;
    this.error = null;
    try {
      let scanField: { scan: string } | { scanBase64: string } | Record<string, never> = {};
      // Serve mode uploads images only; a PDF travels as base64 in the call itself.
      if (scan) scanField = this.#api.mode === 'serve' && isPdf(scan) ? { scanBase64: await base64Of(scan) } : { scan: (await this.#api.fileRefs([scan]))[0]!.id };
      const release = await this.#api.call('releases:add', {
        modelPhotoId: photoId, subject: form.subject.trim(), consentDate: form.consentDate, channels, regions, ...scanField,
        ...(form.expiresOn ? { expiresOn: form.expiresOn } : {}),
        ...(form.notes.trim() ? { notes: form.notes.trim() } : {}),
      });
      await this.load(photoId);
      return release;
    } catch (err) {
      this.error = readableError(err, 'record the release');
      return null;
    } finally {
      this.busy = false;
    }
  }

  async revoke(id: number): Promise<boolean> {
    this.busy = true;
    try {
      await this.#api.call('releases:revoke', { id });
      if (this.photoId !== null) await this.load(this.photoId);
      return true;
    } catch (err) {
      this.error = readableError(err, 'revoke the release');
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** Asks what erasing these photos would delete (shown in the confirmation dialog). */
  async planErase(modelPhotoIds: number[]): Promise<ErasurePlanInfo | null> {
    this.planning = true;
    this.plan = null;
    this.eraseError = null;
    try {
      this.plan = await this.#api.call('models:erasePlan', { modelPhotoIds });
      return this.plan;
    } catch (err) {
      this.eraseError = readableError(err, 'list what would be erased');
      return null;
    } finally {
      this.planning = false;
    }
  }

  /**
   * Erases what the confirmed plan lists; a project that changed since is refused, and the plan is asked for again.
   * `alsoDerivedCheckpoints`: also delete the checkpoints trained on these photos (otherwise they are kept).
   */
  async erase(deleteExportedFiles = false, alsoDerivedCheckpoints = false): Promise<ErasureDone | null> {
    const plan = this.plan;
    if (!plan) return null;
    this.erasing = true;
    this.eraseError = null;
    try {
      const done = await this.#api.call('models:erase', {
        modelPhotoIds: plan.modelPhotoIds, confirm: plan.digest, deleteExportedFiles, ...(alsoDerivedCheckpoints && { alsoDerivedCheckpoints }),
      });
      this.plan = null;
      if (this.photoId !== null && plan.modelPhotoIds.includes(this.photoId)) {
        this.photoId = null;
        this.releases = [];
        this.check = null;
      }
      return done;
    } catch (err) {
      this.eraseError = readableError(err, 'erase');
      if ((err as { kind?: string }).kind === 'conflict') {
        const again = await this.#api.call('models:erasePlan', { modelPhotoIds: plan.modelPhotoIds }).catch(() => null);
        if (again) this.plan = again;
      }
      return null;
    } finally {
      this.erasing = false;
    }
  }

  cancelErase(): void {
    this.plan = null;
    this.eraseError = null;
  }

  #fail(message: string): null {
    this.error = message;
    return null;
  }
}
