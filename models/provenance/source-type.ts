// IPTC "digital source type" values (https://cv.iptc.org/newscodes/digitalsourcetype/) and the choice of
// one per engine task. This is the field that tells a reader, in machine-readable form, that an image was
// made by generative AI (IPTC Photo Metadata, Iptc4xmpExt:DigitalSourceType; C2PA actions carry the same URI).
//
// Why each task gets the value it gets (models/pipelines/tryon.ts):
//   try-on  -> compositeWithTrainedAlgorithmicMedia. Try-on is inpainting of a real photograph: only the
//              garment region (the mask) is synthesised; the person, pose, face and background come from
//              the model photo, and the result is pasted back into that photo's frame (with --repaint the
//              pixels outside the mask are the photo's own bytes). IPTC defines this value for "a mix or
//              merge of one or more elements, one or more of which are synthetic", which is that case.
//   pose    -> trainedAlgorithmicMedia. Pose transfer masks the whole canvas (spec §3.8): every output
//              pixel is generated. Pasting back into the target photo's frame only restores its size and
//              framing; no pixel of any photograph survives, so the image is wholly synthetic.
// When in doubt the engine must never claim less AI involvement than there was; both values say "AI".
export const IPTC_DIGITAL_SOURCE_TYPE_BASE = 'http://cv.iptc.org/newscodes/digitalsourcetype/';

export const DIGITAL_SOURCE_TYPES = {
  trainedAlgorithmicMedia: `${IPTC_DIGITAL_SOURCE_TYPE_BASE}trainedAlgorithmicMedia`,
  compositeWithTrainedAlgorithmicMedia: `${IPTC_DIGITAL_SOURCE_TYPE_BASE}compositeWithTrainedAlgorithmicMedia`,
} as const;

export type DigitalSourceType = (typeof DIGITAL_SOURCE_TYPES)[keyof typeof DIGITAL_SOURCE_TYPES];

export type EngineTask = 'tryon' | 'pose';

/** The IPTC digital source type of an engine output; see the comment at the top for the reasoning. */
export function digitalSourceTypeFor(task: EngineTask): DigitalSourceType {
  if (task === 'tryon') return DIGITAL_SOURCE_TYPES.compositeWithTrainedAlgorithmicMedia;
  if (task === 'pose') return DIGITAL_SOURCE_TYPES.trainedAlgorithmicMedia;
  throw new RangeError(`digitalSourceTypeFor: task = ${JSON.stringify(task)}; expected "tryon" or "pose"`);
}

/** True for the IPTC values that mean "generative AI was involved" (the two above). */
export function isAiSourceType(uri: string | null | undefined): boolean {
  return uri === DIGITAL_SOURCE_TYPES.trainedAlgorithmicMedia || uri === DIGITAL_SOURCE_TYPES.compositeWithTrainedAlgorithmicMedia;
}
