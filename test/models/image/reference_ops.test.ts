// Bit-exact checks against the reference's own libraries: data/reference-ops.json holds outputs of
// OpenCV cv2.resize(INTER_CUBIC), PIL GaussianBlur, PIL convert('L') and the NumPy repaint blend
// (regenerate with data/make_reference_ops.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resizeBicubicOpenCV } from '../../../models/image/resize_cubic.ts';
import { pilBoxRadius, pilGaussianBlur } from '../../../models/image/pil_gaussian_blur.ts';
import { repaint, repaintRadius } from '../../../models/image/repaint.ts';
import { rgbToGrey } from '../../../models/image/grey.ts';

const ref = JSON.parse(readFileSync(new URL('./data/reference-ops.json', import.meta.url), 'utf8'));
const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));

function countDiff(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

test('resizeBicubicOpenCV equals cv2.resize(INTER_CUBIC) byte for byte', () => {
  const src = { data: bytes(ref.resize.src.rgb), width: ref.resize.src.width, height: ref.resize.src.height };
  for (const c of ref.resize.cases) {
    const out = resizeBicubicOpenCV(src, c.width, c.height);
    assert.equal(countDiff(out.data, bytes(c.rgb)), 0, `${c.width}×${c.height}`);
  }
});

test('pilGaussianBlur equals PIL ImageFilter.GaussianBlur byte for byte', () => {
  const mask = { data: bytes(ref.blur.mask), width: ref.blur.width, height: ref.blur.height };
  for (const c of ref.blur.cases) {
    assert.equal(countDiff(pilGaussianBlur(mask, c.radius).data, bytes(c.grey)), 0, `radius ${c.radius}`);
  }
  // PIL's box radius for σ = 11 (3 passes): l = 10, a ≈ 0.4773.
  assert.ok(Math.abs(pilBoxRadius(11) - 10.4773) < 1e-4, String(pilBoxRadius(11)));
});

test('repaint equals the reference blend (blur radius h//100 bumped to odd, truncation)', () => {
  assert.deepEqual([repaintRadius(1024), repaintRadius(64), repaintRadius(900), repaintRadius(1100)], [11, 1, 9, 11]);
  const r = ref.repaint;
  const img = (b64: string) => ({ data: bytes(b64), width: r.width, height: r.height });
  const out = repaint(img(r.src), img(r.gen), { data: bytes(r.mask), width: r.width, height: r.height });
  assert.equal(countDiff(out.data, bytes(r.out)), 0);
  // Where the blurred mask is 0 the source survives untouched; 255 everywhere takes the generated image.
  const zero = repaint(img(r.src), img(r.gen), { data: new Uint8Array(r.width * r.height), width: r.width, height: r.height });
  assert.deepEqual(zero.data, bytes(r.src));
  assert.throws(() => repaint(img(r.src), img(r.gen), { data: new Uint8Array(4), width: 2, height: 2 }), /mask is 2×2, expected the generated image's size 48×64/);
});

test("rgbToGrey equals PIL convert('L')", () => {
  const g = ref.grey;
  assert.equal(countDiff(rgbToGrey({ data: bytes(g.rgb), width: g.width, height: g.height }).data, bytes(g.l)), 0);
});
