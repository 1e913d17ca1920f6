// Automatic "agnostic" masks for try-on, following the reference's VITON-HD recipe (spec §3.4,
// `get_agnostic_mask_hd`) with landmark geometry standing in for the parsing labels:
//   target  = dilate(garment region, 10×10, 5 iter) ∩ dilated person mask
//   arms    = dilate(60-px polylines shoulder→elbow→elbow+1.2·(wrist−elbow) + shoulder disc, 5×5, 4 iter)
//   neck    = dilate(neck, 5×5, 1) \ head                    (upper_body and dresses)
//   fixed   = erode(hands ∪ feet ∪ [lower_body: upper torso, arms], 5×5, 1) ∪ head
//   inpaint = (target ∪ arms ∪ neck) \ fixed → fill holes → \ fixed again → largest component
// All pixel parameters are in the reference's units: pixels of the 384×512 working canvas. The mask is
// computed on the photo scaled the way the reference scales it (fit inside 384×512, no padding) and
// then resized to the photo's resolution and binarised.
import type { GreyImage } from '../image/index.ts';
import type { PersonFound } from './analyse_person.ts';
import { bodyGeometry, scaleLandmarks, type BodyGeometry, type LimbsSeen } from './body_geometry.ts';
import { jointSeen } from './limb_visibility.ts';
import { binarise, countOn, emptyMask, intersect, subtract, toGrey, union, type BinaryMask } from './binary_mask.ts';
import { dilate, dilateDisc, erode } from './morphology.ts';
import { convexHull, drawDisc, drawEllipse, drawPolygon, drawPolyline } from './raster.ts';
import { fillHoles, largestComponent } from './regions.ts';
import { resizeMask } from './resize_mask.ts';

export type GarmentCategory = 'upper_body' | 'lower_body' | 'dresses';
export const GARMENT_CATEGORIES: readonly GarmentCategory[] = ['upper_body', 'lower_body', 'dresses'];

/** A rectangular OpenCV-style kernel applied `iterations` times. */
export interface RectMorph {
  kernel: number;
  iterations: number;
}

export interface AgnosticMaskParams {
  /** Growth of the garment region (reference: 10×10, 5 iterations ≈ +20…25 px). */
  targetDilation: RectMorph;
  /** How far (px) the mask may reach beyond the person's silhouette, for looser new garments. */
  personDilation: number;
  /**
   * How much of each arm the new garment may cover: 'full' (reference: to just past the wrist),
   * 'upper' (to the elbow: short sleeves), 'none' (arms kept: sleeveless over sleeveless).
   * Ignored for lower_body, whose garments never cover arms (arms are protected there).
   */
  armCoverage: 'full' | 'upper' | 'none';
  /** Arm polyline width (reference: 60 px) and shoulder disc radius (arc r=30 of width 30 → 45). */
  armWidth: number;
  shoulderRadius: number;
  /** Growth of the drawn arms (reference: 5×5, 4 iterations). */
  armDilation: RectMorph;
  /** 'include' regenerates the neck (collars; reference behaviour), 'protect' keeps it. */
  neck: 'include' | 'protect';
  /** Keep the face and head unchanged (reference: always). */
  protectFace: boolean;
  /** Keep hands unchanged, even where they rest on the garment (Leffa#54: hands disappear otherwise). */
  protectHands: boolean;
  /** Keep feet / shoes unchanged (reference: shoes are always fixed). */
  protectFeet: boolean;
  /** Margin (px) around the hand outline when protecting it. */
  handMargin: number;
  /** Erosion of the protected body parts before the head is added (reference: 5×5, 1 iteration). */
  fixedErosion: RectMorph;
}

export const DEFAULT_AGNOSTIC_PARAMS: Readonly<AgnosticMaskParams> = Object.freeze({
  targetDilation: { kernel: 10, iterations: 5 },
  personDilation: 15,
  armCoverage: 'full',
  armWidth: 60,
  shoulderRadius: 45,
  armDilation: { kernel: 5, iterations: 4 },
  neck: 'include',
  protectFace: true,
  protectHands: true,
  protectFeet: true,
  handMargin: 6,
  fixedErosion: { kernel: 5, iterations: 1 },
});

/** The working canvas the parameters are defined on (the reference's 384×512). */
export const WORKING_CANVAS = Object.freeze({ width: 384, height: 512 });

export interface AgnosticMaskResult {
  /** Binary mask at the photo's resolution: 255 = regenerate, 0 = keep. */
  mask: GreyImage;
  category: GarmentCategory;
  params: AgnosticMaskParams;
  /** Fraction of the photo the mask covers. */
  coverage: number;
  /** Things the user should know, e.g. the garment region is mostly outside the photo. */
  warnings: string[];
  /** Intermediate regions at the working resolution (for overlays and debugging). */
  regions: { target: BinaryMask; arms: BinaryMask; neck: BinaryMask; fixed: BinaryMask; person: BinaryMask; inpaint: BinaryMask };
}

/** Builds the agnostic mask for `category` from a person analysis. */
export async function agnosticMask(
  person: PersonFound,
  category: GarmentCategory,
  params: Partial<AgnosticMaskParams> = {},
): Promise<AgnosticMaskResult> {
  if (!person || person.found !== true) throw new TypeError('agnosticMask: person must be a PersonFound result of analysePerson (found: true)');
  if (!GARMENT_CATEGORIES.includes(category)) {
    throw new RangeError(`agnosticMask: category must be one of ${GARMENT_CATEGORIES.join(', ')}, got ${String(category)}`);
  }
  const p: AgnosticMaskParams = { ...DEFAULT_AGNOSTIC_PARAMS, ...params };
  validateParams(p);

  // Working frame: the photo scaled to fit 384×512 (what the reference's parameters are tuned for).
  const s = Math.min(WORKING_CANVAS.height / person.height, WORKING_CANVAS.width / person.width);
  const W = Math.max(1, Math.round(person.width * s));
  const H = Math.max(1, Math.round(person.height * s));
  const person01 = binarise(await resizeMask(person.personMask, W, H), 128);
  const personGrown = dilateDisc(person01, p.personDilation);
  const g = bodyGeometry(scaleLandmarks(person.landmarks, W / person.width, H / person.height), limbsSeen(person));

  // 1. Garment region by category, grown like the reference's target, trimmed to the person.
  const garment = emptyMask(W, H);
  if (category === 'upper_body' || category === 'dresses') drawPolygon(garment, g.torso);
  if (category === 'lower_body' || category === 'dresses') drawLower(garment, g);
  if (category === 'dresses') drawPolygon(garment, g.skirt);
  const target = intersect(dilate(garment, p.targetDilation.kernel, p.targetDilation.iterations), personGrown);

  // 2. Arms and neck (garments that may cover them).
  const coversArms = category !== 'lower_body' && p.armCoverage !== 'none';
  const armsDrawn = emptyMask(W, H);
  if (coversArms) {
    for (const a of g.arms) {
      const wristExt = { x: a.elbow.x + 1.2 * (a.wrist.x - a.elbow.x), y: a.elbow.y + 1.2 * (a.wrist.y - a.elbow.y) };
      drawPolyline(armsDrawn, p.armCoverage === 'full' ? [a.shoulder, a.elbow, wristExt] : [a.shoulder, a.elbow], p.armWidth);
      drawDisc(armsDrawn, a.shoulder, p.shoulderRadius);
    }
  }
  const arms = intersect(dilate(armsDrawn, p.armDilation.kernel, p.armDilation.iterations), personGrown);
  const head = emptyMask(W, H);
  if (p.protectFace) drawEllipse(head, g.face.centre, g.face.rx, g.face.ry, g.face.angle);
  let neck = emptyMask(W, H);
  if (category !== 'lower_body' && p.neck === 'include') {
    drawPolygon(neck, g.neck);
    neck = subtract(dilate(neck, 5, 1), head);
  }

  // 3. What must stay.
  const fixedParts = emptyMask(W, H);
  if (p.protectHands) {
    for (const h of g.hands) drawGrownHull(fixedParts, h.outline, p.handMargin + 0.15 * h.size);
  }
  if (p.protectFeet) {
    for (const f of g.feet) drawGrownHull(fixedParts, f.outline, 0.25 * f.size);
  }
  if (category === 'lower_body') {
    // The reference keeps upper clothes and arms when changing the lower garment.
    const upper = emptyMask(W, H);
    drawPolygon(upper, g.upperTorso);
    for (const a of g.arms) drawPolyline(upper, [a.shoulder, a.elbow, a.wrist], 0.75 * p.armWidth);
    fixedParts.data.set(union(fixedParts, intersect(upper, person01)).data);
  }
  const fixed = union(erode(intersect(fixedParts, personGrown), p.fixedErosion.kernel, p.fixedErosion.iterations), head);
  if (category === 'lower_body' && p.neck === 'protect') fixed.data.set(union(fixed, neckMask(g, W, H)).data);

  // 4. Combine and clean up. Fixed parts are removed again after the hole fill so a hand resting on
  //    the garment is not swallowed as a "hole".
  let inpaint = subtract(union(target, arms, neck), fixed);
  inpaint = largestComponent(subtract(fillHoles(inpaint), fixed));

  const warnings = maskWarnings(person, category, inpaint);
  const mask = await resizeMask(toGrey(inpaint), person.width, person.height, 128);
  return {
    mask,
    category,
    params: p,
    coverage: countOn(inpaint) / (W * H),
    warnings,
    regions: { target, arms, neck, fixed, person: person01, inpaint },
  };
}

function limbsSeen(person: PersonFound): LimbsSeen {
  return {
    hands: { left: jointSeen(person, 'wrist', 'left'), right: jointSeen(person, 'wrist', 'right') },
    feet: { left: jointSeen(person, 'ankle', 'left'), right: jointSeen(person, 'ankle', 'right') },
  };
}

function drawLower(m: BinaryMask, g: BodyGeometry): void {
  drawPolygon(m, g.pelvis);
  for (const leg of g.legs) {
    drawPolyline(m, leg.points.slice(0, 2), leg.thighWidth);
    drawPolyline(m, leg.points.slice(1), leg.calfWidth);
  }
}

function neckMask(g: BodyGeometry, W: number, H: number): BinaryMask {
  const m = emptyMask(W, H);
  drawPolygon(m, g.neck);
  return m;
}

/** Convex hull of the outline, grown by `margin` px (polyline around the hull with round joins). */
function drawGrownHull(m: BinaryMask, outline: { x: number; y: number }[], margin: number): void {
  const hull = convexHull(outline);
  drawPolygon(m, hull);
  drawPolyline(m, [...hull, hull[0]], 2 * margin);
}

function maskWarnings(person: PersonFound, category: GarmentCategory, inpaint: BinaryMask): string[] {
  const out: string[] = [];
  const pres = (n: string): number => person.landmarks.find((l) => l.name === n)?.presence ?? 0;
  const need =
    category === 'upper_body'
      ? ['left_shoulder', 'right_shoulder']
      : category === 'lower_body'
        ? ['left_hip', 'right_hip', 'left_knee', 'right_knee']
        : ['left_shoulder', 'right_shoulder', 'left_hip', 'right_hip'];
  const missing = need.filter((n) => pres(n) < 0.5);
  if (missing.length > 0) {
    out.push(`${category}: ${missing.join(', ')} appear to be outside the photo; the mask covers only the visible part of the garment region`);
  } else if (category === 'lower_body' && !jointSeen(person, 'knee', 'left') && !jointSeen(person, 'knee', 'right')) {
    // BlazePose extrapolates legs under a portrait's frame edge or onto props; MoveNet disagreeing is the tell.
    out.push('lower_body: the knees are not clearly visible; the leg region is a guess — check the mask');
  }
  if (countOn(inpaint) === 0) out.push(`${category}: the mask is empty (the garment region is not in the photo)`);
  return out;
}

function validateParams(p: AgnosticMaskParams): void {
  const num = (name: keyof AgnosticMaskParams, v: number, min = 0): void => {
    if (!Number.isFinite(v) || v < min) throw new RangeError(`agnosticMask: params.${name} must be a number ≥ ${min}, got ${v}`);
  };
  num('personDilation', p.personDilation);
  num('armWidth', p.armWidth);
  num('shoulderRadius', p.shoulderRadius);
  num('handMargin', p.handMargin);
  for (const k of ['targetDilation', 'armDilation', 'fixedErosion'] as const) {
    const r = p[k];
    if (!r || !Number.isInteger(r.kernel) || r.kernel < 1 || !Number.isInteger(r.iterations) || r.iterations < 0) {
      throw new RangeError(`agnosticMask: params.${k} must be {kernel: integer ≥ 1, iterations: integer ≥ 0}, got ${JSON.stringify(r)}`);
    }
  }
  if (!['full', 'upper', 'none'].includes(p.armCoverage)) {
    throw new RangeError(`agnosticMask: params.armCoverage must be 'full', 'upper' or 'none', got ${String(p.armCoverage)}`);
  }
  if (!['include', 'protect'].includes(p.neck)) throw new RangeError(`agnosticMask: params.neck must be 'include' or 'protect', got ${String(p.neck)}`);
}
