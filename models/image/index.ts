// Image I/O for the pipelines: decoding photos, the reference canvas fit and its inverse, model input
// tensors, decoder output → uint8, PNG saving with text metadata, repaint, latent previews.
// Pure functions over plain data (no Electron, no database). See README.md in this folder.
export type { GreyImage, LoadedImage, RgbImage } from './types.ts';
export { assertGreyImage, assertRgbImage } from './types.ts';
export { asGrey, greyToRgb, rgbToGrey } from './grey.ts';
export { DEFAULT_MAX_PIXELS, ImageLoadError, loadImage } from './load_image.ts';
export type { LoadImageOptions } from './load_image.ts';
export { resizeBicubicOpenCV } from './resize_cubic.ts';
export {
  DEFAULT_CANVAS,
  canvasToSource,
  computePlacement,
  cropFromCanvas,
  fitToCanvas,
  pasteBack,
  restoreToOriginal,
  sourceToCanvas,
  validateCanvasSize,
} from './canvas_fit.ts';
export type { CanvasPlacement, FitOptions, FitResample } from './canvas_fit.ts';
export { denseposeToTensor, imageToTensor, maskToTensor } from './to_tensor.ts';
export type { DenseposeFormat } from './to_tensor.ts';
export { batchItem, floatToUint8, floatsToUint8, roundHalfEven, tensorToImageUint8 } from './to_uint8.ts';
export type { RgbBatch } from './to_uint8.ts';
export { crc32 } from '../io/crc32.ts';
export { insertPngText, parsePngText } from './png_text.ts';
export { encodePng, readPngText, writePng } from './write_png.ts';
export type { WritePngOptions } from './write_png.ts';
export { pilBoxRadius, pilGaussianBlur } from './pil_gaussian_blur.ts';
export { repaint, repaintRadius } from './repaint.ts';
export type { RepaintOptions } from './repaint.ts';
export { SD15_LATENT_RGB_FACTORS, latentPreview } from './latent_preview.ts';
export type { LatentPreviewOptions } from './latent_preview.ts';
