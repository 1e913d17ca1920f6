// Square regions of interest for the pose models, and the crop that feeds them. A ROI is a square
// centred on (cx, cy) with side `size`, in image pixels (pixel-edge convention); it may extend past
// the image, where the crop is padded with black — exactly what the models saw in training when a
// person is cut off by the frame.
import * as tf from '../tf.ts';
import type { RgbImage } from '../image/index.ts';
import type { Point } from './keypoints.ts';

export interface Roi {
  cx: number;
  cy: number;
  size: number;
}

/** The square that letterboxes the whole image (MoveNet's first look at a photo). */
export function wholeImageRoi(width: number, height: number): Roi {
  return { cx: width / 2, cy: height / 2, size: Math.max(width, height) };
}

/**
 * Crops `roi` out of `img` and resizes it to side×side (bilinear), as a float32 [1, side, side, 3]
 * tensor with values 0…255. The caller owns the tensor.
 */
export function cropRoi(img: RgbImage, roi: Roi, side: number): tf.Tensor4D {
  return tf.tidy(() => {
    const x = tf.tensor4d(img.data, [1, img.height, img.width, 3], 'int32').toFloat(); // [1, H, W, 3]
    // cropAndResize samples pixel CENTRES: normalised y maps to y·(H−1). The ROI's first output pixel
    // centre sits half an output pixel inside its top edge, in image-centre coordinates (−0.5).
    const step = roi.size / side;
    const y0 = roi.cy - roi.size / 2 + step / 2 - 0.5;
    const x0 = roi.cx - roi.size / 2 + step / 2 - 0.5;
    const y1 = y0 + step * (side - 1);
    const x1 = x0 + step * (side - 1);
    const hd = Math.max(img.height - 1, 1);
    const wd = Math.max(img.width - 1, 1);
    const box = tf.tensor2d([[y0 / hd, x0 / wd, y1 / hd, x1 / wd]]);
    return tf.image.cropAndResize(x, box, [0], [side, side], 'bilinear', 0); // [1, side, side, 3]
  });
}

/** Maps a point given in ROI-normalised coordinates (0…1 across the square) to image pixels. */
export function roiToImage(u: number, v: number, roi: Roi): Point {
  return { x: roi.cx - roi.size / 2 + u * roi.size, y: roi.cy - roi.size / 2 + v * roi.size };
}
