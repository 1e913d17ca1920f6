// Landmark vocabularies. BlazePose's 33 landmarks are the analysis' main output (they include hands,
// feet and face points, which the mask recipe needs to protect those regions); MoveNet's 17 COCO
// keypoints find the person and frame the BlazePose crop. Left/right are the PERSON's own sides, as in
// both models and in OpenPose (spec §3.3): for a person facing the camera, left_* is on the image's right.

export const BLAZEPOSE_NAMES = [
  'nose', 'left_eye_inner', 'left_eye', 'left_eye_outer', 'right_eye_inner', 'right_eye', 'right_eye_outer',
  'left_ear', 'right_ear', 'mouth_left', 'mouth_right', 'left_shoulder', 'right_shoulder', 'left_elbow',
  'right_elbow', 'left_wrist', 'right_wrist', 'left_pinky', 'right_pinky', 'left_index', 'right_index',
  'left_thumb', 'right_thumb', 'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle',
  'right_ankle', 'left_heel', 'right_heel', 'left_foot_index', 'right_foot_index',
] as const;
export type LandmarkName = (typeof BLAZEPOSE_NAMES)[number];

export const COCO_NAMES = [
  'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder', 'right_shoulder', 'left_elbow',
  'right_elbow', 'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee', 'right_knee',
  'left_ankle', 'right_ankle',
] as const;
export type CocoName = (typeof COCO_NAMES)[number];

/** A 2-D point in photo pixels (pixel-edge convention: pixel i spans [i, i+1)). */
export interface Point {
  x: number;
  y: number;
}

/**
 * One landmark in photo pixels.
 * - score: confidence that the point is visible (BlazePose "visibility", MoveNet score), 0…1.
 * - presence: confidence that the point lies inside the photo at all (BlazePose), 0…1. Coordinates of
 *   points with low presence are extrapolated by the model (e.g. hips below the frame of a portrait);
 *   the mask geometry uses them as estimates, decisions such as "protect this hand" require presence.
 */
export interface Landmark extends Point {
  name: string;
  score: number;
  presence: number;
}

/** Looks a landmark up by name (throws for a name outside the vocabulary: a typo, not missing data). */
export function landmark(list: readonly Landmark[], name: LandmarkName | CocoName): Landmark {
  const p = list.find((k) => k.name === name);
  if (!p) throw new RangeError(`landmark: no landmark named ${name}; expected one of ${BLAZEPOSE_NAMES.join(', ')}`);
  return p;
}
