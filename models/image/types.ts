// Plain-data image types shared by the image I/O functions. Pixels are interleaved, row-major,
// top-left first (the layout sharp's `.raw()` produces and NHWC tensors use), 8 bits per sample.

/** An 8-bit RGB image: `data.length === width * height * 3`, layout [H, W, 3]. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** An 8-bit single-channel image (masks, label maps): `data.length === width * height`, layout [H, W]. */
export interface GreyImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** What `loadImage` returns: the upright RGB pixels plus where they came from. */
export interface LoadedImage extends RgbImage {
  /**
   * Upright pixel size of the source photo (after EXIF orientation). Equal to width/height as loaded;
   * kept as separate fields so code that later replaces `data` (resizes, crops) can still map a result
   * back to the photo's own resolution.
   */
  originalWidth: number;
  originalHeight: number;
  /** EXIF orientation that was applied (1 = none; 5–8 swap width and height). */
  orientation: number;
  /** True when the file had an alpha channel (dropped or composited, see LoadImageOptions.alpha). */
  hadAlpha: boolean;
  /** Container format as sharp reports it ('jpeg', 'png', 'webp', 'svg', ...). */
  format: string;
}

/** Throws unless `img` is a well-formed RgbImage; `what` names the argument in the message. */
export function assertRgbImage(img: RgbImage, what: string): void {
  if (!img || !(img.data instanceof Uint8Array)) {
    throw new TypeError(`${what}: expected an RgbImage {data: Uint8Array, width, height}, got ${describe(img)}`);
  }
  if (!Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width <= 0 || img.height <= 0) {
    throw new RangeError(`${what}: width and height must be positive integers, got ${img.width}×${img.height}`);
  }
  if (img.data.length !== img.width * img.height * 3) {
    throw new RangeError(
      `${what}: data has ${img.data.length} bytes, expected width·height·3 = ${img.width * img.height * 3} for ${img.width}×${img.height} RGB`,
    );
  }
}

/** Throws unless `img` is a well-formed GreyImage. */
export function assertGreyImage(img: GreyImage, what: string): void {
  if (!img || !(img.data instanceof Uint8Array)) {
    throw new TypeError(`${what}: expected a GreyImage {data: Uint8Array, width, height}, got ${describe(img)}`);
  }
  if (!Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width <= 0 || img.height <= 0) {
    throw new RangeError(`${what}: width and height must be positive integers, got ${img.width}×${img.height}`);
  }
  if (img.data.length !== img.width * img.height) {
    throw new RangeError(
      `${what}: data has ${img.data.length} bytes, expected width·height = ${img.width * img.height} for ${img.width}×${img.height} greyscale`,
    );
  }
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v !== 'object') return typeof v;
  const d = (v as { data?: unknown }).data;
  return `an object with data of type ${d === undefined ? 'undefined' : (d as object).constructor?.name ?? typeof d}`;
}
