// MoveNet SinglePose Lightning (Google, Apache-2.0; TF Hub movenet/singlepose/lightning/4): 17 COCO
// keypoints for the most prominent person. It is robust to where and how big the person is in the
// frame, so it runs first, on the whole letterboxed photo, to decide whether there is a person at all
// and where to crop for BlazePose.
import * as tf from '../tf.ts';
import type { RgbImage } from '../image/index.ts';
import type { GraphModel } from './graph_model.ts';
import { COCO_NAMES, type Landmark } from './keypoints.ts';
import { cropRoi, roiToImage, type Roi } from './roi.ts';

/** The model's fixed input side (int32 RGB, 0…255). */
export const MOVENET_INPUT = 192;

/** Runs MoveNet on `roi` of `img`; returns the 17 keypoints in `img` pixels. */
export async function runMoveNet(model: GraphModel, img: RgbImage, roi: Roi): Promise<Landmark[]> {
  const out = tf.tidy(() => {
    const x = cropRoi(img, roi, MOVENET_INPUT).toInt(); // [1, 192, 192, 3] int32
    return model.execute(x) as tf.Tensor; // [1, 1, 17, 3]: (y, x, score), y and x in 0…1 of the input
  });
  let v: Float32Array;
  try {
    v = (await out.data()) as Float32Array;
  } finally {
    out.dispose();
  }
  return COCO_NAMES.map((name, i) => {
    const p = roiToImage(v[3 * i + 1], v[3 * i], roi);
    // MoveNet has no separate presence output; its score plays both roles.
    return { name, x: p.x, y: p.y, score: v[3 * i + 2], presence: v[3 * i + 2] };
  });
}
