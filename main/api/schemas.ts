// Runtime schemas for every request payload, one per channel. TypeScript types do not survive the
// trip across a process boundary, so each payload is parsed here before any handler sees it. The
// enums and field rules come from the store's own schemas, so both layers agree on what is valid.
import { z } from 'zod';
import type { Channel } from '../../preload/contract.ts';
import {
  ARCHITECTURES, CATEGORIES, CHECKPOINT_KINDS, DENSEPOSE_FORMATS, MASK_ORIGINS, PHOTO_TYPES, REVIEW_STATUSES, Sha256, Tag, VIEWS,
} from '../store/schemas.ts';
import { JOB_STATUSES } from '../queue/job-status.ts';

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
  garmentIds: z.array(Id).min(1).max(100_000),
  modelPhotoIds: z.array(Id).min(1).max(10_000),
  seeds: z.array(z.number().int().min(0).max(2 ** 32 - 1)).min(1).max(10_000),
  settings: z.array(CellSettingsInput).min(1).max(100).optional(),
  priority: z.number().int().min(-1000).max(1000).optional(),
  garmentPhotoType: z.enum(['flat-lay', 'on-model', 'any']).optional(),
});

const Limit = (max: number) => z.number().int().min(1).max(max).optional();

export const requestSchemas = {
  'app:info': noOptions,
  'engine:info': noOptions,
  'engine:status': noOptions,

  'dialog:openFiles': z.strictObject({
    purpose: z.enum(['images', 'checkpoint', 'folder', 'project']),
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

  'garments:list': z.strictObject({
    text: z.string().max(200).optional(),
    category: z.enum(CATEGORIES).optional(),
    collectionId: Id.optional(),
    tag: Tag.optional(),
    beforeId: Id.optional(),
    limit: Limit(500),
  }),
  'garments:get': byId,
  'garments:import': z.strictObject({ items: z.array(NewGarmentInput).min(1).max(500) }),
  'garments:update': z.strictObject({
    id: Id,
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
  'checkpoints:setDefault': byId,

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

  'results:list': z
    .strictObject({
      text: z.string().max(200).optional(),
      category: z.enum(CATEGORIES).optional(),
      reviewStatus: z.enum(REVIEW_STATUSES).optional(),
      batchId: Id.optional(),
      garmentId: Id.optional(),
      modelPhotoId: Id.optional(),
      commercialUse: z.boolean().optional(),
      beforeId: Id.optional(),
      limit: Limit(500),
    })
    .default({}),
  'results:get': byId,

  'blobs:url': z.strictObject({ hash: Sha256 }),
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
