// The zod schemas every write to the store is checked with (parseArgs in validate.ts turns a failure
// into a message naming the argument, the value and what was expected). The enums mirror the CHECK
// constraints in migrations/, which stay as the database's own last line of defence.
import { z } from 'zod';

export const CATEGORIES = ['upper_body', 'lower_body', 'dresses'] as const;
export const PHOTO_TYPES = ['flat-lay', 'on-model'] as const;
export const VIEWS = ['front', 'back', 'side', 'detail', 'other'] as const;
export const MASK_ORIGINS = ['auto', 'manual', 'imported'] as const;
export const DENSEPOSE_FORMATS = ['HD-parula', 'DC-I-map', 'UVI'] as const;
export const DENSEPOSE_ORIGINS = ['imported', 'generated'] as const;
export const CHECKPOINT_KINDS = ['try-on-HD', 'try-on-DC', 'pose', 'finetune', 'LoRA'] as const;
export const ARCHITECTURES = ['sd15', 'sdxl'] as const;
export const REVIEW_STATUSES = ['pending', 'approved', 'rejected', 'redo'] as const;
/** Defect tags the review screen offers first (product.md C.1 #3); others are allowed too. */
export const COMMON_DEFECTS = ['sleeve-leak', 'lost-hands', 'logo-warped', 'colour-off', 'wrong-length', 'old-garment-leaked'] as const;

export type Category = (typeof CATEGORIES)[number];
export type PhotoType = (typeof PHOTO_TYPES)[number];
export type View = (typeof VIEWS)[number];
export type MaskOrigin = (typeof MASK_ORIGINS)[number];
export type DenseposeFormat = (typeof DENSEPOSE_FORMATS)[number];
export type DenseposeOrigin = (typeof DENSEPOSE_ORIGINS)[number];
export type CheckpointKind = (typeof CHECKPOINT_KINDS)[number];
export type Architecture = (typeof ARCHITECTURES)[number];
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

export const Id = z.number().int().positive();
const name = (max: number) => z.string().trim().min(1).max(max);
const optionalText = (max: number) => z.string().trim().max(max).optional();
/** Tags are compared case-insensitively, so they are stored lowercased. */
export const Tag = z.string().trim().toLowerCase().min(1).max(40).regex(/^[\p{L}\p{N}][\p{L}\p{N} _.-]*$/u, {
  error: 'expected letters, digits, spaces, "_", "." or "-", starting with a letter or digit',
});
/** Encoded bytes of any Uint8Array flavour (Buffer included). */
export const Bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, { error: 'expected a Uint8Array' });
/** An image as a file path or as encoded bytes. */
export const ImageFile = z.union([z.string().min(1), Bytes], {
  error: 'expected a file path or the encoded image bytes (a Uint8Array)',
});
export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, { error: 'expected a SHA-256 as 64 lowercase hex digits' });

export const NewCollection = z.object({ name: name(200), season: optionalText(40) }).strict();

export const NewGarment = z
  .object({
    sku: z.string().trim().min(1).max(64),
    name: name(200),
    category: z.enum(CATEGORIES),
    colourway: optionalText(100),
    season: optionalText(40),
    tags: z.array(Tag).max(50).prefault([]),
    collectionId: Id.optional(),
  })
  .strict();

export const GarmentUpdate = z
  .object({
    id: Id,
    name: name(200).optional(),
    sku: z.string().trim().min(1).max(64).optional(),
    category: z.enum(CATEGORIES).optional(),
    colourway: optionalText(100),
    season: optionalText(40),
    tags: z.array(Tag).max(50).optional(),
    collectionId: Id.nullable().optional(),
  })
  .strict();

export const NewGarmentPhoto = z
  .object({ garmentId: Id, file: ImageFile, view: z.enum(VIEWS).prefault('front'), type: z.enum(PHOTO_TYPES) })
  .strict();

export const NewModelPhoto = z.object({ name: name(200), file: ImageFile, notes: optionalText(2000) }).strict();

export const NewMask = z
  .object({ modelPhotoId: Id, category: z.enum(CATEGORIES), file: ImageFile, origin: z.enum(MASK_ORIGINS).prefault('imported') })
  .strict();

export const NewDensePose = z
  .object({
    modelPhotoId: Id,
    file: ImageFile,
    format: z.enum(DENSEPOSE_FORMATS),
    origin: z.enum(DENSEPOSE_ORIGINS),
    /** True when the map was estimated (e.g. from 2-D keypoints) rather than made by DensePose itself. */
    approximated: z.boolean(),
    generator: optionalText(200),
  })
  .strict();

export const NewCheckpoint = z
  .object({
    file: z.string().min(1),
    name: name(200),
    kind: z.enum(CHECKPOINT_KINDS),
    architecture: z.enum(ARCHITECTURES),
    source: optionalText(2000),
    licence: name(200),
    commercialUse: z.boolean(),
    parentId: Id.optional(),
    trainingRun: z.record(z.string(), z.unknown()).optional(),
    expectedSha256: Sha256.optional(),
    /** The checkpoint's own diffusers base config folder, relative to the project folder (migration 006). */
    baseConfig: z.string().min(1).max(1000).optional(),
  })
  .strict();

export const NewReview = z
  .object({
    resultId: Id,
    status: z.enum(REVIEW_STATUSES),
    defectTags: z.array(Tag).max(20).prefault([]),
    notes: optionalText(5000),
    reviewer: name(100),
  })
  .strict();

/** A file name with no folder part, so an export item cannot be written outside its target folder. */
const FileName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\\/:*?"<>|\0]+$/, { error: 'expected a file name without a folder part or any of \\ / : * ? " < > |' })
  .refine((s) => s !== '.' && s !== '..', { error: 'expected a file name, not "." or ".."' });

export const NewExport = z
  .object({
    name: name(200),
    targetDir: z.string().min(1),
    preset: z.record(z.string(), z.unknown()),
    items: z.array(z.object({ resultId: Id, fileName: FileName }).strict()).min(1).max(100_000),
  })
  .strict();
