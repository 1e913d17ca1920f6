// Person analysis for one photo: keypoints with scores and a person mask, at any size and orientation,
// or a clear "no person found" result. Steps:
//   1. downscale to at most ANALYSIS_MAX_SIDE (the models see 192–256 px crops; more is wasted work),
//   2. MoveNet on the letterboxed photo → is there a person, which way is up, where is the body,
//   3. if MoveNet does not see an upright person, try the image turned by quarter turns (sideways or
//      upside-down shots without EXIF) and keep the turn where it sees the person best,
//   4. BlazePose on a body-centred crop (framed from MoveNet), then again on the crop framed by its own
//      alignment points (MediaPipe's tracking step, which recentres badly framed first crops),
//   5. map landmarks and mask back to the photo's frame.
import sharp from 'sharp';
import type { GreyImage, RgbImage } from '../image/index.ts';
import { assertRgbImage } from '../image/index.ts';
import { roiFromAlignment, runBlazePose, segmentationToImage, type BlazePoseResult } from './blazepose.ts';
import { landmark, type Landmark, type Point } from './keypoints.ts';
import { runMoveNet } from './movenet.ts';
import type { PoseModels } from './pose_models.ts';
import { inverseTurns, rotateImage, unrotatePoint, type QuarterTurns } from './rotate.ts';
import { wholeImageRoi, type Roi } from './roi.ts';

/** Longest side the models' input is cut from. */
export const ANALYSIS_MAX_SIDE = 768;
/** MoveNet score above which a keypoint counts as seen. */
export const KEYPOINT_THRESHOLD = 0.3;
/** BlazePose pose-flag probability above which the crop is accepted as a person. */
export const POSE_FLAG_THRESHOLD = 0.5;

export interface AnalysisTimings {
  resizeMs: number;
  movenetMs: number;
  blazeposeMs: number;
  totalMs: number;
}

export interface PersonFound {
  found: true;
  /** The photo's size; every coordinate below is in its pixels. */
  width: number;
  height: number;
  /** BlazePose's 33 landmarks (see keypoints.ts for score vs presence). */
  landmarks: Landmark[];
  /** MoveNet's 17 COCO keypoints (first pass). */
  coco: Landmark[];
  /** BlazePose's pose-flag probability for the final crop. */
  poseScore: number;
  /**
   * Person probability (0…255) at the analysis resolution, same aspect as the photo
   * (personMask.width / width is the scale). Resize with resizeMask for the photo's resolution.
   */
  personMask: GreyImage;
  /** Whether the person faces the camera, from the face landmarks' visibility. */
  facing: 'front' | 'back';
  /** Mean visibility of nose and eyes, 0…1 (the evidence behind `facing`). */
  faceVisibility: number;
  /** Clockwise quarter turns that made the person upright for the models. */
  rotation: QuarterTurns;
  timings: AnalysisTimings;
}

export interface PersonNotFound {
  found: false;
  width: number;
  height: number;
  /** Why: no keypoints, too few of them, or the pose model rejected the crop. */
  reason: string;
  timings: AnalysisTimings;
}

export type PersonAnalysis = PersonFound | PersonNotFound;

const CORE = ['nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder', 'right_shoulder', 'left_hip', 'right_hip'] as const;

/** Analyses the most prominent person in `photo` (upright RGB, e.g. from loadImage). */
export async function analysePerson(models: PoseModels, photo: RgbImage): Promise<PersonAnalysis> {
  assertRgbImage(photo, 'analysePerson: photo');
  const t0 = performance.now();
  const timings: AnalysisTimings = { resizeMs: 0, movenetMs: 0, blazeposeMs: 0, totalMs: 0 };
  const done = <T extends PersonAnalysis>(r: T): T => {
    timings.totalMs = performance.now() - t0;
    return r;
  };
  const { width, height } = photo;

  // 1. Analysis copy.
  const small = await downscale(photo, ANALYSIS_MAX_SIDE);
  timings.resizeMs = performance.now() - t0;

  // 2–3. MoveNet on the whole photo; when it does not see an upright person clearly, also on the photo
  //      turned by one, two and three quarter turns (MoveNet's scores collapse on sideways or upside-down
  //      people, so the best-scoring turn is the upright one), keeping the best.
  let t = performance.now();
  let k: QuarterTurns = 0;
  let img = small;
  let coco = await runMoveNet(models.movenet, small, wholeImageRoi(small.width, small.height));
  if (!personSeen(coco) || uprightTurns(coco) !== 0) {
    // (uprightTurns is null when the keypoints are too weak to tell which way is up.)
    let bestScore = coreScore(coco);
    for (const turns of [1, 2, 3] as const) {
      const turned = rotateImage(small, turns, 3);
      const kps = await runMoveNet(models.movenet, turned, wholeImageRoi(turned.width, turned.height));
      if (coreScore(kps) > bestScore + 0.05) {
        bestScore = coreScore(kps);
        k = turns;
        img = turned;
        coco = kps;
      }
    }
  }
  timings.movenetMs = performance.now() - t;
  const seen = CORE.filter((n) => landmark(coco, n).score > KEYPOINT_THRESHOLD);
  const shoulders = seen.filter((n) => n.endsWith('shoulder')).length;
  if (!personSeen(coco)) {
    return done({
      found: false,
      width,
      height,
      reason: `no person found: ${seen.length} of ${CORE.length} head/torso keypoints and ${shoulders} shoulders above score ${KEYPOINT_THRESHOLD} (need 3 and 1)`,
      timings,
    });
  }

  // 4. BlazePose, framed twice.
  t = performance.now();
  let best: { res: BlazePoseResult; roi: Roi } | undefined;
  let roi = roiFromKeypoints(coco);
  for (let pass = 0; pass < 2; pass++) {
    const res = await runBlazePose(models.blazepose, img, roi);
    if (!best || res.poseFlag >= best.res.poseFlag || res.poseFlag >= POSE_FLAG_THRESHOLD) best = { res, roi };
    const next = roiFromAlignment(res.alignment);
    // The second look only pays off when the first crop was badly framed.
    if (res.poseFlag >= POSE_FLAG_THRESHOLD && roisAgree(roi, next)) break;
    roi = next;
  }
  timings.blazeposeMs = performance.now() - t;
  const { res, roi: usedRoi } = best!;
  if (res.poseFlag < POSE_FLAG_THRESHOLD) {
    return done({
      found: false,
      width,
      height,
      reason: `no person found: the pose model's person probability is ${res.poseFlag.toFixed(2)} (need ≥ ${POSE_FLAG_THRESHOLD})`,
      timings,
    });
  }

  // 5. Back to the photo's frame.
  const sx = width / small.width;
  const sy = height / small.height;
  const toPhoto = (p: Landmark): Landmark => {
    const q = unrotatePoint(p, k, small.width, small.height);
    return { ...p, x: q.x * sx, y: q.y * sy };
  };
  const maskRot = segmentationToImage(res.segmentation, usedRoi, img.width, img.height);
  const personMask = rotateImage(maskRot, inverseTurns(k), 1);
  const landmarks = res.landmarks.map(toPhoto);
  const faceVisibility = (['nose', 'left_eye', 'right_eye'] as const).reduce((s, n) => s + landmark(landmarks, n).score, 0) / 3;
  return done({
    found: true,
    width,
    height,
    landmarks,
    coco: coco.map(toPhoto),
    poseScore: res.poseFlag,
    personMask,
    facing: faceVisibility >= 0.5 ? 'front' : 'back',
    faceVisibility,
    rotation: k,
    timings,
  });
}

/** Two crops frame the person alike: centres within 10 % of the size apart, sizes within 15 %. */
function roisAgree(a: Roi, b: Roi): boolean {
  return Math.hypot(a.cx - b.cx, a.cy - b.cy) < 0.1 * a.size && Math.abs(a.size - b.size) < 0.15 * a.size;
}

/** MoveNet sees a person: at least 3 head/torso keypoints, one of them a shoulder, above threshold. */
function personSeen(kps: Landmark[]): boolean {
  const seen = CORE.filter((n) => landmark(kps, n).score > KEYPOINT_THRESHOLD);
  return seen.length >= 3 && seen.some((n) => n.endsWith('shoulder'));
}

/** Mean MoveNet score of the head/torso keypoints: how clearly an upright person is seen. */
function coreScore(kps: Landmark[]): number {
  return CORE.reduce((s, n) => s + landmark(kps, n).score, 0) / CORE.length;
}

/** Antialiased downscale so the longest side is at most maxSide (copy-free when already small). */
async function downscale(img: RgbImage, maxSide: number): Promise<RgbImage> {
  const s = Math.min(1, maxSide / Math.max(img.width, img.height));
  if (s === 1) return img;
  const w = Math.max(1, Math.round(img.width * s));
  const h = Math.max(1, Math.round(img.height * s));
  const buf = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(w, h, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
  return { data: new Uint8Array(buf), width: w, height: h };
}

const mid = (a: Point, b: Point): Point => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });
const seenPt = (kps: Landmark[], n: Parameters<typeof landmark>[1]): Landmark | undefined => {
  const p = landmark(kps, n);
  return p.score > KEYPOINT_THRESHOLD ? p : undefined;
};

/**
 * Clockwise quarter turns that bring the body's head-ward direction closest to "up", or null when the
 * shoulders and the hips or nose are not all seen.
 */
export function uprightTurns(kps: Landmark[]): QuarterTurns | null {
  const ls = seenPt(kps, 'left_shoulder');
  const rs = seenPt(kps, 'right_shoulder');
  if (!ls || !rs) return null;
  const s = mid(ls, rs);
  const lh = seenPt(kps, 'left_hip');
  const rh = seenPt(kps, 'right_hip');
  const nose = seenPt(kps, 'nose');
  let up: Point | undefined;
  if (lh && rh) {
    const h = mid(lh, rh);
    up = { x: s.x - h.x, y: s.y - h.y };
  } else if (nose) {
    up = { x: nose.x - s.x, y: nose.y - s.y };
  }
  if (!up) return null;
  if (Math.abs(up.y) >= Math.abs(up.x)) return up.y <= 0 ? 0 : 2;
  // Head to the right needs a counter-clockwise turn (3 clockwise), head to the left one clockwise.
  return up.x > 0 ? 3 : 1;
}

/**
 * BlazePose's first crop from MoveNet keypoints, mimicking MediaPipe's detector box: centred on the
 * hip centre, side 2·1.25·(distance from the hips to the top of the head). When the hips are not seen
 * (portraits), they are placed one torso length below the shoulders, the torso estimated from the
 * shoulder width (≈1.35×) and the nose-to-shoulders distance (≈2.2×), whichever is larger.
 */
export function roiFromKeypoints(kps: Landmark[]): Roi {
  const ls = landmark(kps, 'left_shoulder');
  const rs = landmark(kps, 'right_shoulder');
  const sOk = [ls, rs].filter((p) => p.score > KEYPOINT_THRESHOLD);
  const s = sOk.length === 2 ? mid(ls, rs) : sOk[0] ?? mid(ls, rs);
  const lh = seenPt(kps, 'left_hip');
  const rh = seenPt(kps, 'right_hip');
  const nose = landmark(kps, 'nose');
  let hip: Point;
  let torso: number;
  if (lh && rh) {
    hip = mid(lh, rh);
    torso = Math.hypot(s.x - hip.x, s.y - hip.y);
  } else {
    const sw = sOk.length === 2 ? Math.hypot(ls.x - rs.x, ls.y - rs.y) : 0;
    const nd = nose.score > KEYPOINT_THRESHOLD ? Math.hypot(nose.x - s.x, nose.y - s.y) : 0;
    torso = Math.max(1.35 * sw, 2.2 * nd, 1);
    hip = { x: s.x, y: s.y + torso };
  }
  const radius = torso * 1.7; // hips → top of the head
  return { cx: hip.x, cy: hip.y, size: 2 * radius * 1.25 };
}
