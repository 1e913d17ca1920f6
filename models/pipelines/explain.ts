// "Explain": where each generated pixel looked in the garment. For chosen layers and steps, the flow field
// that the generative UNet's attention over the reference tokens implies, computed exactly as the Leffa loss
// computes it (spec §5.3 steps 1-5, models/losses/attention-flow.ts), and the garment warped by it.
// Off by default; when off the pipeline installs no hook and pays nothing.
import * as tf from '../tf.ts';
import { attentionFlow } from '../losses/attention-flow.ts';
import { gridSample } from '../ops/grid-sample.ts';
import { resizeBilinear } from '../ops/resize-bilinear.ts';

export interface ExplainOptions {
  /** Layer names (`down_blocks.0.attentions.0.transformer_blocks.0.attn1`, ...); default: every layer. */
  layers?: string[];
  /** Step indices (0-based); default: the last step. */
  steps?: number[];
  /** Softmax temperature τ of the flow (default 2.0, as the loss). */
  temperature?: number;
}

export interface ExplainFlow {
  layer: string;
  step: number;
  timestep: number;
  /** Token map of the layer. */
  h: number;
  w: number;
  /** flow_lowres of the conditional branch, [B, h, w, 2], (x, y) in [-1, 1] (grid_sample convention). */
  flow: Float32Array;
}

/** The token map h x w of a layer with N tokens, for a latent of aspect lh:lw. */
export function tokenMap(n: number, lh: number, lw: number): [number, number] {
  const h = Math.round(Math.sqrt((n * lh) / lw));
  if (h <= 0 || n % h !== 0) throw new Error(`explain: ${n} tokens do not form a map with the latent's aspect ${lh}x${lw}`);
  return [h, n / h];
}

/** The onQueryKey hook that records flows for the selected layers at the current step. */
export function explainHook(opts: ExplainOptions, at: { step: number; timestep: number; batch: number; latentH: number; latentW: number }, out: ExplainFlow[]) {
  return (layer: string, queryGen: tf.Tensor3D, keyRef: tf.Tensor3D, heads: number): void => {
    if (opts.layers && !opts.layers.includes(layer)) return;
    const [rows, n, inner] = queryGen.shape;
    const B = at.batch;
    const [h, w] = tokenMap(n, at.latentH, at.latentW);
    const d = inner / heads;
    const flow = tf.tidy(() => {
      // Conditional rows only (rows B..2B-1 of the CFG batch): [B, N, inner] -> [B, heads, N, d]
      const split = (t: tf.Tensor3D) => t.slice([rows - B, 0, 0], [B, n, inner]).reshape([B, n, heads, d]).transpose([0, 2, 1, 3]) as tf.Tensor4D;
      return attentionFlow(split(queryGen), split(keyRef), h, w, { temperature: opts.temperature }).dataSync() as Float32Array; // [B,h,w,2]
    });
    out.push({ layer, step: at.step, timestep: at.timestep, h, w, flow });
  };
}

/**
 * The reference image warped by a recorded flow: bilinear upsampling of the flow to the image size
 * (align_corners false), clamp to [-1, 1], bilinear grid sample with zero padding. ref [B,H,W,C] -> [B,H,W,C].
 */
export function warpByFlow(ref: tf.Tensor4D, f: ExplainFlow): tf.Tensor4D {
  return tf.tidy(() => {
    const [B, H, W] = ref.shape;
    const low = tf.tensor4d(f.flow, [B, f.h, f.w, 2]);
    const full = resizeBilinear(low, [H, W]).clipByValue(-1, 1) as tf.Tensor4D; // [B,H,W,2]
    return gridSample(ref, full);
  });
}

/** A flow as a colour-wheel image (hue = direction of the displacement from the pixel's own position, value = length). */
export function flowToColourWheel(f: ExplainFlow, index = 0): { data: Uint8Array; width: number; height: number } {
  const { h, w } = f;
  const out = new Uint8Array(h * w * 3);
  const lin = (i: number, n: number) => (n === 1 ? -1 : -1 + (2 * i) / (n - 1));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = ((index * h + y) * w + x) * 2;
      const dx = f.flow[o]! - lin(x, w);
      const dy = f.flow[o + 1]! - lin(y, h);
      const hue = (Math.atan2(dy, dx) / (2 * Math.PI) + 1) % 1;
      const v = Math.min(1, Math.hypot(dx, dy) / 2);
      const [r, g, b] = hsvToRgb(hue, 1, v);
      out.set([r, g, b], (y * w + x) * 3);
    }
  }
  return { data: out, width: w, height: h };
}

function hsvToRgb(hh: number, s: number, v: number): [number, number, number] {
  const i = Math.floor(hh * 6);
  const f = hh * 6 - i;
  const p = v * (1 - s), q = v * (1 - f * s), t = v * (1 - (1 - f) * s);
  const [r, g, b] = [[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]][i % 6]!;
  return [Math.round(r! * 255), Math.round(g! * 255), Math.round(b! * 255)];
}
