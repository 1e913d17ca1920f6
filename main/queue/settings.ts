// What a batch asks for, checked with zod: the matrix (garments × model photos × seeds × settings) and
// the sampling settings of each cell. Settings are normalised (defaults filled in) before hashing, so
// `{}` and `{steps: 30}` are the same cell and are not run twice.
import { z } from 'zod';
import { Id } from '../store/schemas.ts';

export const CellSettings = z
  .object({
    /** Denoising steps (the reference uses 30 for try-on). */
    steps: z.number().int().min(1).max(1000).prefault(30),
    /** Classifier-free guidance scale (reference default 2.5). */
    guidanceScale: z.number().min(0).max(50).prefault(2.5),
    /** Run the reference UNet once instead of every step (spec §1.6 step 6). */
    refAcceleration: z.boolean().prefault(false),
    /** Paste the unmasked region of the person back over the output (spec §3.8). */
    repaint: z.boolean().prefault(false),
  })
  .strict();

export type CellSettings = z.output<typeof CellSettings>;

/** The most cells one enqueue may create: a guard against a typo that would queue weeks of work. */
export const MAX_CELLS = 200_000;

export const BatchSpec = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    checkpointId: Id,
    garmentIds: z.array(Id).min(1).max(100_000),
    modelPhotoIds: z.array(Id).min(1).max(10_000),
    seeds: z.array(z.number().int().min(0).max(2 ** 32 - 1)).min(1).max(10_000),
    settings: z.array(CellSettings).min(1).max(100).prefault([{}]),
    /** Higher runs first; ties run oldest first. */
    priority: z.number().int().min(-1000).max(1000).prefault(0),
    /** Which garment photo a cell uses: the first front-view photo of this type ('any': flat-lay first). */
    garmentPhotoType: z.enum(['flat-lay', 'on-model', 'any']).prefault('any'),
  })
  .strict()
  .refine((s) => s.garmentIds.length * s.modelPhotoIds.length * s.seeds.length * s.settings.length <= MAX_CELLS, {
    error: `expected at most ${MAX_CELLS} cells (garments × model photos × seeds × settings); split the batch`,
    path: ['garmentIds'],
  });

export type BatchSpecInput = z.input<typeof BatchSpec>;
export type BatchSpec = z.output<typeof BatchSpec>;
