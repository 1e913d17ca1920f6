// An approximate DensePose map synthesised from the pose landmarks and the person mask, for when the
// user has no DensePose image (the DensePose model itself is a detectron2 R-50-FPN we do not ship).
// Every person-mask pixel goes to the body part whose limb segment is nearest, distances measured in
// units of that limb's typical radius (so a thick torso and a thin forearm compete fairly); front or
// back from the face's visibility; U runs along the limb (0 at its proximal joint, 1 at the distal one),
// V across it (0.5 on the axis). It is a coarse stand-in: the result is labelled 'approximated' in the
// map and in the PNG metadata it produces, and should be replaced by a real DensePose map when one
// is available.
import type { PersonFound } from './analyse_person.ts';
import { binarise } from './binary_mask.ts';
import { bodyGeometry, scaleLandmarks } from './body_geometry.ts';
import type { DenseposeMap } from './densepose_map.ts';
import { partIndex, type BodySegment } from './densepose_parts.ts';
import { landmark, type Landmark, type Point } from './keypoints.ts';
import { resizeMask } from './resize_mask.ts';

interface Limb {
  segment: BodySegment;
  side: 'left' | 'right';
  a: Point;
  b: Point;
  radius: number;
}

export interface ApproximateDenseposeOptions {
  /** Longest side of the map (default 1024: enough for the 768×1024 canvas; resize/fit it after). */
  maxSide?: number;
}

/** Synthesises a DensePose map (parts, U, V) for a found person, at the photo's aspect ratio. */
export async function approximateDensepose(person: PersonFound, options: ApproximateDenseposeOptions = {}): Promise<DenseposeMap> {
  if (!person || person.found !== true) throw new TypeError('approximateDensepose: person must be a PersonFound result of analysePerson');
  const maxSide = options.maxSide ?? 1024;
  if (!Number.isInteger(maxSide) || maxSide < 16) throw new RangeError(`approximateDensepose: maxSide must be an integer ≥ 16, got ${maxSide}`);
  const s = Math.min(1, maxSide / Math.max(person.width, person.height));
  const W = Math.max(1, Math.round(person.width * s));
  const H = Math.max(1, Math.round(person.height * s));
  const lms = scaleLandmarks(person.landmarks, W / person.width, H / person.height);
  const fg = binarise(await resizeMask(person.personMask, W, H), 128);
  const limbs = limbsOf(lms);
  const view = person.facing;

  // The head is split down the middle into its left and right halves: the person's left is the side the
  // left shoulder is on (reliable from the front and from the back alike).
  const ls = landmark(lms, 'left_shoulder');
  const rs = landmark(lms, 'right_shoulder');
  const leftward = { x: ls.x - rs.x, y: ls.y - rs.y };

  const parts = new Uint8Array(W * H);
  const u = new Uint8Array(W * H);
  const v = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      if (!fg.data[i]) continue;
      const px = x + 0.5;
      const py = y + 0.5;
      let best: Limb | undefined;
      let bestScore = Infinity;
      let bestT = 0;
      let bestAcross = 0;
      for (const limb of limbs) {
        const dx = limb.b.x - limb.a.x;
        const dy = limb.b.y - limb.a.y;
        const len2 = dx * dx + dy * dy || 1;
        const t = Math.max(0, Math.min(1, ((px - limb.a.x) * dx + (py - limb.a.y) * dy) / len2));
        const qx = limb.a.x + t * dx;
        const qy = limb.a.y + t * dy;
        const score = Math.hypot(px - qx, py - qy) / limb.radius;
        if (score < bestScore) {
          bestScore = score;
          best = limb;
          bestT = t;
          // Signed distance across the limb, in radii (cross product with the unit axis).
          bestAcross = ((px - limb.a.x) * dy - (py - limb.a.y) * dx) / Math.sqrt(len2) / limb.radius;
        }
      }
      if (!best) continue;
      let side = best.side;
      if (best.segment === 'head') {
        side = (px - best.a.x) * leftward.x + (py - best.a.y) * leftward.y >= 0 ? 'left' : 'right';
      }
      parts[i] = partIndex(best.segment, side, view);
      u[i] = Math.round(255 * bestT);
      v[i] = Math.round(255 * Math.max(0, Math.min(1, 0.5 + bestAcross / 2)));
    }
  }
  return {
    width: W,
    height: H,
    parts,
    u,
    v,
    source: 'approximated',
    provenance: `approximated from pose landmarks and the person mask (facing ${view}); not a DensePose model output`,
  };
}

/** Limb segments with radii proportional to the shoulder width (rough adult proportions). */
function limbsOf(lms: Landmark[]): Limb[] {
  const P = (n: Parameters<typeof landmark>[1]): Landmark => landmark(lms, n);
  const g = bodyGeometry(lms);
  const sw = g.shoulderWidth;
  const mid = (a: Point, b: Point): Point => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });
  const S = mid(P('left_shoulder'), P('right_shoulder'));
  const Hc = mid(P('left_hip'), P('right_hip'));
  // face.angle is the direction of the ellipse's rx axis; "up" the face is perpendicular to it.
  const faceUp = { x: Math.sin(g.face.angle), y: -Math.cos(g.face.angle) };
  const along = (p: Point, d: Point, k: number): Point => ({ x: p.x + d.x * k, y: p.y + d.y * k });
  const out: Limb[] = [
    { segment: 'torso', side: 'left', a: S, b: Hc, radius: 0.55 * sw },
    // Head: from the chin to the crown along the face axis; the radius covers hair.
    { segment: 'head', side: 'left', a: along(g.face.centre, faceUp, -0.6 * g.face.ry), b: along(g.face.centre, faceUp, 0.6 * g.face.ry), radius: 1.15 * g.face.rx },
  ];
  for (const side of ['left', 'right'] as const) {
    const sh = P(`${side}_shoulder`);
    const el = P(`${side}_elbow`);
    const wr = P(`${side}_wrist`);
    const hand = mid(P(`${side}_index`), P(`${side}_pinky`));
    const hip = P(`${side}_hip`);
    const kn = P(`${side}_knee`);
    const an = P(`${side}_ankle`);
    const toe = P(`${side}_foot_index`);
    const heel = P(`${side}_heel`);
    out.push(
      { segment: 'upper_arm', side, a: sh, b: el, radius: 0.2 * sw },
      { segment: 'lower_arm', side, a: el, b: wr, radius: 0.15 * sw },
      { segment: 'hand', side, a: wr, b: { x: hand.x + (hand.x - wr.x) * 0.6, y: hand.y + (hand.y - wr.y) * 0.6 }, radius: 0.13 * sw },
      { segment: 'upper_leg', side, a: hip, b: kn, radius: 0.3 * sw },
      { segment: 'lower_leg', side, a: kn, b: an, radius: 0.2 * sw },
      { segment: 'foot', side, a: heel, b: toe, radius: 0.13 * sw },
    );
  }
  return out;
}
