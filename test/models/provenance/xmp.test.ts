// The XMP marking: the packet says "AI-generated" with the IPTC digital source type, the generator and the
// checkpoint; it is spliced into PNG, JPEG and WebP without touching pixels or other metadata; sharp (an
// independent reader) finds it; and the source type per task is the documented one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { parsePngText } from '../../../models/image/png_text.ts';
import {
  DIGITAL_SOURCE_TYPES, checkpointInfo, digitalSourceTypeFor, engineProvenance, parseXmpProvenance, readProvenance, withProvenance, xmpPacket,
  type ProvenanceFormat, type ProvenanceInfo,
} from '../../../models/provenance/index.ts';
import { GENERATOR_NAME, GENERATOR_VERSION } from '../../../models/version.ts';
import { encoded, pixels } from './helpers.ts';

const info: ProvenanceInfo = {
  digitalSourceType: DIGITAL_SOURCE_TYPES.compositeWithTrainedAlgorithmicMedia,
  generator: { name: 'Leffa Studio', version: '9.8.7' },
  checkpoint: { name: 'virtual_tryon.pth', licence: 'mit', source: 'hf:franciszzj/Leffa/virtual_tryon.pth' },
  task: 'tryon',
};

test('try-on pasted back into the photo (repaint) is a composite with AI media; otherwise, and pose transfer, wholly AI media', () => {
  assert.equal(digitalSourceTypeFor('tryon', true), 'http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia');
  assert.equal(digitalSourceTypeFor('tryon'), 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia');
  assert.equal(digitalSourceTypeFor('pose', true), 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia', 'no photo pixel survives a pose transfer');
  assert.equal(digitalSourceTypeFor('pose'), 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia');
  assert.throws(() => digitalSourceTypeFor('upscale' as never), /task = "upscale"; expected "tryon" or "pose"/);
});

test('the packet carries the source type, generator and checkpoint, escaped, and is deterministic', () => {
  const xmp = xmpPacket({ ...info, checkpoint: { name: 'a<b>&"c".pth', licence: 'other: R&D only' } });
  assert.equal(xmp, xmpPacket({ ...info, checkpoint: { name: 'a<b>&"c".pth', licence: 'other: R&D only' } }));
  assert.match(xmp, /<Iptc4xmpExt:DigitalSourceType>http:\/\/cv\.iptc\.org\/newscodes\/digitalsourcetype\/compositeWithTrainedAlgorithmicMedia</);
  assert.match(xmp, /<Iptc4xmpExt:AISystemUsed>Leffa Studio</);
  assert.match(xmp, /<xmp:CreatorTool>Leffa Studio 9\.8\.7</);
  assert.match(xmp, /a&lt;b&gt;&amp;&quot;c&quot;\.pth/);
  const back = parseXmpProvenance(xmp);
  assert.deepEqual(back.checkpoint, { name: 'a<b>&"c".pth', licence: 'other: R&D only', source: null });
  assert.deepEqual(back.generator, { name: 'Leffa Studio', version: '9.8.7' });
  assert.throws(() => xmpPacket({ ...info, digitalSourceType: 'ai' }), /digitalSourceType is "ai"; expected an IPTC digital source type URI/);
  assert.throws(() => xmpPacket({ ...info, checkpoint: { name: '', licence: 'mit' } }), /checkpoint\.name is ""; expected a non-empty string/);
});

test('another tool\'s XMP (attribute form, other prefix) reads the same', () => {
  const foreign = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
    <rdf:Description rdf:about="" xmlns:iptcExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
      iptcExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
      iptcExt:AISystemUsed="Other &amp; Co" iptcExt:AISystemVersionUsed="2"/></rdf:RDF></x:xmpmeta>`;
  const p = parseXmpProvenance(foreign);
  assert.equal(p.digitalSourceType, DIGITAL_SOURCE_TYPES.trainedAlgorithmicMedia);
  assert.deepEqual(p.generator, { name: 'Other & Co', version: '2' });
  assert.equal(p.checkpoint.licence, null);
});

const cases: [string, ProvenanceFormat, Parameters<typeof encoded>[1]][] = [
  ['PNG with a text chunk', 'png', {}],
  ['JPEG with EXIF', 'jpeg', { exif: true }],
  ['lossy WebP (simple format)', 'webp', {}],
  ['lossless WebP with alpha (simple format, alpha flag from the bitstream)', 'webp', { lossless: true, alpha: true }],
  ['lossy WebP with alpha (already extended)', 'webp', { alpha: true }],
];

for (const [name, format, opts] of cases) {
  test(`${name}: marked without touching pixels or other metadata, read back by sharp`, async () => {
    const src = await encoded(format, opts);
    const out = withProvenance(src, format, info);
    const read = await readProvenance(out);
    assert.ok(read, 'sharp finds an XMP packet');
    assert.equal(read.digitalSourceType, DIGITAL_SOURCE_TYPES.compositeWithTrainedAlgorithmicMedia);
    assert.deepEqual(read.generator, info.generator);
    assert.deepEqual(read.checkpoint, { name: 'virtual_tryon.pth', licence: 'mit', source: 'hf:franciszzj/Leffa/virtual_tryon.pth' });
    assert.equal(read.task, 'tryon');
    assert.ok((await pixels(out)).equals(await pixels(src)), 'pixels unchanged');
    const before = await sharp(src).metadata();
    const after = await sharp(out).metadata();
    assert.deepEqual([after.width, after.height, after.hasAlpha, after.format], [before.width, before.height, before.hasAlpha, before.format]);
    if (opts?.exif) assert.ok(after.exif?.equals(before.exif!), 'EXIF kept');
    if (format === 'png') assert.equal(parsePngText(out)['leffa-studio'], '{"seed":7}', 'the reproducibility text chunk is kept');
    const again = withProvenance(out, format, { ...info, task: 'pose', digitalSourceType: DIGITAL_SOURCE_TYPES.trainedAlgorithmicMedia });
    assert.equal((await readProvenance(again))!.task, 'pose', 're-marking replaces the packet');
    assert.equal((await sharp(again).metadata()).xmp!.toString().match(/DigitalSourceType>/g)!.length, 2, 'one packet (open + close tag), not two');
  });
}

test('mislabelled bytes and unmarked images are told apart', async () => {
  const png = await encoded('png');
  assert.throws(() => withProvenance(png, 'jpeg', info), /format is "jpeg" but the bytes are a PNG; expected JPEG bytes/);
  assert.throws(() => withProvenance(new Uint8Array([1, 2, 3]), 'png', info), /bytes are no PNG, JPEG or WebP/);
  assert.equal(await readProvenance(png), null);
});

test('engine provenance: this build as generator; licence from the Hub model card only for catalogue files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leffa-prov-'));
  try {
    writeFileSync(join(dir, 'README.md'), '---\nlicense: mit\n---\n# Leffa\n');
    const hub = engineProvenance('tryon', join(dir, 'virtual_tryon.pth'));
    assert.deepEqual(hub.generator, { name: GENERATOR_NAME, version: GENERATOR_VERSION });
    assert.deepEqual(hub.checkpoint, { name: 'virtual_tryon.pth', licence: 'mit', source: 'hf:franciszzj/Leffa/virtual_tryon.pth' });
    assert.equal(hub.digitalSourceType, DIGITAL_SOURCE_TYPES.trainedAlgorithmicMedia);
    const named = engineProvenance('tryon', join(dir, 'blobs', 'ab12'), { name: 'Leffa HD (project)', licence: 'cc-by-nc-4.0', pastedBack: true });
    assert.deepEqual(named.checkpoint, { name: 'Leffa HD (project)', licence: 'cc-by-nc-4.0' }, "the project's name and licence win over the blob's file name");
    assert.equal(named.digitalSourceType, DIGITAL_SOURCE_TYPES.compositeWithTrainedAlgorithmicMedia);
    assert.deepEqual(checkpointInfo(join(dir, 'my-finetune.pth')), { name: 'my-finetune.pth', licence: 'unknown' }, 'a README beside an unknown file is not trusted as its card');
    assert.equal(checkpointInfo(join(dir, 'pose_transfer.pth'), 'cc-by-nc-4.0').licence, 'cc-by-nc-4.0', 'a known licence wins');
    assert.equal(checkpointInfo('/nowhere/pose_transfer.pth').licence, 'unknown');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
