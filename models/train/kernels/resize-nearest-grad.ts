// A correct ResizeNearestNeighborGrad for the cpu backend.
//
// Why: tfjs-backend-cpu 4.22's kernel reads dy at the *input's* batch offset (b·H·W·C instead of
// b·Hy·Wy·C), so for every batch row after the first it sums the wrong gradients (checked: for a 2×3
// input upsampled ×2 with batch 2, row 1 got 38, 46, … instead of 110, 118, …). Every UNet upsampler
// (nearest ×2, models/nn/layers.ts) goes through it, so training on cpu with batch > 1 was wrong. The wasm
// kernel is correct and is left alone.
//
// This is the exact adjoint of the cpu forward kernel: the same source-index rule per axis (computed the
// same way, in double precision), then every dy element is added to the input pixel it was copied from.
import * as tf from '../../tf.ts';

/** Source index of every output position along one axis, as tfjs-backend-cpu's ResizeNearestNeighbor picks it. */
export function nearestSourceIndex(inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): Int32Array {
  const effIn = alignCorners && outSize > 1 ? inSize - 1 : inSize;
  const effOut = alignCorners && outSize > 1 ? outSize - 1 : outSize;
  const ratio = effIn / effOut;
  const idx = new Int32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const frac = halfPixelCenters ? ratio * (o + 0.5) : ratio * o;
    let s = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
    if (halfPixelCenters) s = Math.max(0, s);
    idx[o] = s;
  }
  return idx;
}

export const resizeNearestGradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { images, dy } = inputs as { images: tf.TensorInfo; dy: tf.TensorInfo };
  const { alignCorners, halfPixelCenters } = attrs as { alignCorners: boolean; halfPixelCenters?: boolean };
  const [B, H, W, C] = images.shape as [number, number, number, number];
  const [, Hy, Wy] = dy.shape as [number, number, number, number];
  const rows = nearestSourceIndex(H, Hy, alignCorners, halfPixelCenters ?? false);
  const cols = nearestSourceIndex(W, Wy, alignCorners, halfPixelCenters ?? false);
  const dyv = (backend as unknown as tf.KernelBackend).readSync(dy.dataId) as Float32Array;
  const out = new Float32Array(B * H * W * C);
  for (let b = 0; b < B; b++) {
    for (let y = 0; y < Hy; y++) {
      for (let x = 0; x < Wy; x++) {
        const src = ((b * H + rows[y]!) * W + cols[x]!) * C; // input pixel this output copied
        const at = ((b * Hy + y) * Wy + x) * C;
        for (let c = 0; c < C; c++) out[src + c] += dyv[at + c]!;
      }
    }
  }
  return (backend as unknown as { makeTensorInfo(s: number[], d: string, v: Float32Array): tf.TensorInfo }).makeTensorInfo([B, H, W, C], 'float32', out);
};
