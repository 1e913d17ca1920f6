// IPTC "digital source type" values (https://cv.iptc.org/newscodes/digitalsourcetype/) and the choice of
// one per engine task. This is the field that tells a reader, in machine-readable form, that an image was
// made by generative AI (IPTC Photo Metadata, Iptc4xmpExt:DigitalSourceType; C2PA actions carry the same URI).
//
// Which value an output gets (issue #14; models/pipelines/tryon.ts):
//   compositeWithTrainedAlgorithmicMedia  when the generated image is pasted back into the original photo,
//              i.e. try-on with repaint: the pixels outside the mask are the photo's own bytes, so the file
//              is "a mix or merge of one or more elements, one or more of which are synthetic" (IPTC).
//   trainedAlgorithmicMedia  otherwise: every pixel was decoded from the diffusion latent. A try-on without
//              repaint reproduces the person, but no photo pixel survives; pose transfer masks the whole
//              canvas (spec §3.8), and pasting into the target frame restores only its size and framing.
// Both values say "made by generative AI"; an output is never marked with less AI involvement than it had.
export const IPTC_DIGITAL_SOURCE_TYPE_BASE = 'http://cv.iptc.org/newscodes/digitalsourcetype/';

export const DIGITAL_SOURCE_TYPES = {
  trainedAlgorithmicMedia: `${IPTC_DIGITAL_SOURCE_TYPE_BASE}trainedAlgorithmicMedia`,
  compositeWithTrainedAlgorithmicMedia: `${IPTC_DIGITAL_SOURCE_TYPE_BASE}compositeWithTrainedAlgorithmicMedia`,
} as const;

export type DigitalSourceType = (typeof DIGITAL_SOURCE_TYPES)[keyof typeof DIGITAL_SOURCE_TYPES];

export type EngineTask = 'tryon' | 'pose';

/** The IPTC digital source type of an engine output; `pastedBack`: try-on with repaint (see above). */
export function digitalSourceTypeFor(task: EngineTask, pastedBack = false): DigitalSourceType {
  if (task === 'tryon') return pastedBack ? DIGITAL_SOURCE_TYPES.compositeWithTrainedAlgorithmicMedia : DIGITAL_SOURCE_TYPES.trainedAlgorithmicMedia;
  if (task === 'pose') return DIGITAL_SOURCE_TYPES.trainedAlgorithmicMedia;
  throw new RangeError(`digitalSourceTypeFor: task = ${JSON.stringify(task)}; expected "tryon" or "pose"`);
}

/** True for the IPTC values that mean "generative AI was involved" (the two above). */
export function isAiSourceType(uri: string | null | undefined): boolean {
  return uri === DIGITAL_SOURCE_TYPES.trainedAlgorithmicMedia || uri === DIGITAL_SOURCE_TYPES.compositeWithTrainedAlgorithmicMedia;
}
