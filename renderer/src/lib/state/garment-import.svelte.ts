// The import tray: photos picked, dropped or uploaded become staged rows the user can edit one by
// one or in bulk (select rows, set a field for all of them) before anything is written. Import then
// sends every garment in one call, which writes all or nothing.
import type { FileRef, GarmentDetail } from '../../../../preload/contract.ts';
import type { Api } from '../api.ts';
import { readableError } from '../errors.ts';
import { planImport, stageFile, type EditableField, type StagedRow } from '../import-plan.ts';
import { setOf, toggled } from '../immutable.ts';

export type GarmentImportApi = Pick<Api, 'call' | 'fileRefs' | 'openFiles'>;

export class GarmentImportState {
  rows = $state.raw<StagedRow[]>([]);
  /** Row keys ticked for bulk edits. */
  checked = $state.raw<ReadonlySet<string>>(setOf());
  busy = $state(false);
  /** What is happening now ("Uploading 3 of 12…"), for the tray header. */
  activity = $state<string | null>(null);
  error = $state<string | null>(null);

  readonly plan = $derived(planImport(this.rows));

  readonly #api: GarmentImportApi;

  constructor(api: GarmentImportApi) {
    this.#api = api;
  }

  get open(): boolean {
    return this.rows.length > 0;
  }

  /** Files from an <input type=file> or a drop: uploaded (serve) or registered (Electron), then staged. */
  async addFiles(files: readonly File[], makePreview: (file: File) => string | null = () => null): Promise<void> {
    const images = files.filter((f) => /^image\//.test(f.type) || /\.(png|jpe?g|webp|tiff?)$/i.test(f.name));
    const skipped = files.length - images.length;
    if (images.length === 0) {
      this.error = skipped ? 'Those files are not images (PNG, JPEG, WebP or TIFF).' : null;
      return;
    }
    this.busy = true;
    this.error = null;
    this.activity = `Adding ${images.length} photo${images.length === 1 ? '' : 's'}…`;
    try {
      const refs = await this.#api.fileRefs(images);
      this.stage(refs.map((ref, i) => ({ ref, preview: makePreview(images[i]) })));
      if (skipped) this.error = `${skipped} file${skipped === 1 ? ' was' : 's were'} skipped: not an image.`;
    } catch (err) {
      this.error = readableError(err, 'add the photos');
    } finally {
      this.busy = false;
      this.activity = null;
    }
  }

  /** Electron: the native dialog. Returns false in serve mode, where the page uses an <input type=file>. */
  async pick(): Promise<boolean> {
    try {
      const refs = await this.#api.openFiles({ purpose: 'images', multiple: true, title: 'Import garment photos' });
      if (refs === null) return false;
      this.stage(refs.map((ref) => ({ ref, preview: null })));
      return true;
    } catch (err) {
      this.error = readableError(err, 'show the open dialog');
      return true;
    }
  }

  stage(files: readonly { ref: FileRef; preview: string | null }[]): void {
    const have = setOf(this.rows.map((r) => r.key));
    const added = files.filter(({ ref }) => ref.kind === 'file' && !have.has(ref.id)).map(({ ref, preview }) => stageFile(ref, preview));
    this.rows = [...this.rows, ...added];
  }

  set(key: string, field: EditableField, value: string): void {
    this.rows = this.rows.map((r) => (r.key === key ? { ...r, [field]: value } : r));
  }

  /** Sets a field on every ticked row (all rows when none is ticked). */
  setForChecked(field: EditableField, value: string): void {
    const all = this.checked.size === 0;
    this.rows = this.rows.map((r) => (all || this.checked.has(r.key) ? { ...r, [field]: value } : r));
  }

  toggle(key: string): void {
    this.checked = toggled(this.checked, key);
  }

  checkAll(on: boolean): void {
    this.checked = setOf(on ? this.rows.map((r) => r.key) : []);
  }

  remove(key: string): void {
    this.rows = this.rows.filter((r) => r.key !== key);
    if (this.checked.has(key)) this.toggle(key);
  }

  /** Empties the tray; `revoke` frees preview URLs (URL.revokeObjectURL in the page). */
  reset(revoke: (url: string) => void = () => {}): void {
    for (const r of this.rows) if (r.preview) revoke(r.preview);
    this.rows = [];
    this.checked = setOf();
    this.error = null;
  }

  /** Imports every valid garment; returns them, or null when nothing was written. */
  async submit(): Promise<GarmentDetail[] | null> {
    const { items, errors } = this.plan;
    if (errors.size > 0) {
      this.error = `Fix ${errors.size} row${errors.size === 1 ? '' : 's'} first: ${[...errors.values()][0]}.`;
      return null;
    }
    if (items.length === 0) return null;
    this.busy = true;
    this.error = null;
    this.activity = `Importing ${items.length} garment${items.length === 1 ? '' : 's'}…`;
    try {
      const { garments } = await this.#api.call('garments:import', { items });
      return garments;
    } catch (err) {
      this.error = readableError(err, 'import the garments');
      return null;
    } finally {
      this.busy = false;
      this.activity = null;
    }
  }
}
