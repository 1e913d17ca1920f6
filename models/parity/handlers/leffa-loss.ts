// Parity handler for the `leffa_loss` record (fixtures README §4.7): the Leffa loss on stored queries and
// keys. `single`: one layer, every intermediate, the batch-mean loss and its gradients w.r.t. the full
// query/key. `multi`: three layers, per-layer losses, layer mean, timestep gate, attn_loss, weighted_loss
// and the gradients of attn_loss (without λ).
// Layouts: fixture images are NCHW and are transposed to the engine's NHWC here; queries/keys
// [B, heads, 2N, d], flows [B, h, w, 2] / [B, H, W, 2] and the attention map [B, N, N] are stored as the
// engine uses them.
import * as tf from '../../tf.ts';
import {
  attentionMap, leffaLayerForward, leffaLoss, type LeffaImages, type LeffaLossOptions,
} from '../../losses/leffa-loss.ts';
import { asIs, fromNCHW, toNCHW } from '../layout.ts';
import type { FixtureRecord, ParityContext, ProducedTensor, RecordHandler } from '../types.ts';

interface LayerParams { h: number; w: number; head_dim: number }

function shapeOf(ctx: ParityContext, name: string): number[] {
  const meta = ctx.manifest.tensors[name];
  if (!meta) throw new Error(`leffa_loss: tensor ${name} is not in fixture.json`);
  return meta.shape;
}

const load4 = (ctx: ParityContext, name: string) =>
  tf.tensor4d(ctx.float(name), shapeOf(ctx, name) as [number, number, number, number]);

/** reference/target [B, 3, H, W] and mask [B, 1, H, W] (NCHW) → NHWC. */
function images(ctx: ParityContext, group: string): LeffaImages {
  const img = (n: string) => fromNCHW(ctx.float(`${group}/${n}`), shapeOf(ctx, `${group}/${n}`)); // [B, H, W, C]
  return { reference: img('reference_image'), target: img('target_image'), mask: img('mask') };
}

function layerParams(record: FixtureRecord, extra: LeffaLossOptions): { single: LayerParams; multi: LayerParams[]; opts: LeffaLossOptions } {
  const p = record.params ?? {};
  const single = p.single_layer as LayerParams | undefined;
  const multi = p.multi_layers as LayerParams[] | undefined;
  if (!single || !Array.isArray(multi)) {
    throw new Error(`${record.id}: params.single_layer / params.multi_layers missing (got keys ${Object.keys(p).join(', ')})`);
  }
  const opts: LeffaLossOptions = {
    temperature: Number(p.temperature ?? 2.0),
    weight: Number(p.lambda ?? 1e-3),
    timestep_threshold: Number(p.stop_timestep ?? 500),
    ...extra,
  };
  return { single, multi, opts };
}

/** `single`: one layer with all intermediates; `loss` = batch mean; gradients of `loss`. */
function single(ctx: ParityContext, lp: LayerParams, opts: LeffaLossOptions, out: Map<string, ProducedTensor>): void {
  const g = 'leffa_loss/single';
  tf.tidy(() => {
    const imgs = images(ctx, g);
    const query = load4(ctx, `${g}/layer0/query`); // [B, heads, 2N, d]
    const key = load4(ctx, `${g}/layer0/key`);
    const [B, heads, twoN, d] = query.shape;
    const N = twoN / 2;
    const f = leffaLayerForward(query, key, lp.h, lp.w, imgs, opts);
    const qGen = tf.slice(query, [0, 0, 0, 0], [B, heads, N, d]); // [B, heads, N, d]
    const kRef = tf.slice(key, [0, 0, N, 0], [B, heads, N, d]);
    out.set(`${g}/layer0/attn_map`, asIs(attentionMap(qGen, kRef, opts))); // [B, N, N]
    out.set(`${g}/layer0/flow_lowres`, asIs(f.flowLowres)); //              [B, h, w, 2]
    out.set(`${g}/layer0/flow`, asIs(f.flow)); //                            [B, H, W, 2]
    out.set(`${g}/layer0/warped`, toNCHW(f.warped)); //                      [B, H, W, 3] → [B, 3, H, W]
    out.set(`${g}/layer0/loss_per_sample`, asIs(f.lossPerSample)); //        [B]
    // loss = batch mean = the gated loss with every sample kept (t = 0 < θ).
    const zeros = new Array<number>(B).fill(0);
    const lossOf = (q: tf.Tensor, k: tf.Tensor) =>
      leffaLoss([{ query: q as tf.Tensor4D, key: k as tf.Tensor4D, h: lp.h, w: lp.w }], imgs, zeros, opts).attnLoss;
    out.set(`${g}/loss`, asIs(lossOf(query, key))); // []
    const [dq, dk] = tf.grads(lossOf)([query, key]);
    out.set(`${g}/layer0/grad_query`, asIs(dq!)); // [B, heads, 2N, d]
    out.set(`${g}/layer0/grad_key`, asIs(dk!));
  });
}

/** `multi`: several layers, the timestep gate, and the gradients of attn_loss. */
function multi(ctx: ParityContext, lps: LayerParams[], opts: LeffaLossOptions, out: Map<string, ProducedTensor>): void {
  const g = 'leffa_loss/multi';
  const raw = ctx.tensor(`${g}/timesteps`).data; // I64 [B]
  const timesteps = Array.from(raw as ArrayLike<number | bigint>, Number);
  tf.tidy(() => {
    const imgs = images(ctx, g);
    const qk = lps.flatMap((_, k) => [load4(ctx, `${g}/layer${k}/query`), load4(ctx, `${g}/layer${k}/key`)]);
    const run = (...t: tf.Tensor[]) =>
      leffaLoss(lps.map((lp, k) => ({ query: t[2 * k] as tf.Tensor4D, key: t[2 * k + 1] as tf.Tensor4D, h: lp.h, w: lp.w })), imgs, timesteps, opts);
    const r = run(...qk);
    r.perLayer.forEach((l, k) => out.set(`${g}/layer${k}/loss_per_sample`, asIs(l))); // [B]
    out.set(`${g}/layer_mean`, asIs(r.layerMean)); //      [B]
    out.set(`${g}/gated`, asIs(r.gated)); //               [B]
    out.set(`${g}/attn_loss`, asIs(r.attnLoss)); //        []
    out.set(`${g}/weighted_loss`, asIs(r.weightedLoss)); // []
    const grads = tf.grads((...t: tf.Tensor[]) => run(...t).attnLoss)(qk);
    lps.forEach((_, k) => {
      out.set(`${g}/layer${k}/grad_query`, asIs(grads[2 * k]!)); //     [B, heads, 2N, d]
      out.set(`${g}/layer${k}/grad_key`, asIs(grads[2 * k + 1]!));
    });
  });
}

/**
 * Every output this handler knows, computed with the record's parameters; `extra` overrides engine-only
 * options (query_chunk, softmax) so tests can check those variants against the same fixture.
 */
export function leffaLossOutputs(record: FixtureRecord, ctx: ParityContext, extra: LeffaLossOptions = {}): Map<string, ProducedTensor> {
  const { single: sp, multi: mp, opts } = layerParams(record, extra);
  const all = new Map<string, ProducedTensor>();
  single(ctx, sp, opts, all);
  multi(ctx, mp, opts, all);
  return all;
}

export const leffaLossHandler: RecordHandler = {
  ids: ['leffa_loss'],
  needsModel: false,
  async run(record, ctx) {
    const all = leffaLossOutputs(record, ctx);
    const out = new Map<string, ProducedTensor>();
    for (const name of record.outputs) {
      const t = all.get(name);
      if (!t) throw new Error(`${record.id}: output ${name} is not one this handler computes`);
      out.set(name, t);
    }
    return out;
  },
};
