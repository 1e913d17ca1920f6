// Cheap progress previews: a linear map from the 4 SD1.x latent channels to RGB, instead of running
// the VAE decoder. One pixel per latent pixel (96×128 for a 768×1024 canvas), optionally enlarged.
import * as tf from '@tensorflow/tfjs-core';
import type { RgbImage } from './types.ts';

/**
 * Latent (scaled by the VAE's scaling factor, i.e. what the UNet sees) → approximate RGB in about
 * [−1, 1]: rgb = latent · M. These are the commonly used approximate factors for SD1.x latents
 * (a least-squares fit circulated in the Stable Diffusion community in 2022); rows = latent channels
 * 0…3, columns = R, G, B. Approximate by design: good enough to show composition and colours.
 * SDXL latents have a different distribution; these factors give only a rough preview there.
 */
export const SD15_LATENT_RGB_FACTORS: readonly (readonly [number, number, number])[] = Object.freeze([
  [0.298, 0.207, 0.208],
  [0.187, 0.286, 0.173],
  [-0.158, 0.189, 0.264],
  [-0.184, -0.271, -0.473],
]);

export interface LatentPreviewOptions {
  /** Which batch item to show (default 0). */
  index?: number;
  /** Integer nearest-neighbour enlargement factor (default 1 = one pixel per latent pixel). */
  upscale?: number;
  /** Replace the 4×3 factor matrix (e.g. for another latent space). */
  factors?: readonly (readonly [number, number, number])[];
}

/** NHWC latent [B, h, w, 4] → small uint8 RGB image. Does not dispose `latent`. */
export function latentPreview(latent: tf.Tensor, options: LatentPreviewOptions = {}): RgbImage {
  const [b, h, w, c] = latent.shape;
  if (latent.rank !== 4 || c !== 4) {
    throw new RangeError(`latentPreview: expected an NHWC latent of shape [B, h, w, 4], got [${latent.shape.join(', ')}]`);
  }
  const index = options.index ?? 0;
  if (!Number.isInteger(index) || index < 0 || index >= b) throw new RangeError(`latentPreview: index must be in [0, ${b}), got ${index}`);
  const up = options.upscale ?? 1;
  if (!Number.isInteger(up) || up < 1 || up > 16) throw new RangeError(`latentPreview: upscale must be an integer 1…16, got ${up}`);
  const factors = options.factors ?? SD15_LATENT_RGB_FACTORS;
  if (factors.length !== 4 || factors.some((r) => r.length !== 3)) {
    throw new RangeError(`latentPreview: factors must be a 4×3 matrix (latent channel × RGB), got ${factors.length} rows`);
  }

  // [1, h, w, 4] → [h·w, 4] · [4, 3] → [h·w, 3], mapped from [−1, 1] to [0, 255].
  const rgb = tf.tidy(() => {
    const x = tf.slice(latent, [index, 0, 0, 0], [1, h, w, 4]).reshape([h * w, 4]); // [h·w, 4]
    const m = tf.tensor2d(factors.map((r) => [...r]), [4, 3]); // [4, 3]
    return tf.clipByValue(tf.mul(tf.add(tf.matMul(x, m), 1), 127.5), 0, 255); // [h·w, 3]
  });
  const vals = rgb.dataSync();
  rgb.dispose();

  const W = w * up;
  const out = new Uint8Array(W * h * up * 3);
  for (let y = 0; y < h * up; y++) {
    const sy = Math.floor(y / up);
    for (let x = 0; x < W; x++) {
      const s = (sy * w + Math.floor(x / up)) * 3;
      const d = (y * W + x) * 3;
      out[d] = Math.round(vals[s]);
      out[d + 1] = Math.round(vals[s + 1]);
      out[d + 2] = Math.round(vals[s + 2]);
    }
  }
  return { data: out, width: W, height: h * up };
}
