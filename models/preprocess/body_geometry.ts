// Body geometry derived from landmarks, standing in for the human-parsing labels the reference recipe
// uses (spec §3.2/3.4): torso, waist, hips, legs, face, neck, hands and feet as simple shapes. Every
// length is relative to the person's own proportions (shoulder width, torso length), so the shapes fit
// any framing; the proportions are rough anthropometric ratios, chosen so that the shape covers the
// garment region with a margin rather than hugging it (the person mask trims the excess).
import { landmark, type Landmark, type LandmarkName, type Point } from './keypoints.ts';

/** A landmark counts as inside the photo when BlazePose's presence is at least this. */
export const PRESENCE_THRESHOLD = 0.5;

const add = (a: Point, b: Point, k = 1): Point => ({ x: a.x + b.x * k, y: a.y + b.y * k });
const sub = (a: Point, b: Point): Point => ({ x: a.x - b.x, y: a.y - b.y });
const mid = (a: Point, b: Point): Point => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });
const len = (a: Point): number => Math.hypot(a.x, a.y);
const unit = (a: Point): Point => {
  const l = len(a) || 1;
  return { x: a.x / l, y: a.y / l };
};

export interface BodyGeometry {
  /** Unit vector from the shoulders' centre towards the hips' centre ("down" along the body). */
  down: Point;
  shoulderWidth: number;
  torsoLength: number;
  /** Torso quadrilateral from above the shoulders to below the hip joints (upper garments). */
  torso: Point[];
  /** Torso above the natural waist (what a lower-body garment must leave alone). */
  upperTorso: Point[];
  /** Waist-to-crotch pelvis quadrilateral (lower garments). */
  pelvis: Point[];
  /** Skirt trapezoid from the hips to below the knees (dresses, skirts). */
  skirt: Point[];
  /** Per side: hip → knee → ankle (extended a little past the ankle), with thigh and calf widths. */
  legs: { points: Point[]; thighWidth: number; calfWidth: number }[];
  /** Per side: shoulder, elbow, wrist. */
  arms: { side: 'left' | 'right'; shoulder: Point; elbow: Point; wrist: Point; wristPresent: boolean }[];
  /** Face ellipse (centre, semi-axes, angle of the rx axis in radians). */
  face: { centre: Point; rx: number; ry: number; angle: number };
  /** Neck quadrilateral from under the chin to the shoulder line. */
  neck: Point[];
  /** Hand outlines (wrist, knuckles, estimated fingertips) for hands inside the photo. */
  hands: { side: 'left' | 'right'; outline: Point[]; size: number }[];
  /** Foot outlines (ankle, heel, toes) for feet inside the photo. */
  feet: { side: 'left' | 'right'; outline: Point[]; size: number }[];
}

/** Which hands and feet are visible (see limb_visibility.ts); default: BlazePose presence alone. */
export interface LimbsSeen {
  hands: { left: boolean; right: boolean };
  feet: { left: boolean; right: boolean };
}

/** Derives the geometry from BlazePose landmarks, all in the same pixel frame as the landmarks. */
export function bodyGeometry(lms: Landmark[], seen?: LimbsSeen): BodyGeometry {
  const P = (n: LandmarkName): Landmark => landmark(lms, n);
  const ls = P('left_shoulder');
  const rs = P('right_shoulder');
  const lh = P('left_hip');
  const rh = P('right_hip');
  const S = mid(ls, rs);
  const H = mid(lh, rh);
  const shoulderWidth = Math.max(len(sub(ls, rs)), 1);
  // Side views shrink the shoulder width; the torso length keeps the shapes from collapsing.
  const torsoLength = Math.max(len(sub(H, S)), 0.8 * shoulderWidth, 1);
  const down = len(sub(H, S)) > 1e-6 ? unit(sub(H, S)) : { x: 0, y: 1 };
  const up = { x: -down.x, y: -down.y };
  const outL = unit(sub(ls, S));
  const outR = unit(sub(rs, S));
  const hipW = Math.max(len(sub(lh, rh)), 0.5 * shoulderWidth);
  const hipOutL = unit(sub(lh, H));
  const hipOutR = unit(sub(rh, H));

  // Shoulders: the deltoids stick out ~15 % of the joint distance and rise above the joints.
  const shoulderL = add(add(ls, outL, 0.15 * shoulderWidth), up, 0.1 * torsoLength);
  const shoulderR = add(add(rs, outR, 0.15 * shoulderWidth), up, 0.1 * torsoLength);
  // The body at hip level is ~1.9× the hip-joint distance wide; tops end a little below the joints.
  const hipL = add(add(lh, hipOutL, 0.45 * hipW), down, 0.12 * torsoLength);
  const hipR = add(add(rh, hipOutR, 0.45 * hipW), down, 0.12 * torsoLength);
  const torso = [shoulderL, shoulderR, hipR, hipL];

  // Natural waist: ~30 % of the torso above the hip joints; width interpolated along the torso sides.
  const waistT = 0.7;
  const waistL = add(shoulderL, sub(add(lh, hipOutL, 0.45 * hipW), shoulderL), waistT);
  const waistR = add(shoulderR, sub(add(rh, hipOutR, 0.45 * hipW), shoulderR), waistT);
  const upperTorso = [shoulderL, shoulderR, waistR, waistL];
  const crotch = 0.35 * torsoLength;
  const pelvis = [waistL, waistR, add(add(rh, hipOutR, 0.45 * hipW), down, crotch), add(add(lh, hipOutL, 0.45 * hipW), down, crotch)];

  const legs = (['left', 'right'] as const).map((side) => {
    const hip = P(`${side}_hip`);
    const knee = P(`${side}_knee`);
    const ankle = P(`${side}_ankle`);
    const shin = sub(ankle, knee);
    return { points: [hip, knee, add(ankle, shin, 0.08)], thighWidth: 1.0 * hipW, calfWidth: 0.65 * hipW };
  });
  const kneeL = P('left_knee');
  const kneeR = P('right_knee');
  const kneeMid = mid(kneeL, kneeR);
  const hemDrop = 0.25 * len(sub(mid(P('left_ankle'), P('right_ankle')), kneeMid));
  const hemHalf = 0.5 * len(sub(kneeL, kneeR)) + 0.6 * hipW;
  const skirt = [
    add(add(lh, hipOutL, 0.5 * hipW), up, 0.1 * torsoLength),
    add(add(rh, hipOutR, 0.5 * hipW), up, 0.1 * torsoLength),
    add(add(kneeMid, hipOutR, hemHalf), down, hemDrop),
    add(add(kneeMid, hipOutL, hemHalf), down, hemDrop),
  ];

  const arms = (['left', 'right'] as const).map((side) => {
    const w = P(`${side}_wrist`);
    return { side, shoulder: P(`${side}_shoulder`) as Point, elbow: P(`${side}_elbow`) as Point, wrist: w as Point, wristPresent: w.presence >= PRESENCE_THRESHOLD };
  });

  // Face: forehead top ≈ eyes − 1.4·(eyes→mouth), chin ≈ mouth + 0.9·(eyes→mouth).
  const eyes = mid(P('left_eye'), P('right_eye'));
  const mouth = mid(P('mouth_left'), P('mouth_right'));
  const em = Math.max(len(sub(mouth, eyes)), 0.12 * shoulderWidth);
  const faceDown = len(sub(mouth, eyes)) > 1e-6 ? unit(sub(mouth, eyes)) : down;
  const top = add(eyes, faceDown, -1.4 * em);
  const chin = add(mouth, faceDown, 0.9 * em);
  const earW = len(sub(P('left_ear'), P('right_ear')));
  const eyeW = len(sub(P('left_eye'), P('right_eye')));
  const rx = Math.max(0.55 * earW, 1.1 * eyeW, 0.9 * em);
  const face = { centre: mid(top, chin), rx, ry: len(sub(chin, top)) / 2, angle: Math.atan2(faceDown.y, faceDown.x) - Math.PI / 2 };

  // Neck: from just above the chin (so it overlaps the face ellipse) down to the shoulder line.
  const side = { x: -faceDown.y, y: faceDown.x };
  const neckHalfTop = 0.55 * rx;
  const neckHalfBottom = Math.max(0.6 * rx, 0.2 * shoulderWidth);
  const neckTop = add(chin, faceDown, -0.3 * em);
  const neck = [add(neckTop, side, -neckHalfTop), add(neckTop, side, neckHalfTop), add(S, side, neckHalfBottom), add(S, side, -neckHalfBottom)];

  const hands = (['left', 'right'] as const).flatMap((s) => {
    const wr = P(`${s}_wrist`);
    if (seen ? !seen.hands[s] : wr.presence < PRESENCE_THRESHOLD) return [];
    const knuckles = [P(`${s}_pinky`), P(`${s}_index`), P(`${s}_thumb`)] as Point[];
    // The hand landmarks are knuckles; fingers reach ~0.9× the wrist-to-knuckle distance further.
    const tips = knuckles.slice(0, 2).map((k) => add(k, sub(k, wr), 0.9));
    const size = Math.max(...knuckles.map((k) => len(sub(k, wr))), 1);
    return [{ side: s, outline: [wr, ...knuckles, ...tips], size }];
  });
  const feet = (['left', 'right'] as const).flatMap((s) => {
    const an = P(`${s}_ankle`);
    if (seen ? !seen.feet[s] : an.presence < PRESENCE_THRESHOLD) return [];
    const heel = P(`${s}_heel`);
    const toe = P(`${s}_foot_index`);
    return [{ side: s, outline: [an, heel, toe] as Point[], size: Math.max(len(sub(toe, heel)), 1) }];
  });

  return { down, shoulderWidth, torsoLength, torso, upperTorso, pelvis, skirt, legs, arms, face, neck, hands, feet };
}

/** Scales every point of a landmark list (photo → working frame). */
export function scaleLandmarks(lms: Landmark[], sx: number, sy: number): Landmark[] {
  return lms.map((p) => ({ ...p, x: p.x * sx, y: p.y * sy }));
}
