// Runtime schemas for every request payload, one per channel. TypeScript types do not survive the
// trip across a process boundary, so each payload is parsed here before any handler sees it. The
// enums and field rules come from the store's own schemas, so both layers agree on what is valid.
import { z } from 'zod';
import type { Channel } from '../../preload/contract.ts';
import {
  ARCHITECTURES, CATEGORIES, CHECKPOINT_KINDS, DENSEPOSE_FORMATS, MASK_ORIGINS, PHOTO_TYPES, REVIEW_STATUSES, Sha256, Tag, VIEWS,
} from '../store/schemas.ts';
import { JOB_STATUSES } from '../queue/job-status.ts';
import { GarmentFilter, ResultFilter } from '../store/search.ts';
import { ExportPresetSpec } from '../export/preset.ts';
import { describeValue } from '../store/errors.ts';

/** Calls without options still send one (empty) options object; a missing payload means {}. */
const noOptions = z.strictObject({}).default({});

const Id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const byId = z.strictObject({ id: Id });
const text = (max: number) => z.string().trim().min(1).max(max);

/** A FileRef id handed out by `dialog:openFiles`, `files:dropped` or `POST /upload`. */
export const FileRefId = z.string().regex(/^f_[A-Za-z0-9_-]{16,64}$/, { error: 'expected a file reference id ("f_…") from the open dialog or an upload' });

/** An absolute path; only where the host checks it against its own list (recent projects, dropped files). */
const AbsPath = z.string().min(1).max(4096).refine((p) => !p.includes('\0') && (p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\')), {
  error: 'expected an absolute path',
});

/** 16 MB of PNG, as base64 (4 chars per 3 bytes). */
export const MAX_MASK_BYTES = 16 * 1024 * 1024;
const Base64 = z
  .string()
  .min(1)
  .max(Math.ceil(MAX_MASK_BYTES / 3) * 4, { error: `expected at most ${MAX_MASK_BYTES} bytes of image` })
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, { error: 'expected base64 (A-Z, a-z, 0-9, +, /, = padding)' });

const GarmentPhotoInput = z.strictObject({ file: FileRefId, view: z.enum(VIEWS).optional(), type: z.enum(PHOTO_TYPES) });

const NewGarmentInput = z.strictObject({
  sku: z.string().trim().min(1).max(64),
  name: text(200),
  category: z.enum(CATEGORIES),
  colourway: z.string().trim().max(100).optional(),
  season: z.string().trim().max(40).optional(),
  tags: z.array(Tag).max(50).optional(),
  collectionId: Id.optional(),
  photos: z.array(GarmentPhotoInput).min(1, { error: 'expected at least one photo per garment' }).max(50),
});

const CellSettingsInput = z.strictObject({
  steps: z.number().int().min(1).max(1000).optional(),
  guidanceScale: z.number().min(0).max(50).optional(),
  refAcceleration: z.boolean().optional(),
  repaint: z.boolean().optional(),
});

export const BatchSpecInput = z.strictObject({
  name: text(200).optional(),
  checkpointId: Id.optional(),
  task: z.enum(['try-on-HD', 'try-on-DC', 'pose']).optional(),
  garmentIds: z.array(Id).min(1).max(100_000),
  modelPhotoIds: z.array(Id).min(1).max(10_000),
  seeds: z.array(z.number().int().min(0).max(2 ** 32 - 1)).min(1).max(10_000),
  settings: z.array(CellSettingsInput).min(1).max(100).optional(),
  priority: z.number().int().min(-1000).max(1000).optional(),
  garmentPhotoType: z.enum(['flat-lay', 'on-model', 'any']).optional(),
});

const Limit = (max: number) => z.number().int().min(1).max(max).optional();

/** The most characters a reviewer's name may have (once trimmed). */
export const MAX_REVIEWER_NAME = 64;
const REVIEWER_EXPECTED = `expected a reviewer name: 1 to ${MAX_REVIEWER_NAME} characters once trimmed, without control characters`;
const reviewerError = (iss: { input?: unknown }) => `is ${describeValue(iss.input)}; ${REVIEWER_EXPECTED}`;
/** Who reviews (review:add, review:pick): serve mode sends each browser's name; recorded trimmed. */
export const ReviewerName = z
  .string({ error: reviewerError })
  .refine((s) => {
    const t = s.trim();
    return t.length >= 1 && t.length <= MAX_REVIEWER_NAME && !/\p{Cc}/u.test(t);
  }, { error: reviewerError })
  .transform((s) => s.trim());

/** A calendar date as 'YYYY-MM-DD' (releases). */
const CalendarDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected a calendar date as YYYY-MM-DD' }).refine((d) => {
  const t = new Date(`${d}T00:00:00Z`);
  return !Number.isNaN(t.getTime()) && t.toISOString().startsWith(d);
}, { error: 'expected a calendar date as YYYY-MM-DD' });
/** A release's channel or region name ('*' = all). */
const ReleaseScope = z.string().trim().min(1).max(40).regex(/^(\*|[\p{L}\p{N}][\p{L}\p{N} _.-]*)$/u, { error: "expected a channel or region name (letters, digits, space _ . -) or '*'" });

/** exports:preview and exports:run (run also takes the export's name and a progress id). */
function exportRequest(run: boolean) {
  const base = {
    selection: z.union([
      z.strictObject({ resultIds: z.array(Id).min(1).max(100_000) }),
      z.strictObject({ filter: z.strictObject({ reviewStatus: z.enum([...REVIEW_STATUSES, 'any']).optional(), batchId: Id.optional() }) }),
    ]),
    presetId: Id.optional(),
    preset: ExportPresetSpec.optional(),
    target: z.union([
      z.strictObject({ folder: FileRefId }),
      z.strictObject({ projectFolder: z.string().min(1).max(100) }),
      z.strictObject({ zip: z.string().min(1).max(100) }),
    ]),
    onConflict: z.enum(['suffix', 'refuse']).optional(),
    allowReleaseRefusals: z.boolean().optional(),
  };
  return run ? z.strictObject({ ...base, name: text(200).optional(), runId: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/).optional() }) : z.strictObject(base);
}

export const requestSchemas = {
  'app:info': noOptions,
  'engine:info': noOptions,
  'engine:status': noOptions,

  'dialog:openFiles': z.strictObject({
    purpose: z.enum(['images', 'checkpoint', 'certificate', 'folder', 'project']),
    multiple: z.boolean().optional(),
    title: z.string().max(200).optional(),
  }),
  'files:dropped': z.strictObject({ paths: z.array(AbsPath).min(1).max(1000) }),

  'project:current': noOptions,
  'project:open': z.union([z.strictObject({ folder: FileRefId }), z.strictObject({ path: AbsPath })], {
    error: 'expected {folder: <folder FileRef id>} or {path: <a recent project path>}',
  }),
  'project:create': z.strictObject({
    name: text(100).regex(/^[^\\/:*?"<>|\0]+$/, { error: 'expected a folder name without \\ / : * ? " < > |' }).refine((n) => n !== '.' && n !== '..', {
      error: 'expected a folder name, not "." or ".."',
    }),
    parent: FileRefId.optional(),
  }),
  'project:close': noOptions,
  'project:recent': noOptions,
  'project:forget': z.strictObject({ path: AbsPath }),
  'project:stats': noOptions,

  'collections:list': noOptions,
  'collections:create': z.strictObject({ name: text(200), season: z.string().trim().max(40).optional() }),

  // The store's filters; the limit's default is the store's.
  'garments:list': z.strictObject({ ...GarmentFilter.shape, limit: Limit(500) }),
  'garments:get': byId,
  'garments:import': z.strictObject({ items: z.array(NewGarmentInput).min(1).max(500) }),
  'garments:update': z.strictObject({
    id: Id,
    sku: z.string().trim().min(1).max(64).optional(),
    category: z.enum(CATEGORIES).optional(),
    name: text(200).optional(),
    colourway: z.string().trim().max(100).optional(),
    season: z.string().trim().max(40).optional(),
    tags: z.array(Tag).max(50).optional(),
    collectionId: Id.nullable().optional(),
  }),
  'garments:bulkUpdate': z.strictObject({
    ids: z.array(Id).min(1).max(10_000),
    set: z
      .strictObject({
        season: z.string().trim().max(40).optional(),
        collectionId: Id.nullable().optional(),
        addTags: z.array(Tag).max(50).optional(),
        removeTags: z.array(Tag).max(50).optional(),
        category: z.enum(CATEGORIES).optional(),
        colourway: z.string().trim().max(100).optional(),
      })
      .refine((s) => Object.values(s).some((v) => v !== undefined), { error: 'expected at least one field to set' }),
  }),
  'garments:photos': z.strictObject({ garmentId: Id, add: z.array(GarmentPhotoInput).min(1).max(50).optional() }),

  'models:list': noOptions,
  'models:get': byId,
  'models:import': z.strictObject({
    items: z.array(z.strictObject({ file: FileRefId, name: text(200).optional(), notes: z.string().trim().max(2000).optional() })).min(1).max(500),
  }),

  'masks:list': z.strictObject({ modelPhotoId: Id }),
  'masks:versions': z.strictObject({ modelPhotoId: Id, category: z.enum(CATEGORIES) }),
  'masks:save': z.union(
    [
      z.strictObject({ modelPhotoId: Id, category: z.enum(CATEGORIES), origin: z.enum(MASK_ORIGINS).optional(), file: FileRefId }),
      z.strictObject({ modelPhotoId: Id, category: z.enum(CATEGORIES), origin: z.enum(MASK_ORIGINS).optional(), pngBase64: Base64 }),
    ],
    { error: 'expected {modelPhotoId, category, origin?} with either file (a FileRef id) or pngBase64' },
  ),

  'densepose:import': z.strictObject({
    modelPhotoId: Id,
    file: FileRefId,
    format: z.enum(DENSEPOSE_FORMATS),
    approximated: z.boolean().optional(),
    generator: z.string().trim().max(200).optional(),
  }),
  'densepose:list': z.strictObject({ modelPhotoId: Id }),
  'masks:auto': z.strictObject({
    modelPhotoId: Id,
    categories: z.array(z.enum(CATEGORIES)).min(1).max(3).optional(),
    protectHands: z.boolean().optional(),
    protectFace: z.boolean().optional(),
  }),
  'densepose:generate': z.strictObject({ modelPhotoId: Id, format: z.enum(DENSEPOSE_FORMATS) }),
  'garments:cleanPreview': z.strictObject({ garmentPhotoId: Id }),

  'checkpoints:list': noOptions,
  'checkpoints:get': byId,
  'checkpoints:import': z.strictObject({
    file: FileRefId,
    base: FileRefId.optional(),
    name: text(200),
    kind: z.enum(CHECKPOINT_KINDS),
    architecture: z.enum(ARCHITECTURES),
    licence: text(200),
    commercialUse: z.boolean(),
    source: z.string().trim().max(2000).optional(),
    parentId: Id.optional(),
    expectedSha256: Sha256.optional(),
  }),
  'checkpoints:setDefault': z.strictObject({ id: Id, task: z.enum(['try-on-HD', 'try-on-DC', 'pose']).optional() }),
  'checkpoints:acceptLicence': z.strictObject({ id: Id, by: text(200).optional() }),

  'hub:catalogue': noOptions,
  'hub:download': z.strictObject({ modelId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, { error: 'expected a catalogue model id such as "try-on-hd"' }) }),
  'hub:cancel': z.strictObject({ modelId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, { error: 'expected a catalogue model id such as "try-on-hd"' }) }),
  'hub:register': z.strictObject({ modelId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, { error: 'expected a catalogue model id such as "try-on-hd"' }) }),

  'batches:preview': BatchSpecInput,
  'batches:enqueue': BatchSpecInput,
  'batches:list': z.strictObject({ limit: Limit(1000) }).default({}),

  'queue:state': noOptions,
  'queue:pause': noOptions,
  'queue:resume': noOptions,
  'queue:cancel': z.union([z.strictObject({ jobId: Id }), z.strictObject({ batchId: Id }), z.strictObject({ all: z.literal(true) })], {
    error: 'expected {jobId}, {batchId} or {all: true}',
  }),
  'queue:retry': z.strictObject({ batchId: Id.optional() }).default({}),
  'queue:cells': z
    .strictObject({ batchId: Id.optional(), status: z.enum(JOB_STATUSES).optional(), afterId: z.number().int().min(0).optional(), limit: Limit(1000) })
    .default({}),
  'queue:workers': noOptions,
  'queue:settings': noOptions,
  // The Redis URL's own rules (no password in it, redis:// or rediss://) are checked by main/team/queue-settings.ts.
  'queue:saveSettings': z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('local') }),
    z.strictObject({
      kind: z.literal('team'),
      redisUrl: z.string().trim().min(1).max(2000),
      queueName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, { error: 'expected letters, digits, . _ - (at most 100)' }).optional(),
      passwordFile: AbsPath.optional(),
      coordinatorPort: z.number().int().min(0).max(65535).optional(),
    }),
  ], { error: 'expected {kind: "local"} or {kind: "team", redisUrl, queueName?, passwordFile?, coordinatorPort?}' }),
  'queue:testConnection': z.strictObject({ redisUrl: z.string().trim().min(1).max(2000), passwordFile: AbsPath.optional() }),
  'queue:workerTokens': noOptions,
  'queue:issueWorkerToken': z.strictObject({ name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { error: 'expected a worker name: letters, digits, . _ - (at most 64)' }) }),
  'queue:revokeWorkerToken': z.strictObject({ name: z.string().min(1).max(64) }),

  'results:list': z.strictObject({ ...ResultFilter.shape, limit: Limit(500) }).default({}),
  'results:get': byId,
  'review:list': z
    .strictObject({
      reviewStatus: z.enum(REVIEW_STATUSES).optional(),
      tag: z.string().trim().min(1).max(40).optional(),
      qa: z.enum(['warn', 'pass', 'none', 'garmentColour', 'outsideChange', 'oldGarmentLeak']).optional(),
      checkpointId: Id.optional(),
      garmentId: Id.optional(),
      modelPhotoId: Id.optional(),
      batchId: Id.optional(),
      pickedOnly: z.boolean().optional(),
      sort: z.enum(['newest', 'oldest', 'qa', 'colour', 'outside', 'leak', 'garment', 'model']).optional(),
      offset: z.number().int().min(0).max(10_000_000).optional(),
      limit: Limit(500),
    })
    .default({}),
  'review:get': byId,
  'review:add': z.strictObject({
    resultId: Id,
    status: z.enum(REVIEW_STATUSES),
    defectTags: z.array(z.enum(['sleeve-leak', 'hands-changed', 'logo-warped', 'colour-off', 'wrong-length', 'other'])).max(6).optional(),
    notes: z.string().trim().max(5000).optional(),
    reviewer: ReviewerName.optional(),
  }),
  'review:pick': z.strictObject({ resultId: Id, clear: z.boolean().optional(), reviewer: ReviewerName.optional() }),
  'results:rerun': z.strictObject({ id: Id, mode: z.enum(['exact', 'seed']), seed: z.number().int().min(0).max(2 ** 32 - 1).optional() }),

  'blobs:url': z.strictObject({ hash: Sha256 }),

  'explain:layers': z.strictObject({ resultId: Id }),
  'explain:run': z.strictObject({
    resultId: Id,
    layer: z.string().min(1).max(200).optional(),
    step: z.number().int().min(0).max(1000).optional(),
    force: z.boolean().optional(),
  }),
  'explain:get': z.strictObject({ resultId: Id, layer: z.string().min(1).max(200), step: z.number().int().min(0).max(1000) }),
  'explain:inspect': z.strictObject({
    resultId: Id,
    layer: z.string().min(1).max(200),
    step: z.number().int().min(0).max(1000),
    x: z.number().min(0).max(100_000),
    y: z.number().min(0).max(100_000),
  }),

  'exports:presets': noOptions,
  'exports:savePreset': z.strictObject({ id: Id.optional(), name: text(100), spec: ExportPresetSpec }),
  'exports:deletePreset': byId,
  'exports:preview': exportRequest(false),
  'exports:run': exportRequest(true),
  'exports:list': z.strictObject({ limit: Limit(500) }),
  'exports:signing': noOptions,
  'exports:setSigning': z.strictObject({ cert: FileRefId, key: FileRefId, alg: z.enum(['es256', 'ps256']) }),
  'exports:clearSigning': noOptions,


  'training:sets': noOptions,
  'training:createSet': z.strictObject({
    name: text(200),
    pairs: z.array(z.strictObject({ modelPhotoId: Id, garmentId: Id, garmentPhotoId: Id.optional(), category: z.enum(CATEGORIES).optional() })).min(2).max(100_000),
    holdoutFraction: z.number().gt(0).lt(1).optional(),
    seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
  }),
  'training:setDetail': byId,
  'training:start': z.strictObject({
    setId: Id,
    baseCheckpointId: Id,
    mode: z.enum(['full', 'lora']),
    rank: z.number().int().min(1).max(256).optional(),
    steps: z.number().int().min(1).max(1_000_000),
    learningRate: z.number().gt(0).max(1),
    leffaLoss: z.strictObject({ enabled: z.boolean(), weight: z.number().min(0).max(10) }),
    sampleEvery: z.number().int().min(0).max(1_000_000),
    seed: z.number().int().min(0).max(2 ** 32 - 1),
    width: z.number().int().min(16).max(2048).optional(),
    height: z.number().int().min(16).max(2048).optional(),
    sampleSteps: z.number().int().min(1).max(200).optional(),
  }),
  'training:runs': noOptions,
  'training:run': byId,
  'training:stop': byId,
  'training:resume': byId,
  'training:compare': z.strictObject({
    checkpointId: Id,
    garmentIds: z.array(Id).min(1).max(1000),
    modelPhotoIds: z.array(Id).min(1).max(1000),
    seeds: z.array(z.number().int().min(0).max(2 ** 32 - 1)).min(1).max(100),
    settings: z.array(CellSettingsInput).min(1).max(100).optional(),
  }),

  'project:settings': noOptions,
  'project:updateSettings': z.strictObject({
    releasePolicy: z
      .strictObject({
        strict: z.boolean().optional(),
        channel: ReleaseScope.optional(),
        region: ReleaseScope.nullable().optional(),
        warnWithinDays: z.number().int().min(0).max(3650).optional(),
      })
      .optional(),
  }),

  'releases:list': z.strictObject({ modelPhotoId: Id }),
  'releases:add': z
    .strictObject({
      modelPhotoId: Id,
      subject: text(200),
      consentDate: CalendarDate,
      expiresOn: CalendarDate.optional(),
      channels: z.array(ReleaseScope).min(1).max(50),
      regions: z.array(ReleaseScope).min(1).max(50),
      scan: FileRefId.optional(),
      scanBase64: Base64.optional(),
      notes: z.string().trim().max(2000).optional(),
    })
    .refine((r) => r.scan === undefined || r.scanBase64 === undefined, { error: 'expected either scan (a FileRef id) or scanBase64, not both', path: ['scanBase64'] })
    .refine((r) => r.expiresOn === undefined || r.expiresOn >= r.consentDate, { error: 'expected expiresOn on or after consentDate', path: ['expiresOn'] }),
  'releases:revoke': z.strictObject({ id: Id, on: CalendarDate.optional() }),
  'releases:check': z.strictObject({
    modelPhotoId: Id,
    date: CalendarDate.optional(),
    channel: ReleaseScope.optional(),
    region: ReleaseScope.optional(),
    strict: z.boolean().optional(),
  }),

  'models:erasePlan': z.strictObject({ modelPhotoIds: z.array(Id).min(1).max(10_000) }),
  'models:erase': z.strictObject({
    modelPhotoIds: z.array(Id).min(1).max(10_000),
    confirm: z.string().regex(/^[0-9a-f]{64}$/, { error: 'expected the digest of a plan from models:erasePlan (64 hex characters)' }),
    deleteExportedFiles: z.boolean().optional(),
    alsoDerivedCheckpoints: z.boolean().optional(),
  }),
} satisfies Record<Channel, z.ZodType>;

export const CHANNELS = Object.keys(requestSchemas) as Channel[];

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && Object.hasOwn(requestSchemas, value);
}

/** "payload.size: Too small: expected number to be >=1" — one line per issue, naming the path. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${['payload', ...issue.path.map(String)].join('.')}: ${issue.message}`)
    .join('; ');
}
