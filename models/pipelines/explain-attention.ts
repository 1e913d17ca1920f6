// The Explain view's tensor-free parts: the default layer, and click-to-inspect: one row of a layer's head-mean attention over the reference tokens,
// from the Q_gen/K_ref that explain-run.ts captured. Plain JS, no tensors, so the main process can answer a
// click without the engine (a row is N·heads·d multiply-adds: ~2 M at SD1.5's 48×64 layer).

/** Default softmax temperature of the flow and of inspected attention rows (as the Leffa loss). */
export const EXPLAIN_TEMPERATURE = 2.0;

export interface ExplainLayerInfo {
  /** `down_blocks.0.attentions.0.transformer_blocks.0.attn1`, ... */
  name: string;
  /** Token map of the layer at this canvas (h rows × w columns). */
  h: number;
  w: number;
}

/** What one explanation run read: its layer and sampling step, and the shapes of what it captured. */
export interface ExplainRunInfo {
  layer: string;
  step: number;
  steps: number;
  timestep: number;
  temperature: number;
  /** Token map of the layer; heads and head size of its attention. */
  h: number;
  w: number;
  heads: number;
  headDim: number;
  /** Canvas size of the pictures (result, garment, warped). */
  width: number;
  height: number;
  /** The generative UNet's self-attention layers at this canvas. */
  layers: ExplainLayerInfo[];
}

/**
 * A sensible default: a mid-resolution layer. The token-map sizes present, largest first; the one at index
 * ⌊(n−1)/2⌋ (SD1.5 at 768×1024: 48×64 of 128×96, 64×48, 32×24, 16×12); the first decoder (up_blocks)
 * layer of that size, else the first of that size.
 */
export function defaultExplainLayer(layers: readonly ExplainLayerInfo[]): string {
  if (!layers.length) throw new Error('explain: the model has no attention layers');
  const sizes = [...new Set(layers.map((l) => l.h * l.w))].sort((a, b) => b - a);
  const size = sizes[Math.floor((sizes.length - 1) / 2)]!;
  const at = layers.filter((l) => l.h * l.w === size);
  return (at.find((l) => l.name.startsWith('up_blocks.')) ?? at[0]!).name;
}


/**
 * Row `token` of the head-mean attention of a layer over the reference tokens:
 * mean_heads softmax_j(q_token,h · k_j,h / √d / τ). query/key [N, heads·d] as ExplainRunResult. Plain JS
 * (N·heads·d multiply-adds), so main can answer a click without the engine. Returns N weights summing to 1.
 */
export function attentionRow(query: Float32Array, key: Float32Array, n: number, heads: number, token: number, temperature = EXPLAIN_TEMPERATURE): Float32Array {
  const inner = query.length / n;
  const d = inner / heads;
  if (!Number.isInteger(inner) || !Number.isInteger(d) || key.length !== query.length) {
    throw new RangeError(`attentionRow: query (${query.length}) and key (${key.length}) must both be [${n}, heads·d] with ${heads} heads`);
  }
  if (!Number.isInteger(token) || token < 0 || token >= n) throw new RangeError(`attentionRow: token = ${token}; expected an integer in [0, ${n - 1}]`);
  const scale = 1 / Math.sqrt(d) / temperature;
  const out = new Float32Array(n);
  const s = new Float64Array(n);
  for (let hd = 0; hd < heads; hd++) {
    const qo = token * inner + hd * d;
    let max = -Infinity;
    for (let j = 0; j < n; j++) {
      const ko = j * inner + hd * d;
      let dot = 0;
      for (let c = 0; c < d; c++) dot += query[qo + c]! * key[ko + c]!;
      s[j] = dot * scale;
      if (s[j]! > max) max = s[j]!;
    }
    let sum = 0;
    for (let j = 0; j < n; j++) { s[j] = Math.exp(s[j]! - max); sum += s[j]!; }
    for (let j = 0; j < n; j++) out[j] = out[j]! + s[j]! / sum / heads;
  }
  return out;
}
