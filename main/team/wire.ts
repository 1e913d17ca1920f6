// What the coordinator and its workers say to each other over HTTP, checked with zod on both sides.
// Every route is under /team/v2/ and needs a worker token (Authorization: Bearer lsw_…):
//   POST hello     a worker introduces itself: backend, GPU, engine version
//   POST claim     {key} → the cell (inputs, checkpoint and a LoRA's adapter by hash) plus a claim id, or why to skip it
//   GET  blobs/<sha256>?claim=…   an input, checkpoint or adapter of a cell the worker holds (Range: bytes=N-)
//   POST progress  {claim, step, steps, stepMs} → go on, or stop (cancelled in the app / claim lost)
//   POST result    framed PNG + header (result-frame.ts) → stored | duplicate
//   POST fail      {claim, error} the engine failed this cell
//   POST release   {claim} the worker is stopping mid-cell: back to the queue
import { z } from 'zod';
import { CellSettings } from '../queue/settings.ts';

/**
 * The version of this protocol, in every route (/team/v<N>/). A coordinator answers any other version
 * with 426 and what to do, so a worker never runs a cell it cannot read in full.
 * v2: a LoRA cell carries its adapter next to its base checkpoint (GrantedCell.checkpoint.lora); a v1
 * worker would have run such a cell on the base weights alone.
 */
export const PROTOCOL_VERSION = 2;
export const TEAM_PREFIX = '/team/';
export const API_PREFIX = `/team/v${PROTOCOL_VERSION}/`;
export const RESULT_CONTENT_TYPE = 'application/vnd.leffa.result';

/** `<jobId>.<random>`: the job is readable from the claim, the random part makes it unguessable. */
export const Claim = z.string().regex(/^[1-9][0-9]{0,15}\.[A-Za-z0-9_-]{16,64}$/, 'a claim id from POST claim');
const Hash = z.string().regex(/^[0-9a-f]{64}$/);
const Text = (max: number) => z.string().max(max);

export const Hello = z
  .object({
    backend: Text(100),
    gpu: Text(200).nullable(),
    engineVersion: Text(200),
    host: Text(200),
    pid: z.number().int().nonnegative(),
    threads: z.number().int().positive().optional(),
  })
  .strict();
export type Hello = z.output<typeof Hello>;

export const ClaimRequest = z.object({ key: Text(200) }).strict();

export const GrantedCell = z.object({
  jobId: z.number().int().positive(),
  batchId: z.number().int().positive(),
  key: z.string(),
  attempt: z.number().int().positive(),
  seed: z.number().int(),
  settings: CellSettings,
  settingsHash: Hash,
  category: z.enum(['upper_body', 'lower_body', 'dresses']),
  inputs: z.object({ person: Hash, garment: Hash, mask: Hash.nullable(), densepose: Hash.nullable() }),
  checkpoint: z.object({
    /** The cell's checkpoint in the project (a LoRA cell: the adapter's). */
    id: z.number().int().positive(),
    /** The cell's checkpoint as the project names it, and its licence: the output's provenance (XMP). */
    name: z.string(),
    licence: z.string().optional(),
    /** The weights file the engine opens: the checkpoint's own blob or, for a LoRA cell, its base checkpoint's. */
    hash: Hash,
    size: z.number().int().nonnegative(),
    /** A LoRA cell: the adapter (safetensors, rank and alpha in its metadata), merged into `hash` when the engine loads it. */
    lora: z.object({
      hash: Hash,
      size: z.number().int().nonnegative(),
      /** The base checkpoint whose weights `hash` are. */
      base: z.object({ id: z.number().int().positive(), name: z.string() }),
    }).optional(),
  }),
});
export type GrantedCell = z.output<typeof GrantedCell>;

export const SKIP_REASONS = ['done', 'cancelled', 'failed', 'unknown'] as const;
export const ClaimReply = z.discriminatedUnion('status', [
  z.object({ status: z.literal('granted'), claim: Claim, cell: GrantedCell }),
  z.object({ status: z.literal('skip'), reason: z.enum(SKIP_REASONS) }),
]);
export type ClaimReply = z.output<typeof ClaimReply>;

export const ProgressRequest = z
  .object({ claim: Claim, step: z.number().int().min(0), steps: z.number().int().min(0), stepMs: z.number().nonnegative().nullable() })
  .strict();
export type ProgressRequest = z.output<typeof ProgressRequest>;

/** Why a worker must stop a cell: cancelled in the app, or another worker holds it now. */
export const STOP_REASONS = ['cancelled', 'lost'] as const;
export type StopReason = (typeof STOP_REASONS)[number];
export const ProgressReply = z.discriminatedUnion('continue', [
  z.object({ continue: z.literal(true) }),
  z.object({ continue: z.literal(false), reason: z.enum(STOP_REASONS) }),
]);
export type ProgressReply = z.output<typeof ProgressReply>;

export const FailRequest = z.object({ claim: Claim, error: z.object({ type: Text(200), message: Text(4000) }).strict() }).strict();
export const ReleaseRequest = z.object({ claim: Claim }).strict();

export const ResultHeader = z
  .object({
    claim: Claim,
    sha256: Hash,
    runMs: z.number().nonnegative(),
    stepMs: z.number().nonnegative().nullable(),
    /** What the engine reports (engineVersion and backend at least; queue/record.ts). */
    record: z.record(z.string(), z.unknown()),
  })
  .strict();
export type ResultHeader = z.output<typeof ResultHeader>;

export const ResultReply = z.discriminatedUnion('status', [
  z.object({ status: z.enum(['stored', 'duplicate']) }),
  z.object({ status: z.literal('refused'), reason: z.enum(STOP_REASONS) }),
]);
export type ResultReply = z.output<typeof ResultReply>;
