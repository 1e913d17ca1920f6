// Model releases: the signed consent of the person in a model photo, and the checks that keep every use of
// that photo inside it (product requirement: model photos are used only within their release).
//
// checkRelease answers "may this photo be used on this date, in this channel (and region)?" with
//   ok     - a release covers it;
//   warn   - usable, but someone should look: no release on file (projects made before releases were
//            recorded), no scan of the signed form, or the release ends fewer than `warnWithinDays` days after the use;
//   refuse - outside every release: expired, not yet valid, revoked, or the channel/region not granted.
// `strict: true` turns "we do not know" into refuse (no release, no scan): for exports to clients who require
// documented releases. A known problem is always a refusal, strict or not.
//
// Scopes are lists of channel and region names; '*' grants all. Channels are compared lowercased, regions
// uppercased (ISO codes such as 'EU', 'US'). Dates are calendar dates 'YYYY-MM-DD', inclusive at both ends.
// Not wired into Project yet (project.ts belongs to the store's owner): `new ReleaseRepo(project.ctx)`.
import type { ModelRelease, ReleaseIssue, ReleaseIssueCode, ReleaseStatus } from '../../preload/contract.ts';
import { open } from 'node:fs/promises';
import { z } from 'zod';
import type { StoredBlob } from './blob-store.ts';
import type { StoreContext } from './context.ts';
import { argumentError, notFound } from './errors.ts';
import { inspectImage, sniffImageFormat } from './image-check.ts';
import { Id, ImageFile } from './schemas.ts';
import { parseArgs } from './validate.ts';

// Statuses and issues are the API's own (preload/contract/rights.ts).
export type { ReleaseIssue, ReleaseIssueCode, ReleaseStatus } from '../../preload/contract.ts';

/** A release as stored; the API's ModelRelease adds its state on a given day. */
export type Release = Omit<ModelRelease, 'state'>;

export interface ReleaseCheck {
  status: ReleaseStatus;
  /** The release that covers the use (the longest-running one when several do), or null. */
  release: Release | null;
  issues: ReleaseIssue[];
}

export interface ManifestEntry {
  resultId: number;
  fileName: string | null;
  modelPhotoId: number;
  status: ReleaseStatus;
  release: Release | null;
  issues: ReleaseIssue[];
}

export interface ReleaseManifest {
  /** What was checked: the date, channel and region, and whether strict. */
  checkedFor: { date: string; channel: string; region: string | null; strict: boolean };
  entries: ManifestEntry[];
  counts: Record<ReleaseStatus, number>;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
function isCalendarDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}
const IsoDate = z.string().refine(isCalendarDate, { error: 'expected a calendar date as YYYY-MM-DD' });
const DateInput = z.union([IsoDate, z.date()], { error: 'expected a calendar date as YYYY-MM-DD or a Date' });
const Channel = z.string().trim().toLowerCase().min(1).max(40);
const Region = z.string().trim().toUpperCase().min(1).max(40);

export const NewRelease = z
  .object({
    modelPhotoId: Id,
    subject: z.string().trim().min(1).max(200),
    consentDate: IsoDate,
    expiresOn: IsoDate.optional(),
    channels: z.array(Channel).min(1).max(50),
    regions: z.array(Region).min(1).max(50),
    /** The scan of the signed form: a PDF or an image, as a path or bytes. */
    scan: ImageFile.optional(),
    notes: z.string().trim().max(2000).optional(),
  })
  .strict()
  .refine((v) => v.expiresOn === undefined || v.expiresOn >= v.consentDate, { error: 'expected expiresOn on or after consentDate', path: ['expiresOn'] });

export const CheckReleaseOptions = z
  .object({
    /** The day of use; default today (local calendar). */
    date: DateInput.optional(),
    channel: Channel,
    region: Region.optional(),
    strict: z.boolean().prefault(false),
    /** A release ending fewer than this many days after the use gives a warning (0: never). Default 30. */
    warnWithinDays: z.number().int().min(0).max(3650).prefault(30),
  })
  .strict();

const RevokeRelease = z.object({ id: Id, on: DateInput.optional() }).strict();
const ManifestItems = z.array(z.object({ resultId: Id, fileName: z.string().min(1).max(200).optional() }).strict()).max(100_000);

/** 'YYYY-MM-DD' of a Date in local time (the user's calendar day), or the string as given. */
function dayOf(d: string | Date | undefined): string {
  const v = d ?? new Date();
  if (typeof v === 'string') return v;
  return `${v.getFullYear()}-${String(v.getMonth() + 1).padStart(2, '0')}-${String(v.getDate()).padStart(2, '0')}`;
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

interface Row {
  id: number; model_photo_id: number; subject: string; consent_date: string; expires_on: string | null; channels: string; regions: string;
  scan_blob_hash: string | null; scan_media_type: string | null; notes: string | null; revoked_on: string | null; created_at: number;
}

const toRelease = (r: Row): Release => ({
  id: r.id, modelPhotoId: r.model_photo_id, subject: r.subject, consentDate: r.consent_date, expiresOn: r.expires_on,
  channels: JSON.parse(r.channels) as string[], regions: JSON.parse(r.regions) as string[],
  scanSha256: r.scan_blob_hash, scanMediaType: r.scan_media_type, notes: r.notes, revokedOn: r.revoked_on, createdAt: r.created_at,
});

/** What is wrong with one release for this use; empty when it covers it. */
function problemsOf(r: Release, day: string, channel: string, region: string | null): ReleaseIssue[] {
  const out: ReleaseIssue[] = [];
  const add = (code: ReleaseIssueCode, message: string) => out.push({ code, severity: 'refuse', releaseId: r.id, message: `release ${r.id} (${r.subject}): ${message}` });
  if (r.revokedOn !== null && r.revokedOn <= day) add('revoked', `consent withdrawn on ${r.revokedOn}`);
  if (day < r.consentDate) add('not-yet-valid', `valid from ${r.consentDate}, the use is on ${day}`);
  if (r.expiresOn !== null && day > r.expiresOn) add('expired', `expired on ${r.expiresOn}, the use is on ${day}`);
  if (!r.channels.includes('*') && !r.channels.includes(channel)) add('channel-not-covered', `covers ${r.channels.join(', ')}, not ${channel}`);
  if (region !== null && !r.regions.includes('*') && !r.regions.includes(region)) add('region-not-covered', `covers ${r.regions.join(', ')}, not ${region}`);
  return out;
}

/** The verdict for a photo's releases (pure: easy to reason about, and the manifest reuses it). */
export function evaluateReleases(releases: Release[], o: { day: string; channel: string; region: string | null; strict: boolean; warnWithinDays: number }): ReleaseCheck {
  const unknown = o.strict ? 'refuse' : 'warn';
  if (releases.length === 0) {
    return { status: unknown, release: null, issues: [{ code: 'no-release', severity: unknown, releaseId: null, message: 'no release is on file for this model photo' }] };
  }
  const covering = releases.filter((r) => problemsOf(r, o.day, o.channel, o.region).length === 0);
  if (covering.length === 0) {
    return { status: 'refuse', release: null, issues: releases.flatMap((r) => problemsOf(r, o.day, o.channel, o.region)) };
  }
  // Several may cover (a renewal beside the original): report the one that runs longest, then the newest.
  const best = [...covering].sort((a, b) => (b.expiresOn ?? '9999-99-99').localeCompare(a.expiresOn ?? '9999-99-99') || b.id - a.id)[0]!;
  const issues: ReleaseIssue[] = [];
  const tag = `release ${best.id} (${best.subject})`;
  if (best.scanSha256 === null) issues.push({ code: 'no-scan', severity: unknown, releaseId: best.id, message: `${tag}: no scan of the signed form is stored` });
  if (best.expiresOn !== null) {
    const left = daysBetween(o.day, best.expiresOn);
    if (left < o.warnWithinDays) issues.push({ code: 'expires-soon', severity: 'warn', releaseId: best.id, message: `${tag}: ends on ${best.expiresOn}, ${left} day(s) after the use` });
  }
  const status: ReleaseStatus = issues.some((i) => i.severity === 'refuse') ? 'refuse' : issues.length ? 'warn' : 'ok';
  return { status, release: best, issues };
}

const PDF_MAGIC = '%PDF-';

async function readHead(file: string): Promise<Uint8Array> {
  const fh = await open(file, 'r');
  try {
    const head = new Uint8Array(16);
    const { bytesRead } = await fh.read(head, 0, 16, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function prepare(ctx: StoreContext) {
  const db = ctx.db;
  return {
    photoExists: db.prepare(/* sql */ `SELECT 1 FROM model_photos WHERE id = ?`).pluck(),
    insert: db.prepare(/* sql */ `
      INSERT INTO model_releases (model_photo_id, subject, consent_date, expires_on, channels, regions, scan_blob_hash, notes, created_at)
      VALUES (@modelPhotoId, @subject, @consentDate, @expiresOn, @channels, @regions, @scan, @notes, @now) RETURNING id`).pluck(),
    get: db.prepare(/* sql */ `
      SELECT r.*, b.media_type AS scan_media_type FROM model_releases r LEFT JOIN blobs b ON b.hash = r.scan_blob_hash WHERE r.id = ?`),
    ofPhoto: db.prepare(/* sql */ `
      SELECT r.*, b.media_type AS scan_media_type FROM model_releases r LEFT JOIN blobs b ON b.hash = r.scan_blob_hash
      WHERE r.model_photo_id = ? ORDER BY r.id`),
    revoke: db.prepare(/* sql */ `UPDATE model_releases SET revoked_on = ? WHERE id = ? AND revoked_on IS NULL`),
    resultPhoto: db.prepare(/* sql */ `SELECT model_photo_id FROM results WHERE id = ?`).pluck(),
    exportItems: db.prepare(/* sql */ `SELECT result_id, file_name FROM export_items WHERE export_id = ? ORDER BY file_name`),
    exportExists: db.prepare(/* sql */ `SELECT 1 FROM exports WHERE id = ?`).pluck(),
  };
}

export class ReleaseRepo {
  readonly #s: ReturnType<typeof prepare>;

  constructor(private readonly ctx: StoreContext) {
    this.#s = prepare(ctx);
  }

  /** Records a release for a model photo, with the scan of the signed form stored as a blob when given. */
  async add(input: z.input<typeof NewRelease>): Promise<Release> {
    const fn = 'addRelease';
    const v = parseArgs(fn, NewRelease, input);
    this.#requirePhoto(fn, v.modelPhotoId);
    const row = {
      modelPhotoId: v.modelPhotoId, subject: v.subject, consentDate: v.consentDate, expiresOn: v.expiresOn ?? null,
      channels: JSON.stringify([...new Set(v.channels)]), regions: JSON.stringify([...new Set(v.regions)]), notes: v.notes ?? null,
    };
    if (v.scan === undefined) {
      const id = this.ctx.db.transaction(() => {
        this.#requirePhoto(fn, v.modelPhotoId);
        return this.#s.insert.get({ ...row, scan: null, now: Date.now() }) as number;
      }).immediate();
      return this.get(id)!;
    }
    const { mediaType, width, height } = await this.#inspectScan(fn, v.scan);
    const blob: StoredBlob = typeof v.scan === 'string' ? await this.ctx.files.putFile(v.scan) : await this.ctx.files.putBytes(v.scan);
    const id = this.ctx.blobRows.commitOrDiscard(blob, () =>
      this.ctx.db.transaction(() => {
        this.#requirePhoto(fn, v.modelPhotoId);
        this.ctx.blobRows.register(blob, { mediaType, width, height });
        return this.#s.insert.get({ ...row, scan: blob.hash, now: Date.now() }) as number;
      }).immediate(),
    );
    return this.get(id)!;
  }

  get(id: number): Release | undefined {
    const row = this.#s.get.get(id) as Row | undefined;
    return row && toRelease(row);
  }

  /** Every release of a model photo, oldest first. */
  list(modelPhotoId: number): Release[] {
    return (this.#s.ofPhoto.all(modelPhotoId) as Row[]).map(toRelease);
  }

  /** Records withdrawn consent from `on` (default today). Revoking twice is refused; use is refused from that day. */
  revoke(input: z.input<typeof RevokeRelease>): Release {
    const fn = 'revokeRelease';
    const v = parseArgs(fn, RevokeRelease, input);
    const changed = this.ctx.db.transaction(() => {
      const r = this.get(v.id);
      if (!r) throw notFound(fn, 'id', v.id, 'release');
      if (r.revokedOn !== null) throw argumentError(fn, 'id', v.id, `a release that is not revoked yet (it was revoked on ${r.revokedOn})`, 'conflict');
      return this.#s.revoke.run(dayOf(v.on), v.id).changes;
    }).immediate();
    if (changed !== 1) throw argumentError(fn, 'id', v.id, 'a release that is not revoked yet', 'conflict');
    return this.get(v.id)!;
  }

  /** ok / warn / refuse for using a model photo on a day, in a channel (and region). See the top of this file. */
  checkRelease(modelPhotoId: number, options: z.input<typeof CheckReleaseOptions>): ReleaseCheck {
    const fn = 'checkRelease';
    const id = parseArgs(fn, Id, modelPhotoId);
    const o = parseArgs(fn, CheckReleaseOptions, options);
    this.#requirePhoto(fn, id);
    return evaluateReleases(this.list(id), { day: dayOf(o.date), channel: o.channel, region: o.region ?? null, strict: o.strict, warnWithinDays: o.warnWithinDays });
  }

  /**
   * For an export: which release covers each image (result), checked for the export's date, channel and
   * region. The export screen shows it and writes it beside the files; refused entries should not be sent.
   */
  exportManifest(items: z.input<typeof ManifestItems>, options: z.input<typeof CheckReleaseOptions>): ReleaseManifest {
    const fn = 'releaseManifest';
    const list = parseArgs(fn, ManifestItems, items);
    const o = parseArgs(fn, CheckReleaseOptions, options);
    const day = dayOf(o.date);
    const perPhoto = new Map<number, ReleaseCheck>();
    const entries = list.map((item, i): ManifestEntry => {
      const photoId = this.#s.resultPhoto.get(item.resultId) as number | undefined;
      if (photoId === undefined) throw notFound(fn, `items[${i}].resultId`, item.resultId, 'result');
      let check = perPhoto.get(photoId);
      if (!check) {
        check = evaluateReleases(this.list(photoId), { day, channel: o.channel, region: o.region ?? null, strict: o.strict, warnWithinDays: o.warnWithinDays });
        perPhoto.set(photoId, check);
      }
      return { resultId: item.resultId, fileName: item.fileName ?? null, modelPhotoId: photoId, status: check.status, release: check.release, issues: check.issues };
    });
    const counts: Record<ReleaseStatus, number> = { ok: 0, warn: 0, refuse: 0 };
    for (const e of entries) counts[e.status]++;
    return { checkedFor: { date: day, channel: o.channel, region: o.region ?? null, strict: o.strict }, entries, counts };
  }

  /** exportManifest for the items of a recorded export (store/exports.ts), with their file names. */
  exportManifestFor(exportId: number, options: z.input<typeof CheckReleaseOptions>): ReleaseManifest {
    const fn = 'releaseManifest';
    const id = parseArgs(fn, Id, exportId);
    if (this.#s.exportExists.get(id) === undefined) throw notFound(fn, 'exportId', exportId, 'export');
    const items = (this.#s.exportItems.all(id) as { result_id: number; file_name: string }[]).map((r) => ({ resultId: r.result_id, fileName: r.file_name }));
    return this.exportManifest(items, options);
  }

  #requirePhoto(fn: string, id: number): void {
    if (this.#s.photoExists.get(id) === undefined) throw notFound(fn, 'modelPhotoId', id, 'model photo');
  }

  /** A scan is a PDF (checked by its magic bytes) or an image (checked like every image the store takes). */
  async #inspectScan(fn: string, scan: string | Uint8Array): Promise<{ mediaType: string; width: number | null; height: number | null }> {
    let head: Uint8Array;
    try {
      head = typeof scan === 'string' ? await readHead(scan) : scan.subarray(0, 16);
    } catch (err) {
      throw argumentError(fn, 'scan', scan, `a readable PDF or image file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'not_found', { cause: err });
    }
    if (Buffer.from(head).toString('latin1').startsWith(PDF_MAGIC)) return { mediaType: 'application/pdf', width: null, height: null };
    if (!sniffImageFormat(head)) throw argumentError(fn, 'scan', scan, 'a PDF or a PNG, JPEG, WebP or TIFF image of the signed release');
    const info = await inspectImage(scan, { fn, argument: 'scan', maxPixels: this.ctx.maxPixels });
    return { mediaType: info.mediaType, width: info.width, height: info.height };
  }
}

