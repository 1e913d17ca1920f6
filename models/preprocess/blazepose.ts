// BlazePose GHUM 3D, "full" landmark model (Google MediaPipe, Apache-2.0): 33 landmarks (face, hands,
// feet included) plus a person segmentation mask, both for a person-centred square crop. Upstream it
// runs after a detector that gives that crop; here MoveNet's keypoints (first pass) and then BlazePose's
// own auxiliary alignment points (second pass, as MediaPipe's tracking does) give it.
import * as tf from '../tf.ts';
import type { GreyImage, RgbImage } from '../image/index.ts';
import type { GraphModel } from './graph_model.ts';
import { BLAZEPOSE_NAMES, type Landmark, type Point } from './keypoints.ts';
import { cropRoi, roiToImage, type Roi } from './roi.ts';

/** The model's fixed input side (float RGB in 0…1). */
export const BLAZEPOSE_INPUT = 256;

export interface BlazePoseResult {
  /** 33 landmarks in image pixels. */
  landmarks: Landmark[];
  /** Auxiliary points 33 (body centre) and 34 (size/rotation point), used to re-frame the next crop. */
  alignment: [Point, Point];
  /** Probability that the crop holds a person (the model's pose flag). */
  poseFlag: number;
  /** Person probability over the ROI square, BLAZEPOSE_INPUT² values in 0…1. */
  segmentation: Float32Array;
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

export async function runBlazePose(model: GraphModel, img: RgbImage, roi: Roi): Promise<BlazePoseResult> {
  const outs = tf.tidy(() => {
    const x = cropRoi(img, roi, BLAZEPOSE_INPUT).div(255); // [1, 256, 256, 3] in 0…1
    // Identity_2: [1, 195] = 39 × (x, y, z, visibility logit, presence logit), x/y in input pixels;
    // Identity_3: [1, 1] pose flag (probability); Identity_1: [1, 256, 256, 1] segmentation (probability).
    return model.execute(x, ['Identity_2:0', 'Identity_3:0', 'Identity_1:0']) as tf.Tensor[];
  });
  let ld: Float32Array, flag: Float32Array, seg: Float32Array;
  try {
    [ld, flag, seg] = (await Promise.all(outs.map((t) => t.data()))) as Float32Array[];
  } finally {
    tf.dispose(outs);
  }
  const at = (i: number): Point => roiToImage(ld[5 * i] / BLAZEPOSE_INPUT, ld[5 * i + 1] / BLAZEPOSE_INPUT, roi);
  const landmarks = BLAZEPOSE_NAMES.map((name, i) => ({
    name,
    ...at(i),
    score: sigmoid(ld[5 * i + 3]),
    presence: sigmoid(ld[5 * i + 4]),
  }));
  return { landmarks, alignment: [at(33), at(34)], poseFlag: flag[0], segmentation: seg };
}

/** MediaPipe's ROI from the alignment points: centred on point 33, side 2·|p34 − p33|·1.25. */
export function roiFromAlignment([centre, edge]: [Point, Point]): Roi {
  const r = Math.hypot(edge.x - centre.x, edge.y - centre.y);
  return { cx: centre.x, cy: centre.y, size: 2 * r * 1.25 };
}

/**
 * Pastes the ROI's segmentation back into a width×height grey mask (0…255, bilinear), 0 outside the
 * ROI. Done in JS: one pass over the analysis image, no tensors to manage.
 */
export function segmentationToImage(seg: Float32Array, roi: Roi, width: number, height: number): GreyImage {
  const n = BLAZEPOSE_INPUT;
  const out = new Uint8Array(width * height);
  const scale = n / roi.size;
  const left = roi.cx - roi.size / 2;
  const top = roi.cy - roi.size / 2;
  for (let y = 0; y < height; y++) {
    const v = (y + 0.5 - top) * scale - 0.5; // mask-pixel-centre coordinate
    if (v < -0.5 || v > n - 0.5) continue;
    const y0 = Math.max(0, Math.min(n - 1, Math.floor(v)));
    const y1 = Math.min(n - 1, y0 + 1);
    const fy = Math.max(0, Math.min(1, v - y0));
    for (let x = 0; x < width; x++) {
      const u = (x + 0.5 - left) * scale - 0.5;
      if (u < -0.5 || u > n - 0.5) continue;
      const x0 = Math.max(0, Math.min(n - 1, Math.floor(u)));
      const x1 = Math.min(n - 1, x0 + 1);
      const fx = Math.max(0, Math.min(1, u - x0));
      const top2 = seg[y0 * n + x0] * (1 - fx) + seg[y0 * n + x1] * fx;
      const bot = seg[y1 * n + x0] * (1 - fx) + seg[y1 * n + x1] * fx;
      out[y * width + x] = Math.round(255 * Math.max(0, Math.min(1, top2 * (1 - fy) + bot * fy)));
    }
  }
  return { data: out, width, height };
}
