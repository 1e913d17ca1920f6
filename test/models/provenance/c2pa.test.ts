// C2PA Content Credentials: sign a PNG (ES256) and a JPEG (PS256) with a certificate chain made at run time,
// read them back with the same library, check signature, asset hash and trust, and show that one edited
// byte of the image makes validation fail. No key is ever stored in the project folder.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  DIGITAL_SOURCE_TYPES, engineProvenance, readProvenance, signC2pa, verifyC2pa, withProvenance, hasC2pa, type ProvenanceFormat,
} from '../../../models/provenance/index.ts';
import { repoRoot } from '../../helpers/fixtures.ts';
import { encoded, pixels } from './helpers.ts';
import { makeTestPki, type TestPki, type TestSigner } from './test-certs.ts';

let pki: TestPki;
let ec: TestSigner;
let rsa: TestSigner;
before(() => {
  pki = makeTestPki();
  ec = pki.issue('Leffa test signer EC', 'ec');
  rsa = pki.issue('Leffa test signer RSA', 'rsa');
});
after(() => pki.cleanup());

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Offset of the first byte of image data: inside the first IDAT (PNG) or after the SOS header (JPEG). */
function imageDataOffset(bytes: Buffer, format: ProvenanceFormat): number {
  if (format === 'png') return bytes.indexOf('IDAT', 8, 'latin1') + 4 + 2; // past the zlib header
  // Walk the segments: the manifest (APP11) holds a JPEG thumbnail with an SOS marker of its own.
  let off = 2;
  while (bytes[off + 1] !== 0xda) off += 2 + bytes.readUInt16BE(off + 2);
  return off + 2 + bytes.readUInt16BE(off + 2) + 1;
}

const cases: { format: ProvenanceFormat; alg: 'es256' | 'ps256'; signer: () => TestSigner }[] = [
  { format: 'png', alg: 'es256', signer: () => ec },
  { format: 'jpeg', alg: 'ps256', signer: () => rsa },
];

for (const { format, alg, signer } of cases) {
  test(`${format} signed with ${alg}: validates, lists its ingredients, and one edited image byte breaks it`, async () => {
    const person = await encoded('jpeg');
    const garment = await encoded('png');
    const thumb = await sharp(person).resize(8).jpeg().toBuffer();
    const marked = withProvenance(await encoded(format), format, engineProvenance('tryon', 'virtual_tryon.pth', { pastedBack: true }));
    const signed = await signC2pa(marked, format, {
      action: 'c2pa.edited',
      digitalSourceType: DIGITAL_SOURCE_TYPES.compositeWithTrainedAlgorithmicMedia,
      ingredients: [{ title: 'person.jpg', sha256: sha256(person), thumbnail: thumb }, { title: 'garment.png', sha256: sha256(garment) }],
      ...signer(),
      alg,
      title: `result.${format}`,
    });
    assert.equal(hasC2pa(signed, format), true);
    assert.ok((await pixels(signed)).equals(await pixels(marked)), 'signing changes no pixel');
    assert.equal((await readProvenance(signed))!.digitalSourceType, DIGITAL_SOURCE_TYPES.compositeWithTrainedAlgorithmicMedia, 'the XMP survives signing');

    const trusted = await verifyC2pa(signed, format, { trustAnchorsPem: pki.rootPem });
    assert.deepEqual(trusted.failures, []);
    assert.equal(trusted.state, 'Trusted');
    assert.equal(trusted.signatureValid && trusted.assetHashValid && trusted.trusted, true);
    assert.equal(trusted.manifest!.action, 'c2pa.edited');
    assert.equal(trusted.manifest!.digitalSourceType, DIGITAL_SOURCE_TYPES.compositeWithTrainedAlgorithmicMedia);
    assert.equal(trusted.manifest!.generator!.name, 'Leffa Studio');
    assert.deepEqual(trusted.manifest!.ingredients, [
      { title: 'person.jpg', sha256: sha256(person), relationship: 'parentOf', thumbnail: true },
      { title: 'garment.png', sha256: sha256(garment), relationship: 'inputTo', thumbnail: false },
    ]);
    assert.equal(trusted.manifest!.signer.alg, alg === 'es256' ? 'Es256' : 'Ps256');

    const untrusted = await verifyC2pa(signed, format);
    assert.equal(untrusted.state, 'Valid', 'valid but not trusted without the test root');
    assert.deepEqual(untrusted.failures.map((f) => f.code), ['signingCredential.untrusted']);

    const edited = Buffer.from(signed);
    edited[imageDataOffset(edited, format)] ^= 0x01;
    const broken = await verifyC2pa(edited, format, { trustAnchorsPem: pki.rootPem });
    assert.equal(broken.state, 'Invalid');
    assert.equal(broken.assetHashValid, false);
    assert.ok(broken.failures.some((f) => /dataHash\.mismatch/.test(f.code)), JSON.stringify(broken.failures));

    // The claim (here its title, stored once) is covered by the signature: editing it breaks the signature.
    const forged = Buffer.from(signed);
    forged[forged.indexOf(`result.${format}`, 0, 'latin1')] ^= 0x01;
    const forgedCheck = await verifyC2pa(forged, format, { trustAnchorsPem: pki.rootPem });
    assert.deepEqual([forgedCheck.state, forgedCheck.signatureValid], ['Invalid', false]);
    assert.ok(forgedCheck.failures.some((f) => f.code === 'claimSignature.mismatch'), JSON.stringify(forgedCheck.failures));
  });
}

test('an image made from scratch is "created" with its inputs; unsigned images have no manifest', async () => {
  const png = await encoded('png');
  const signed = await signC2pa(png, 'png', { action: 'c2pa.created', digitalSourceType: DIGITAL_SOURCE_TYPES.trainedAlgorithmicMedia, ingredients: [{ title: 'pose.png', sha256: sha256(png) }], ...ec, alg: 'es256' });
  const v = await verifyC2pa(signed, 'png', { trustAnchorsPem: pki.rootPem });
  assert.equal(v.state, 'Trusted');
  assert.deepEqual([v.manifest!.action, v.manifest!.digitalSourceType, v.manifest!.ingredients[0]!.relationship], ['c2pa.created', DIGITAL_SOURCE_TYPES.trainedAlgorithmicMedia, 'inputTo']);
  assert.equal((await verifyC2pa(png, 'png')).present, false);
  assert.throws(() => withProvenance(signed, 'png', engineProvenance('pose', 'w.pth')), /C2PA-signed .*\(add the XMP first, then signC2pa\)/);
});

test('bad signing material is refused with a reason, and the key never appears in a message', async () => {
  const png = await encoded('png');
  const opts = { action: 'c2pa.created' as const, digitalSourceType: DIGITAL_SOURCE_TYPES.trainedAlgorithmicMedia };
  const server = pki.issue('Leffa test TLS server', 'ec', 'server');
  const messages: string[] = [];
  const refuse = async (p: Promise<unknown>, re: RegExp) => {
    await assert.rejects(p, (e: Error) => { messages.push(e.message); assert.match(e.message, re); return true; });
  };
  await refuse(signC2pa(png, 'png', { ...opts, ...server, alg: 'es256' }), /signingCredential\.invalid \(certificate missing required EKU\).*emailProtection/);
  await refuse(signC2pa(png, 'png', { ...opts, ...ec, alg: 'ps256' }), /alg ps256 needs an RSA key of at least 2048 bits; the key is ec/);
  await refuse(signC2pa(png, 'png', { ...opts, certChainPem: ec.certChainPem, privateKeyPem: rsa.privateKeyPem, alg: 'ps256' }), /not the key of the first certificate/);
  await refuse(signC2pa(png, 'png', { ...opts, certChainPem: 'nope', privateKeyPem: ec.privateKeyPem, alg: 'es256' }), /certChainPem has no "BEGIN CERTIFICATE" block/);
  await refuse(signC2pa(png, 'png', { ...opts, ...ec, alg: 'es256', action: 'c2pa.edited' }), /"c2pa\.edited" needs the edited image as ingredients\[0\]/);
  const keyBody = (pem: string) => pem.split('\n').filter((l) => l && !l.startsWith('-----'))[0]!;
  for (const m of messages) for (const k of [ec, rsa, server]) assert.ok(!m.includes(keyBody(k.privateKeyPem)), 'no key material in errors');
  assert.equal(existsSync(join(repoRoot, 'root.key')), false);
});
