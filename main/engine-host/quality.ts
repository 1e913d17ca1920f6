// The automatic quality checks of a try-on result (models/preprocess/quality_checks.ts), run in the engine
// worker right after generation, so main's event loop never does the pixel work. They need the result, the
// person photo, the garment photo and the mask, all in the person photo's frame:
// - garment colour: the garment's non-white pixels against the result inside the mask;
// - outside change: the person photo against the result outside the (grown) mask;
// - old-garment leak: the old garment is assumed inside the mask (that is what the mask covers); the new
//   garment's region is the part of the mask whose result pixels have the garment's colour (ΔE00 ≤ 15), so
//   the leak is mask pixels that showed the old garment's colour and still do, outside the new garment.
// A check that cannot run (an empty mask, a garment photo with no non-white pixel) is left out and says
// why in `skipped`; it never fails the cell.
import sharp from 'sharp';
import { loadImage, type GreyImage, type RgbImage } from '../../models/image/index.ts';
import { deltaE2000, srgbToLab } from '../../models/preprocess/colour.ts';
import { garmentColourCheck, oldGarmentLeakCheck, outsideChangeCheck, type CheckResult } from '../../models/preprocess/quality_checks.ts';

export interface QualityReport {
  garmentColour?: CheckResult;
  outsideChange?: CheckResult & { changedShare: number };
  oldGarmentLeak?: CheckResult & { exposedPixels: number };
  /** Checks left out, with why. */
  skipped: string[];
  ms: number;
}

/** A garment pixel is one that is not (near) white: flat-lays are shot or cut out on white. */
const WHITE = 235;
/** Result pixels inside the mask this close (ΔE00) to the garment's colour are the new garment. */
const NEW_GARMENT_DELTA_E = 15;

async function maskAt(path: string, width: number, height: number): Promise<GreyImage> {
  const { data, info } = await sharp(path).greyscale().resize(width, height, { fit: 'fill', kernel: 'nearest' }).raw().toBuffer({ resolveWithObject: true });
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = data[i * info.channels]! >= 128 ? 255 : 0;
  return { data: out, width, height };
}

async function garmentPixels(path: string): Promise<{ garment: RgbImage; garmentMask: GreyImage }> {
  const g = await loadImage(path, { what: 'garment image', alpha: 'white' });
  const garment: RgbImage = { data: g.data, width: g.width, height: g.height };
  const m = new Uint8Array(g.width * g.height);
  for (let i = 0; i < m.length; i++) m[i] = g.data[3 * i]! < WHITE || g.data[3 * i + 1]! < WHITE || g.data[3 * i + 2]! < WHITE ? 255 : 0;
  return { garment, garmentMask: { data: m, width: g.width, height: g.height } };
}

export async function tryOnQuality(inputs: { person: string; garment: string; mask: string }, result: RgbImage): Promise<QualityReport> {
  const t0 = performance.now();
  const skipped: string[] = [];
  const report: QualityReport = { skipped, ms: 0 };
  const person = await loadImage(inputs.person, { what: 'person image' });
  const original: RgbImage = { data: person.data, width: person.width, height: person.height };
  if (original.width !== result.width || original.height !== result.height) {
    skipped.push(`all: the result is ${result.width}×${result.height} but the person photo ${original.width}×${original.height}`);
    report.ms = performance.now() - t0;
    return report;
  }
  const mask = await maskAt(inputs.mask, result.width, result.height);
  const maskOn = mask.data.some((v) => v > 0);
  try {
    report.outsideChange = outsideChangeCheck({ original, result, mask });
  } catch (err) {
    skipped.push(`outsideChange: ${(err as Error).message}`);
  }
  if (!maskOn) {
    skipped.push('garmentColour, oldGarmentLeak: the mask is empty');
  } else {
    try {
      const { garment, garmentMask } = await garmentPixels(inputs.garment);
      const colour = garmentColourCheck({ garment, garmentMask, result, resultRegion: mask });
      const { garmentLab, resultLab: _r, ...check } = colour;
      report.garmentColour = check;
      const newRegion = new Uint8Array(mask.data.length);
      for (let i = 0; i < newRegion.length; i++) {
        if (!mask.data[i]) continue;
        const lab = srgbToLab(result.data[3 * i]!, result.data[3 * i + 1]!, result.data[3 * i + 2]!);
        if (deltaE2000(lab, garmentLab) <= NEW_GARMENT_DELTA_E) newRegion[i] = 255;
      }
      report.oldGarmentLeak = oldGarmentLeakCheck({ original, result, oldRegion: mask, newRegion: { data: newRegion, width: mask.width, height: mask.height } });
    } catch (err) {
      skipped.push(`garmentColour, oldGarmentLeak: ${(err as Error).message}`);
    }
  }
  report.ms = performance.now() - t0;
  return report;
}
