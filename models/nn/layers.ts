// Stateless NHWC layers. Each takes a ParamStore and the module path of its weights, so a layer is
// addressed by the same dotted name as the checkpoint key (e.g. `unet.conv_in` -> `unet.conv_in.weight`).
// Every function runs in tf.tidy: only its result survives.
import * as tf from '../tf.ts';
import type { ParamStore } from './params.ts';

/** 2-D convolution, PyTorch semantics: symmetric zero padding `pad` on every side. x [B,H,W,Cin]. */
export function conv2d(p: ParamStore, name: string, x: tf.Tensor4D, opts: { stride?: number; pad?: number } = {}): tf.Tensor4D {
  return tf.tidy(() => {
    const w = p.get(`${name}.weight`) as tf.Tensor4D; // [kh, kw, Cin, Cout]
    const b = p.get(`${name}.bias`) as tf.Tensor1D; // [Cout]
    const stride = opts.stride ?? 1;
    const k = w.shape[0];
    if (k === 1 && stride === 1) {
      // 1x1 conv = per-pixel linear; a plain 2-D matMul is the fastest formulation on wasm.
      const [B, H, W, C] = x.shape;
      const y = tf.fused.matMul({ a: x.reshape([B * H * W, C]), b: w.reshape([C, w.shape[3]]), bias: b }); // [BHW, Cout]
      return y.reshape([B, H, W, w.shape[3]]); // [B,H,W,Cout]
    }
    const pad = opts.pad ?? (k - 1) / 2;
    return tf.fused.conv2d({ x, filter: w, strides: stride, pad, bias: b }); // [B,H',W',Cout]
  });
}

/** Linear layer over the last axis; weight stored [in, out]. x [..., in] -> [..., out]. */
export function linear(p: ParamStore, name: string, x: tf.Tensor, opts: { bias?: boolean } = {}): tf.Tensor {
  return tf.tidy(() => {
    const w = p.get(`${name}.weight`) as tf.Tensor2D; // [in, out]
    const lead = x.shape.slice(0, -1);
    const inF = x.shape[x.shape.length - 1]!;
    if (inF !== w.shape[0]) throw new Error(`linear ${name}: input has ${inF} features, expected ${w.shape[0]}`);
    const x2 = x.reshape([-1, inF]); // [rows, in]
    const y = opts.bias === false
      ? tf.matMul(x2, w)
      : tf.fused.matMul({ a: x2, b: w, bias: p.get(`${name}.bias`) }); // [rows, out]
    return y.reshape([...lead, w.shape[1]]); // [..., out]
  });
}

/** GroupNorm over NHWC, statistics per (sample, group) over H, W and the group's channels. */
export function groupNorm(p: ParamStore, name: string, x: tf.Tensor4D, groups: number, eps: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [B, H, W, C] = x.shape;
    if (C % groups !== 0) {
      throw new Error(`GroupNorm ${name}: ${C} channels are not divisible by num_groups=${groups}`);
    }
    const xg = x.reshape([B, H * W, groups, C / groups]); // [B, HW, G, C/G]
    const { mean, variance } = tf.moments(xg, [1, 3], true); // [B, 1, G, 1]
    const xn = xg.sub(mean).mul(tf.rsqrt(variance.add(eps))).reshape([B, H, W, C]); // [B,H,W,C]
    return xn.mul(p.get(`${name}.weight`)).add(p.get(`${name}.bias`)) as tf.Tensor4D;
  });
}

/** LayerNorm over the last axis (PyTorch: biased variance). */
export function layerNorm(p: ParamStore, name: string, x: tf.Tensor, eps = 1e-5): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true); // [..., 1]
    return x.sub(mean).mul(tf.rsqrt(variance.add(eps))).mul(p.get(`${name}.weight`)).add(p.get(`${name}.bias`));
  });
}

/** SiLU (swish): x * sigmoid(x). */
export function silu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => x.mul(tf.sigmoid(x)));
}

/** GELU, exact (erf) form as PyTorch's default F.gelu. */
export function geluExact(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => x.mul(tf.erf(x.mul(Math.SQRT1_2)).add(1)).mul(0.5));
}

/** Nearest-neighbour x2 upsampling (F.interpolate scale_factor=2, mode='nearest'). [B,H,W,C] -> [B,2H,2W,C]. */
export function upsampleNearest2x(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [, H, W] = x.shape;
    // Without half-pixel centres TF.js picks source floor(dst * in/out) = floor(dst / 2): exactly
    // PyTorch's nearest. The kernel and its gradient exist on every backend (a rank-6 tile would not).
    return tf.image.resizeNearestNeighbor(x, [2 * H, 2 * W], false, false); // [B,2H,2W,C]
  });
}
