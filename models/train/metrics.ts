// Evaluation metrics of the Leffa benchmark, on plain arrays (small images; exact float64 sums):
//   flow end-point error in pixels against a ground-truth flow, inside the region where it is defined;
//   masked L1 and masked SSIM (Wang et al. 2004, "Image Quality Assessment: From Error Visibility to
//   Structural Similarity", eq. 13; Gaussian window σ = 1.5, 7×7 for these small images, C1 = (0.01)²,
//   C2 = (0.03)² for values in [0, 1]) between a generated and a ground-truth image.

/**
 * Mean end-point error in pixels of flows [B, H, W, 2] in grid_sample coordinates (x, y ∈ [−1, 1], the
 * image spans W and H pixels: 1 unit = W/2 resp. H/2 pixels). Pixels where gt is NaN are ignored.
 */
export function flowEpe(flow: ArrayLike<number>, gt: ArrayLike<number>, width: number, height: number): number {
  if (flow.length !== gt.length || flow.length % 2) throw new RangeError(`flowEpe: flow has ${flow.length} values, gt ${gt.length}; expected equal lengths of B·H·W·2`);
  let sum = 0, n = 0;
  for (let i = 0; i < gt.length; i += 2) {
    const gx = gt[i]!, gy = gt[i + 1]!;
    if (Number.isNaN(gx) || Number.isNaN(gy)) continue;
    const dx = (flow[i]! - gx) * (width / 2), dy = (flow[i + 1]! - gy) * (height / 2);
    sum += Math.sqrt(dx * dx + dy * dy);
    n++;
  }
  if (n === 0) throw new RangeError('flowEpe: the ground truth is NaN everywhere (empty mask)');
  return sum / n;
}

/** Mean |a − b| over the pixels where mask > 0.5 and all C channels. a, b: [B, H, W, C]; mask: [B, H, W]. */
export function maskedL1(a: ArrayLike<number>, b: ArrayLike<number>, mask: ArrayLike<number>, channels: number): number {
  if (a.length !== b.length || a.length !== mask.length * channels) throw new RangeError(`maskedL1: sizes ${a.length}, ${b.length} and mask ${mask.length}×${channels} do not agree`);
  let sum = 0, n = 0;
  for (let p = 0; p < mask.length; p++) {
    if (!(mask[p]! > 0.5)) continue;
    for (let c = 0; c < channels; c++) sum += Math.abs(a[p * channels + c]! - b[p * channels + c]!);
    n += channels;
  }
  if (n === 0) throw new RangeError('maskedL1: empty mask');
  return sum / n;
}

function gaussianKernel(radius: number, sigma: number): Float64Array {
  const k = new Float64Array(2 * radius + 1);
  let s = 0;
  for (let i = -radius; i <= radius; i++) { k[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma)); s += k[i + radius]!; }
  for (let i = 0; i < k.length; i++) k[i] = k[i]! / s;
  return k;
}

/** Separable Gaussian blur of one H×W plane, edges replicated. */
function blur(x: Float64Array, W: number, H: number, k: Float64Array): Float64Array {
  const r = (k.length - 1) / 2;
  const tmp = new Float64Array(x.length), out = new Float64Array(x.length);
  for (let y = 0; y < H; y++) for (let i = 0; i < W; i++) {
    let s = 0;
    for (let j = -r; j <= r; j++) s += k[j + r]! * x[y * W + Math.min(W - 1, Math.max(0, i + j))]!;
    tmp[y * W + i] = s;
  }
  for (let y = 0; y < H; y++) for (let i = 0; i < W; i++) {
    let s = 0;
    for (let j = -r; j <= r; j++) s += k[j + r]! * tmp[Math.min(H - 1, Math.max(0, y + j)) * W + i]!;
    out[y * W + i] = s;
  }
  return out;
}

/**
 * Mean SSIM over the masked pixels (mask > 0.5) and channels. a, b: [B, H, W, C] in [0, 1]; mask [B, H, W].
 * The local statistics use the whole image (the window reaches across the mask edge), as a masked mean of
 * the standard SSIM map.
 */
export function maskedSsim(a: ArrayLike<number>, b: ArrayLike<number>, mask: ArrayLike<number>, width: number, height: number, channels: number): number {
  const n = width * height;
  const B = mask.length / n;
  if (!Number.isInteger(B) || a.length !== b.length || a.length !== mask.length * channels) throw new RangeError('maskedSsim: sizes do not agree');
  const k = gaussianKernel(3, 1.5);
  const C1 = 0.01 ** 2, C2 = 0.03 ** 2;
  let sum = 0, count = 0;
  for (let bi = 0; bi < B; bi++) {
    for (let c = 0; c < channels; c++) {
      const x = new Float64Array(n), y = new Float64Array(n);
      for (let p = 0; p < n; p++) { x[p] = a[(bi * n + p) * channels + c]!; y[p] = b[(bi * n + p) * channels + c]!; }
      const mx = blur(x, width, height, k), my = blur(y, width, height, k);
      const xx = blur(x.map((v) => v * v), width, height, k), yy = blur(y.map((v) => v * v), width, height, k);
      const xy = blur(x.map((v, i) => v * y[i]!), width, height, k);
      for (let p = 0; p < n; p++) {
        if (!(mask[bi * n + p]! > 0.5)) continue;
        const vx = xx[p]! - mx[p]! ** 2, vy = yy[p]! - my[p]! ** 2, cxy = xy[p]! - mx[p]! * my[p]!;
        sum += ((2 * mx[p]! * my[p]! + C1) * (2 * cxy + C2)) / ((mx[p]! ** 2 + my[p]! ** 2 + C1) * (vx + vy + C2));
        count++;
      }
    }
  }
  if (count === 0) throw new RangeError('maskedSsim: empty mask');
  return sum / count;
}
