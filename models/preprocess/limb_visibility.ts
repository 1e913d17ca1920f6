// Whether a hand or foot is really visible, before the mask recipe protects it. BlazePose always
// predicts all 33 landmarks and, for limbs outside the frame, sometimes places them confidently on the
// torso (seen on the Grace Hopper portrait: "hands" on the medal ribbons, presence 0.7). A region is
// only protected when the two models agree: BlazePose sees the joint, MoveNet (which predicts
// independently, from the whole photo) sees it too, and both put it in about the same place.
import type { PersonFound } from './analyse_person.ts';
import { landmark } from './keypoints.ts';

export const LIMB_AGREEMENT = Object.freeze({
  /** BlazePose presence (in the frame) and visibility (not occluded) at least this. */
  presence: 0.5,
  visibility: 0.4,
  /** MoveNet score at least this. */
  movenetScore: 0.15,
  /** The two models' positions at most this many shoulder widths apart. */
  maxDistance: 0.5,
});

/** A joint both models have. */
export type SharedJoint = 'shoulder' | 'elbow' | 'wrist' | 'hip' | 'knee' | 'ankle';

/** True when the joint of `side` (wrist for hands, ankle for feet, knee for legs…) is seen by both models. */
export function jointSeen(person: PersonFound, joint: SharedJoint, side: 'left' | 'right'): boolean {
  const name = `${side}_${joint}` as const;
  const bp = landmark(person.landmarks, name);
  const mv = landmark(person.coco, name);
  const ls = landmark(person.landmarks, 'left_shoulder');
  const rs = landmark(person.landmarks, 'right_shoulder');
  const sw = Math.max(Math.hypot(ls.x - rs.x, ls.y - rs.y), 1);
  return (
    bp.presence >= LIMB_AGREEMENT.presence &&
    bp.score >= LIMB_AGREEMENT.visibility &&
    mv.score >= LIMB_AGREEMENT.movenetScore &&
    Math.hypot(bp.x - mv.x, bp.y - mv.y) <= LIMB_AGREEMENT.maxDistance * sw
  );
}
