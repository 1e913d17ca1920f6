// Region clean-up steps of the reference recipe (spec §3.4, last step): fill enclosed holes, keep the
// largest connected piece. Also the border flood fill that garment clean-up uses.
import { emptyMask, type BinaryMask } from './binary_mask.ts';

/**
 * Fills holes: background pixels not 4-connected to the image border become on (the reference zeroes a
 * 1-px border and flood-fills the outside from a corner, which reaches exactly these pixels).
 */
export function fillHoles(m: BinaryMask): BinaryMask {
  const { width: w, height: h } = m;
  const outside = new Uint8Array(w * h);
  const stack: number[] = [];
  const push = (i: number): void => {
    if (!m.data[i] && !outside[i]) {
      outside[i] = 1;
      stack.push(i);
    }
  };
  for (let x = 0; x < w; x++) {
    push(x);
    push((h - 1) * w + x);
  }
  for (let y = 0; y < h; y++) {
    push(y * w);
    push(y * w + w - 1);
  }
  while (stack.length) {
    const i = stack.pop()!;
    const x = i % w;
    if (x > 0) push(i - 1);
    if (x < w - 1) push(i + 1);
    if (i >= w) push(i - w);
    if (i < w * (h - 1)) push(i + w);
  }
  const out = emptyMask(w, h);
  for (let i = 0; i < out.data.length; i++) out.data[i] = outside[i] ? 0 : 1;
  return out;
}

/** Connected components (8-connectivity, like OpenCV contours); returns labels (0 = off) and sizes. */
export function components(m: BinaryMask): { labels: Int32Array; sizes: number[] } {
  const { width: w, height: h } = m;
  const labels = new Int32Array(w * h);
  const sizes = [0];
  const stack: number[] = [];
  for (let start = 0; start < labels.length; start++) {
    if (!m.data[start] || labels[start]) continue;
    const id = sizes.length;
    let size = 0;
    labels[start] = id;
    stack.push(start);
    while (stack.length) {
      const i = stack.pop()!;
      size++;
      const x = i % w;
      const y = (i - x) / w;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= w) continue;
          const j = yy * w + xx;
          if (m.data[j] && !labels[j]) {
            labels[j] = id;
            stack.push(j);
          }
        }
      }
    }
    sizes.push(size);
  }
  return { labels, sizes };
}

/** Keeps only the largest 8-connected component (empty stays empty). */
export function largestComponent(m: BinaryMask): BinaryMask {
  const { labels, sizes } = components(m);
  let best = 0;
  for (let i = 1; i < sizes.length; i++) if (sizes[i] > (sizes[best] ?? 0)) best = i;
  const out = emptyMask(m.width, m.height);
  if (best === 0) return out;
  for (let i = 0; i < labels.length; i++) out.data[i] = labels[i] === best ? 1 : 0;
  return out;
}

/**
 * Flood fill from every border pixel through pixels for which `passable(i)` is true (4-connectivity).
 * Returns the reached pixels: for a flat-lay photo, the background connected to the frame.
 */
export function floodFromBorder(width: number, height: number, passable: (i: number) => boolean): BinaryMask {
  const out = emptyMask(width, height);
  const stack: number[] = [];
  const push = (i: number): void => {
    if (!out.data[i] && passable(i)) {
      out.data[i] = 1;
      stack.push(i);
    }
  };
  for (let x = 0; x < width; x++) {
    push(x);
    push((height - 1) * width + x);
  }
  for (let y = 0; y < height; y++) {
    push(y * width);
    push(y * width + width - 1);
  }
  while (stack.length) {
    const i = stack.pop()!;
    const x = i % width;
    if (x > 0) push(i - 1);
    if (x < width - 1) push(i + 1);
    if (i >= width) push(i - width);
    if (i < width * (height - 1)) push(i + width);
  }
  return out;
}
