// Explanations of results (migration 013): for a result, an attention layer and a sampling step, the Explain
// view's pictures (PNG blobs) and the data click-to-inspect needs (one blob in the safetensors layout: flow
// [h, w, 2], query and key [h·w, heads·headDim], float32). Written like every import: blobs first (atomic),
// then the row in one transaction; explaining the same (result, layer, step) again replaces the row.
import type { ExplainLayer, Explanation as ContractExplanation } from '../../preload/contract.ts';
import type { ExplainRunInfo } from '../../models/pipelines/explain-attention.ts';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { StoredBlob } from './blob-store.ts';
import type { StoreContext } from './context.ts';
import { argumentError, notFound } from './errors.ts';
import { Id } from './schemas.ts';
import { parseArgs } from './validate.ts';

/** A layer and its token map: the API's ExplainLayer. */
export type ExplanationLayer = ExplainLayer;

/** The API's Explanation, with its row id, the attention's head size, the data blob and the layers to pick from. */
export interface Explanation extends ContractExplanation {
  id: number;
  headDim: number;
  dataHash: string;
  layers: ExplanationLayer[];
}

export interface ExplanationData {
  flow: Float32Array;
  query: Float32Array;
  key: Float32Array;
}

/** What the engine's explain run gives (models/pipelines/explain-attention.ts ExplainRunInfo) for a result. */
export interface NewExplanation extends ExplainRunInfo {
  resultId: number;
  backend: string;
  runMs?: number;
  pngs: { flow: Uint8Array; warped: Uint8Array; result: Uint8Array; garment: Uint8Array; legend: Uint8Array };
  data: ExplanationData;
}

const Pos = z.number().int().positive();
const Bytes = z.instanceof(Uint8Array);
const NewExplanationSchema = z.object({
  resultId: Id,
  layer: z.string().min(1).max(200),
  step: z.number().int().min(0),
  steps: Pos,
  timestep: z.number().int(),
  temperature: z.number().positive(),
  h: Pos, w: Pos, heads: Pos, headDim: Pos, width: Pos, height: Pos,
  layers: z.array(z.strictObject({ name: z.string().min(1).max(200), h: Pos, w: Pos })).min(1).max(1000),
  backend: z.string().min(1).max(100),
  runMs: z.number().nonnegative().optional(),
  pngs: z.strictObject({ flow: Bytes, warped: Bytes, result: Bytes, garment: Bytes, legend: Bytes }),
  data: z.object({ flow: z.instanceof(Float32Array), query: z.instanceof(Float32Array), key: z.instanceof(Float32Array) }),
});

// ---- the data blob: safetensors layout (8-byte little-endian header length, JSON header, raw data) ----------

const ARRAYS = ['flow', 'query', 'key'] as const;

export function encodeExplanationData(d: ExplanationData, shapes: { h: number; w: number; inner: number }): Uint8Array {
  const n = shapes.h * shapes.w;
  const shape = { flow: [shapes.h, shapes.w, 2], query: [n, shapes.inner], key: [n, shapes.inner] };
  const header: Record<string, unknown> = { __metadata__: { format: 'leffa-studio explanation', version: '1' } };
  let offset = 0;
  for (const k of ARRAYS) {
    const want = shape[k].reduce((a, b) => a * b, 1);
    if (d[k].length !== want) throw argumentError('encodeExplanationData', `data.${k}`, `${d[k].length} values`, `${want} values (${shape[k].join(' × ')})`);
    header[k] = { dtype: 'F32', shape: shape[k], data_offsets: [offset, offset + 4 * want] };
    offset += 4 * want;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8); // data starts 8-byte aligned
  const head = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const k of ARRAYS) {
    const v = d[k];
    const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength); // little-endian hosts (every supported one)
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

export function decodeExplanationData(bytes: Uint8Array): ExplanationData {
  const fn = 'decodeExplanationData';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = bytes.length >= 8 ? Number(view.getBigUint64(0, true)) : -1;
  if (len < 2 || 8 + len > bytes.length) throw argumentError(fn, 'bytes', `${bytes.length} bytes`, 'an explanation data blob (safetensors layout)');
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + len)).toString('utf8')) as Record<string, { dtype: string; data_offsets: [number, number] }>;
  const base = 8 + len;
  const out = {} as ExplanationData;
  for (const k of ARRAYS) {
    const e = header[k];
    if (!e || e.dtype !== 'F32' || base + e.data_offsets[1] > bytes.length) throw argumentError(fn, `bytes.${k}`, e, 'an F32 tensor inside the blob');
    const slice = bytes.slice(base + e.data_offsets[0], base + e.data_offsets[1]); // copy: aligned for Float32Array
    out[k] = new Float32Array(slice.buffer, 0, slice.length / 4);
  }
  return out;
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Uint8Array, what: string): { width: number; height: number } {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (png.length < 24 || sig.some((b, i) => png[i] !== b)) throw argumentError('explanations.save', `pngs.${what}`, `${png.length} bytes`, 'a PNG image');
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

interface Row {
  id: number; result_id: number; layer: string; step: number; steps: number; timestep: number; temperature: number;
  token_h: number; token_w: number; heads: number; head_dim: number; width: number; height: number;
  flow_image_hash: string; warped_hash: string; result_hash: string; garment_hash: string; legend_hash: string; data_hash: string;
  layers: string; backend: string; run_ms: number | null; created_at: number;
}

const toExplanation = (r: Row): Explanation => ({
  id: r.id, resultId: r.result_id, layer: r.layer, step: r.step, steps: r.steps, timestep: r.timestep, temperature: r.temperature,
  tokenH: r.token_h, tokenW: r.token_w, heads: r.heads, headDim: r.head_dim, width: r.width, height: r.height,
  flowImageHash: r.flow_image_hash, warpedHash: r.warped_hash, resultHash: r.result_hash, garmentHash: r.garment_hash,
  legendHash: r.legend_hash, dataHash: r.data_hash, layers: JSON.parse(r.layers) as ExplanationLayer[], backend: r.backend,
  runMs: r.run_ms, createdAt: r.created_at,
});

export class ExplanationRepo {
  readonly #ctx: StoreContext;
  readonly #get;
  readonly #list;
  readonly #delete;
  readonly #insert;
  readonly #resultExists;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
    const db = ctx.db;
    this.#get = db.prepare(/* sql */ `SELECT * FROM explanations WHERE result_id = ? AND layer = ? AND step = ?`);
    this.#list = db.prepare(/* sql */ `SELECT * FROM explanations WHERE result_id = ? ORDER BY id`);
    this.#delete = db.prepare(/* sql */ `DELETE FROM explanations WHERE result_id = ? AND layer = ? AND step = ?`);
    this.#insert = db.prepare(/* sql */ `
      INSERT INTO explanations (result_id, layer, step, steps, timestep, temperature, token_h, token_w, heads, head_dim, width, height,
        flow_image_hash, warped_hash, result_hash, garment_hash, legend_hash, data_hash, layers, backend, run_ms, created_at)
      VALUES (@resultId, @layer, @step, @steps, @timestep, @temperature, @h, @w, @heads, @headDim, @width, @height,
        @flow, @warped, @result, @garment, @legend, @data, @layers, @backend, @runMs, @now)
      RETURNING *`);
    this.#resultExists = db.prepare(/* sql */ `SELECT 1 FROM results WHERE id = ?`).pluck();
  }

  get(resultId: number, layer: string, step: number): Explanation | undefined {
    const row = this.#get.get(resultId, layer, step) as Row | undefined;
    return row && toExplanation(row);
  }

  /** Every explanation of a result, oldest first. */
  list(resultId: number): Explanation[] {
    return (this.#list.all(resultId) as Row[]).map(toExplanation);
  }

  /** Stores an explanation (replacing one of the same result, layer and step). */
  async save(input: NewExplanation): Promise<Explanation> {
    const fn = 'explanations.save';
    const v = parseArgs(fn, NewExplanationSchema, input) as NewExplanation;
    if (!this.#resultExists.get(v.resultId)) throw notFound(fn, 'resultId', v.resultId, 'result');
    if (v.step >= v.steps) throw argumentError(fn, 'step', v.step, `an integer in [0, ${v.steps - 1}]`);
    const data = encodeExplanationData(v.data, { h: v.h, w: v.w, inner: v.heads * v.headDim });
    const pngKeys = ['flow', 'warped', 'result', 'garment', 'legend'] as const;
    const sizes = pngKeys.map((k) => pngSize(v.pngs[k], k));
    const files = this.#ctx.files;
    const written: StoredBlob[] = [];
    let ok = false;
    try {
      for (const k of pngKeys) written.push(await files.putBytes(v.pngs[k]));
      written.push(await files.putBytes(data));
      const row = this.#ctx.db.transaction(() => {
        pngKeys.forEach((_, i) => this.#ctx.blobRows.register(written[i]!, { mediaType: 'image/png', ...sizes[i]! }));
        this.#ctx.blobRows.register(written[5]!, { mediaType: 'application/x-safetensors' });
        this.#delete.run(v.resultId, v.layer, v.step);
        return this.#insert.get({
          resultId: v.resultId, layer: v.layer, step: v.step, steps: v.steps, timestep: v.timestep, temperature: v.temperature,
          h: v.h, w: v.w, heads: v.heads, headDim: v.headDim, width: v.width, height: v.height,
          flow: written[0]!.hash, warped: written[1]!.hash, result: written[2]!.hash, garment: written[3]!.hash, legend: written[4]!.hash,
          data: written[5]!.hash, layers: JSON.stringify(v.layers), backend: v.backend, runMs: v.runMs ?? null, now: Date.now(),
        }) as Row;
      }).immediate();
      ok = true;
      return toExplanation(row);
    } finally {
      for (const b of written) files.release(b.hash);
      if (!ok) for (const b of written) this.#ctx.blobRows.discardIfUnused(b);
    }
  }

  /** The flow, query and key of an explanation (reads its data blob). */
  async readData(e: Explanation): Promise<ExplanationData> {
    return decodeExplanationData(new Uint8Array(await readFile(this.#ctx.files.pathOf(e.dataHash))));
  }
}
