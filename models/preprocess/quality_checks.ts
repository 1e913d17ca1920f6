// Output quality checks: pure functions on a generated result, its inputs and its mask. Each returns
// a number, the threshold it was judged against and a 'pass' / 'warn' verdict. Thresholds (README.md):
// - garment colour:  ΔE00 between the garment's median colour and the generated garment region's
//                    median colour; warn above 8 (clearly a different shade, not just the shading of a
//                    worn garment; users report colour drift: CatVTON#11, Leffa#9);
// - outside change:  mean ΔE76 over pixels outside the (grown) mask; warn above 2 (the VAE round trip
//                    alone costs ~1–2; more means the background or face was repainted), or when more
//                    than 2 % of those pixels changed by more than 10;
// - old-garment leak: share of the region the old garment covered but the new one should not (e.g.
//                    forearms when going from long to short sleeves, CatVTON#89) that still shows the
//                    old garment's colour in the result; warn above 25 %.
import type { GreyImage, RgbImage } from '../image/index.ts';
import { assertGreyImage, assertRgbImage } from '../image/index.ts';
import { binarise } from './binary_mask.ts';
import { deltaE2000, deltaE76, medianLab, srgbToLab, type Lab } from './colour.ts';
import { dilateDisc } from './morphology.ts';

export type Verdict = 'pass' | 'warn';

export interface CheckResult {
  value: number;
  threshold: number;
  verdict: Verdict;
  /** One sentence for the UI. */
  message: string;
}

export const QUALITY_THRESHOLDS = Object.freeze({
  garmentDeltaE: 8,
  outsideMeanDeltaE: 2,
  outsideChangedShare: 0.02,
  outsidePixelDeltaE: 10,
  leakShare: 0.25,
  /** ΔE00 to the old garment's colour under which a pixel "shows the old garment". */
  leakColourDeltaE: 10,
});

function checkSame(a: { width: number; height: number }, b: { width: number; height: number }, fn: string, an: string, bn: string): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new RangeError(`${fn}: ${an} is ${a.width}×${a.height} but ${bn} is ${b.width}×${b.height}; expected equal sizes`);
  }
}

/**
 * Colour fidelity: garment image + its mask (e.g. cleanGarment's canvas and alpha) against the result
 * and the region where the new garment was generated (e.g. the agnostic mask ∩ the person).
 */
export function garmentColourCheck(input: { garment: RgbImage; garmentMask: GreyImage; result: RgbImage; resultRegion: GreyImage }): CheckResult & {
  garmentLab: Lab;
  resultLab: Lab;
} {
  const { garment, garmentMask, result, resultRegion } = input;
  assertRgbImage(garment, 'garmentColourCheck: garment');
  assertGreyImage(garmentMask, 'garmentColourCheck: garmentMask');
  assertRgbImage(result, 'garmentColourCheck: result');
  assertGreyImage(resultRegion, 'garmentColourCheck: resultRegion');
  checkSame(garment, garmentMask, 'garmentColourCheck', 'garment', 'garmentMask');
  checkSame(result, resultRegion, 'garmentColourCheck', 'result', 'resultRegion');
  const g = medianLab(garment.data, garmentMask.data);
  const r = medianLab(result.data, resultRegion.data);
  if (!g) throw new RangeError('garmentColourCheck: garmentMask is empty; expected the garment pixels');
  if (!r) throw new RangeError('garmentColourCheck: resultRegion is empty; expected the generated garment region');
  const value = deltaE2000(g, r);
  const threshold = QUALITY_THRESHOLDS.garmentDeltaE;
  const verdict: Verdict = value <= threshold ? 'pass' : 'warn';
  return {
    value,
    threshold,
    verdict,
    garmentLab: g,
    resultLab: r,
    message:
      verdict === 'pass'
        ? `garment colour kept (ΔE00 ${value.toFixed(1)} ≤ ${threshold})`
        : `garment colour drifted: ΔE00 ${value.toFixed(1)} between the garment and the result (> ${threshold})`,
  };
}

/**
 * Change outside the mask: mean ΔE76 between original and result over pixels farther than `margin`
 * pixels from the mask (the margin absorbs repaint blending at the mask edge).
 */
export function outsideChangeCheck(input: { original: RgbImage; result: RgbImage; mask: GreyImage; margin?: number }): CheckResult & {
  changedShare: number;
} {
  const { original, result, mask } = input;
  const margin = input.margin ?? 16;
  assertRgbImage(original, 'outsideChangeCheck: original');
  assertRgbImage(result, 'outsideChangeCheck: result');
  assertGreyImage(mask, 'outsideChangeCheck: mask');
  checkSame(original, result, 'outsideChangeCheck', 'original', 'result');
  checkSame(original, mask, 'outsideChangeCheck', 'original', 'mask');
  const grown = dilateDisc(binarise(mask), margin);
  let sum = 0;
  let n = 0;
  let changed = 0;
  const o = original.data;
  const r = result.data;
  for (let i = 0; i < grown.data.length; i++) {
    if (grown.data[i]) continue;
    n++;
    // Identical pixels are the common case (pasteBack keeps the photo outside the mask): skip the maths.
    if (o[3 * i] === r[3 * i] && o[3 * i + 1] === r[3 * i + 1] && o[3 * i + 2] === r[3 * i + 2]) continue;
    const d = deltaE76(srgbToLab(o[3 * i], o[3 * i + 1], o[3 * i + 2]), srgbToLab(r[3 * i], r[3 * i + 1], r[3 * i + 2]));
    sum += d;
    if (d > QUALITY_THRESHOLDS.outsidePixelDeltaE) changed++;
  }
  const value = n ? sum / n : 0;
  const changedShare = n ? changed / n : 0;
  const threshold = QUALITY_THRESHOLDS.outsideMeanDeltaE;
  const verdict: Verdict = value <= threshold && changedShare <= QUALITY_THRESHOLDS.outsideChangedShare ? 'pass' : 'warn';
  return {
    value,
    threshold,
    verdict,
    changedShare,
    message:
      verdict === 'pass'
        ? `outside the mask the photo is unchanged (mean ΔE ${value.toFixed(2)})`
        : `the result changed the photo outside the mask: mean ΔE ${value.toFixed(2)}, ${(100 * changedShare).toFixed(1)} % of those pixels changed visibly`,
  };
}

/**
 * Old-garment leak: `oldRegion` is where the old garment was in the original (e.g. the agnostic mask's
 * garment region or a user's selection), `newRegion` where the new garment should be. Pixels in
 * oldRegion \ newRegion that showed the old garment's colour in the original and still do in the result
 * are leaks.
 */
export function oldGarmentLeakCheck(input: { original: RgbImage; result: RgbImage; oldRegion: GreyImage; newRegion: GreyImage }): CheckResult & {
  exposedPixels: number;
} {
  const { original, result, oldRegion, newRegion } = input;
  assertRgbImage(original, 'oldGarmentLeakCheck: original');
  assertRgbImage(result, 'oldGarmentLeakCheck: result');
  assertGreyImage(oldRegion, 'oldGarmentLeakCheck: oldRegion');
  assertGreyImage(newRegion, 'oldGarmentLeakCheck: newRegion');
  for (const [img, name] of [[result, 'result'], [oldRegion, 'oldRegion'], [newRegion, 'newRegion']] as const) {
    checkSame(original, img, 'oldGarmentLeakCheck', 'original', name);
  }
  const threshold = QUALITY_THRESHOLDS.leakShare;
  const oldLab = medianLab(original.data, oldRegion.data);
  let exposed = 0;
  let leaked = 0;
  if (oldLab) {
    const o = original.data;
    const r = result.data;
    for (let i = 0; i < oldRegion.data.length; i++) {
      if (oldRegion.data[i] < 128 || newRegion.data[i] >= 128) continue;
      if (deltaE2000(srgbToLab(o[3 * i], o[3 * i + 1], o[3 * i + 2]), oldLab) > QUALITY_THRESHOLDS.leakColourDeltaE) continue;
      exposed++;
      if (deltaE2000(srgbToLab(r[3 * i], r[3 * i + 1], r[3 * i + 2]), oldLab) <= QUALITY_THRESHOLDS.leakColourDeltaE) leaked++;
    }
  }
  // Too few exposed pixels to judge (the new garment covers at least as much as the old one).
  const value = exposed >= 0.001 * original.width * original.height ? leaked / exposed : 0;
  const verdict: Verdict = value <= threshold ? 'pass' : 'warn';
  return {
    value,
    threshold,
    verdict,
    exposedPixels: exposed,
    message:
      verdict === 'pass'
        ? `no visible old-garment leak (${(100 * value).toFixed(0)} % of the uncovered old-garment area)`
        : `the old garment still shows outside the new garment's region (${(100 * value).toFixed(0)} % of ${exposed} pixels)`,
  };
}
