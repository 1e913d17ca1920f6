// DensePose's 24 surface parts (fine segmentation index I; 0 = background). Indices and names as in
// the DensePose-COCO annotations ("1, 2 = Torso, 3 = Right Hand, 4 = Left Hand, 5 = Left Foot, 6 = Right
// Foot, 7, 9 = Upper Leg Right, …, 23, 24 = Head"); which index of each pair is the front and which the
// back follows the part names used by the DensePose authors' tools (Torso_Back = 1, Torso_Front = 2,
// R_upperLeg_back = 7, …, RFace = 23, LFace = 24). Left/right are the person's own sides.
export const DENSEPOSE_PART_NAMES: readonly string[] = [
  'background',
  'torso_back', 'torso_front', 'right_hand', 'left_hand', 'left_foot', 'right_foot',
  'right_upper_leg_back', 'left_upper_leg_back', 'right_upper_leg_front', 'left_upper_leg_front',
  'right_lower_leg_back', 'left_lower_leg_back', 'right_lower_leg_front', 'left_lower_leg_front',
  'left_upper_arm_front', 'right_upper_arm_front', 'left_upper_arm_back', 'right_upper_arm_back',
  'left_lower_arm_back', 'right_lower_arm_back', 'left_lower_arm_front', 'right_lower_arm_front',
  'right_head', 'left_head',
];

export type BodySegment = 'torso' | 'hand' | 'foot' | 'upper_leg' | 'lower_leg' | 'upper_arm' | 'lower_arm' | 'head';

/** Part index for a body segment, side and view. Hands, feet and head halves have no front/back split. */
export function partIndex(segment: BodySegment, side: 'left' | 'right', view: 'front' | 'back'): number {
  const L = side === 'left';
  const F = view === 'front';
  switch (segment) {
    case 'torso':
      return F ? 2 : 1;
    case 'hand':
      return L ? 4 : 3;
    case 'foot':
      return L ? 5 : 6;
    case 'upper_leg':
      return (L ? 8 : 7) + (F ? 2 : 0);
    case 'lower_leg':
      return (L ? 12 : 11) + (F ? 2 : 0);
    case 'upper_arm':
      return (L ? 15 : 16) + (F ? 0 : 2);
    case 'lower_arm':
      return (L ? 19 : 20) + (F ? 2 : 0);
    case 'head':
      return L ? 24 : 23;
  }
}

/** The person's side a part index belongs to ('none' for the torso and background). */
export function partSide(i: number): 'left' | 'right' | 'none' {
  const n = DENSEPOSE_PART_NAMES[i] ?? '';
  return n.startsWith('left') ? 'left' : n.startsWith('right') ? 'right' : 'none';
}
