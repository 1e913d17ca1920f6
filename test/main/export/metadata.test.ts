// What an exported file carries: the provenance XMP (IPTC digital source type, generator, checkpoint) with
// the AI-generated label and the generation settings, read back with sharp (libvips) from PNG, JPEG and
// WebP; stripping removes all of it with the warning; C2PA-signed exports validate with the reader, and one
// edited image byte makes validation fail. The test certificate chain is made at run time (never committed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { renderImage } from '../../../main/export/image.ts';
import { AI_LABEL, DC_NS, markExport, type ResultFacts } from '../../../main/export/metadata.ts';
import { signExport } from '../../../main/export/sign.ts';
import { DIGITAL_SOURCE_TYPES, STRIP_WARNING, readProvenance, readXmpProperty, verifyC2pa, type ProvenanceFormat } from '../../../models/provenance/index.ts';
import { NS } from '../../../models/provenance/xmp-namespaces.ts';
import { GENERATOR_NAME, GENERATOR_VERSION } from '../../../models/version.ts';
import { makeTestPki, type TestPki, type TestSigner } from '../../models/provenance/test-certs.ts';

const H = (c: string) => c.repeat(64);
const facts = (repaint: boolean): ResultFacts => ({
  resultId: 12, seed: 4242, settings: { steps: 2, guidanceScale: 2.5, refAcceleration: false, repaint },
  repaint, checkpoint: { name: 'Leffa tiny', licence: 'MIT', source: null, sha256: H('c') },
  inputs: { person: H('a'), garment: H('b'), mask: H('d'), densepose: H('e') },
});

async function exported(format: ProvenanceFormat): Promise<Buffer> {
  const src = await sharp({ create: { width: 30, height: 40, channels: 3, background: { r: 120, g: 60, b: 200 } } }).png().toBuffer();
  return (await renderImage(src, { size: { width: 24, height: 32 }, fit: 'cover', format, quality: 85, background: '#ffffff' })).bytes;
}

let pki: TestPki;
let signer: TestSigner;
before(() => {
  pki = makeTestPki();
  signer = pki.issue('Leffa export signer', 'ec');
});
after(() => pki.cleanup());

for (const format of ['png', 'jpeg', 'webp'] as const) {
  test(`${format}: the XMP read back has the digital source type, generator, checkpoint, AI label and settings`, async () => {
    const { bytes, warnings } = markExport(await exported(format), format, facts(false), { embedSettings: true, strip: false });
    assert.deepEqual(warnings, []);
    const p = await readProvenance(bytes);
    assert.ok(p, 'the file has XMP');
    assert.equal(p.digitalSourceType, DIGITAL_SOURCE_TYPES.trainedAlgorithmicMedia);
    assert.deepEqual(p.generator, { name: GENERATOR_NAME, version: GENERATOR_VERSION });
    assert.deepEqual([p.checkpoint.name, p.checkpoint.licence], ['Leffa tiny', 'MIT']);
    assert.equal(readXmpProperty(p.xmp, NS.leffa, 'Label'), AI_LABEL);
    assert.equal(readXmpProperty(p.xmp, NS.leffa, 'Seed'), '4242');
    assert.match(p.xmp, new RegExp(`xmlns:dc="${DC_NS.replace(/[.]/g, '\\.')}"`));
    assert.match(p.xmp, /<dc:description><rdf:Alt><rdf:li xml:lang="x-default">AI-generated image/);
    const settings = JSON.parse(readXmpProperty(p.xmp, NS.leffa, 'GenerationSettings')!) as Record<string, unknown>;
    assert.deepEqual(settings, { seed: 4242, settings: facts(false).settings, checkpointSha256: H('c'), inputs: facts(false).inputs });
    // The pixels are the encoder's: marking spliced metadata in, it did not re-encode.
    assert.deepEqual(await sharp(bytes).raw().toBuffer(), await sharp(await exported(format)).raw().toBuffer());
  });
}

test('repaint on (pasted back into the photo) is marked compositeWithTrainedAlgorithmicMedia; settings can be left out', async () => {
  const { bytes } = markExport(await exported('jpeg'), 'jpeg', facts(true), { embedSettings: false, strip: false });
  const p = (await readProvenance(bytes))!;
  assert.equal(p.digitalSourceType, DIGITAL_SOURCE_TYPES.compositeWithTrainedAlgorithmicMedia);
  assert.equal(readXmpProperty(p.xmp, NS.leffa, 'GenerationSettings'), null);
  assert.equal(readXmpProperty(p.xmp, NS.leffa, 'Label'), AI_LABEL, 'the AI label stays even without settings');
});

test('strip removes every piece of metadata and always warns', async () => {
  for (const format of ['png', 'jpeg', 'webp'] as const) {
    const { bytes, warnings } = markExport(await exported(format), format, facts(false), { embedSettings: true, strip: true });
    assert.deepEqual(warnings, [STRIP_WARNING]);
    assert.equal(await readProvenance(bytes), null, `${format}: no XMP left`);
    const m = await sharp(bytes).metadata();
    assert.equal(m.exif, undefined);
    assert.equal(m.format, format);
  }
});

/** Offset of a byte of image data: inside the first IDAT (PNG) or after the SOS header (JPEG). */
function imageDataOffset(bytes: Buffer, format: ProvenanceFormat): number {
  if (format === 'png') return bytes.indexOf('IDAT', 8, 'latin1') + 4 + 2;
  if (format === 'webp') {
    const at = bytes.indexOf('VP8 ', 12, 'latin1') >= 0 ? bytes.indexOf('VP8 ', 12, 'latin1') : bytes.indexOf('VP8L', 12, 'latin1');
    assert.ok(at > 0, 'the WebP has a VP8/VP8L chunk');
    return at + 8 + 12; // inside the bitstream, past its frame header
  }
  let off = 2;
  while (bytes[off + 1] !== 0xda) off += 2 + bytes.readUInt16BE(off + 2);
  return off + 2 + bytes.readUInt16BE(off + 2) + 1;
}

for (const format of ['png', 'jpeg', 'webp'] as const) {
  test(`${format}: a C2PA-signed export validates with the reader (action, source type, ingredients by hash); one edited byte fails`, async () => {
    const { bytes } = markExport(await exported(format), format, facts(false), { embedSettings: true, strip: false });
    const signed = await signExport(bytes, format, facts(false), { ...signer, alg: 'es256' }, `look.${format}`);
    const v = await verifyC2pa(signed, format, { trustAnchorsPem: pki.rootPem });
    assert.equal(v.state, 'Trusted', JSON.stringify(v.failures));
    assert.ok(v.signatureValid && v.assetHashValid);
    assert.equal(v.manifest?.action, 'c2pa.created');
    assert.equal(v.manifest?.digitalSourceType, DIGITAL_SOURCE_TYPES.trainedAlgorithmicMedia);
    assert.deepEqual(v.manifest?.ingredients.map((g) => [g.title, g.sha256]), [['person photo', H('a')], ['garment photo', H('b')]]);
    // The XMP is still there under the signature.
    assert.equal((await readProvenance(signed))?.digitalSourceType, DIGITAL_SOURCE_TYPES.trainedAlgorithmicMedia);

    const edited = Buffer.from(signed);
    edited[imageDataOffset(edited, format)] ^= 0x01;
    const broken = await verifyC2pa(edited, format, { trustAnchorsPem: pki.rootPem });
    assert.equal(broken.state, 'Invalid');
    assert.equal(broken.assetHashValid, false);
  });
}

test('repaint: the C2PA action is c2pa.edited with the person photo as parent', async () => {
  const { bytes } = markExport(await exported('png'), 'png', facts(true), { embedSettings: true, strip: false });
  const signed = await signExport(bytes, 'png', facts(true), { ...signer, alg: 'es256' }, 'look.png');
  const v = await verifyC2pa(signed, 'png');
  assert.equal(v.state, 'Valid', JSON.stringify(v.failures));
  assert.equal(v.manifest?.action, 'c2pa.edited');
  assert.equal(v.manifest?.digitalSourceType, DIGITAL_SOURCE_TYPES.compositeWithTrainedAlgorithmicMedia);
  assert.deepEqual(v.manifest?.ingredients.map((g) => g.relationship), ['parentOf', 'inputTo']);
});
