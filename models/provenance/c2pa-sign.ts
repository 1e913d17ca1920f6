// Signing an encoded image with a C2PA manifest (Content Credentials) through @contentauth/c2pa-wasm.
// The private key comes in as an argument and lives only in this call's KeyObject: it is never written,
// never logged and never part of an error message. Add the XMP (withProvenance) before signing: the
// signature's hash covers every byte outside the manifest, so any later edit invalidates it (on purpose).
import { assertFormat, MEDIA_TYPE, type ProvenanceFormat } from './format.ts';
import { asBlob, BytesBlob, loadC2pa } from './c2pa-runtime.ts';
import { buildManifest, type C2paAction, type C2paIngredient } from './c2pa-manifest.ts';
import { coseSign1, makeCoseSigner, type C2paAlg } from './cose-sign1.ts';
import { verifyC2pa } from './c2pa-verify.ts';

export interface SignC2paOptions {
  action: C2paAction;
  digitalSourceType: string;
  ingredients?: C2paIngredient[];
  /** Signing certificate first, then intermediates; PEM. */
  certChainPem: string;
  /** The signing certificate's private key, unencrypted PEM (PKCS#8 or SEC1/PKCS#1). */
  privateKeyPem: string;
  alg: C2paAlg;
  /** The asset's title in the manifest (default image.<ext>). */
  title?: string;
  /** Default: this build (models/version.ts). */
  generator?: { name: string; version: string };
}

const CERT_HINT = '; a C2PA signing certificate must be an end-entity certificate (CA:FALSE) with the digitalSignature key usage and the emailProtection extended key usage, and the key must match alg';

/**
 * The library's refusal in one line. c2pa-rs verifies what it signed and reports a rejected certificate as
 * a debug dump of its validation results; the failure codes and explanations are what a user can act on.
 */
function describeLibraryError(err: unknown): string {
  const text = String((err as Error)?.message ?? err);
  const failure = text.split('failure:')[1] ?? '';
  const found = [...failure.matchAll(/code: "([^"]+)"[^}]*?explanation: Some\("([^"]*)"\)/g)]
    .filter((m) => m[1] !== 'signingCredential.untrusted') // expected: the signer cannot trust our own test roots
    .map((m) => `${m[1]} (${m[2]})`);
  return found.length ? found.join(', ') : text.slice(0, 300);
}

/** A copy of `bytes` with an embedded, signed C2PA manifest. Verified before it is returned. */
export async function signC2pa(bytes: Uint8Array, format: ProvenanceFormat, options: SignC2paOptions): Promise<Buffer> {
  assertFormat('signC2pa', bytes, format);
  const signer = makeCoseSigner(options.certChainPem, options.privateKeyPem, options.alg);
  const plan = buildManifest({ format, title: options.title, action: options.action, digitalSourceType: options.digitalSourceType, ingredients: options.ingredients ?? [], generator: options.generator });
  const c2pa = await loadC2pa();
  const builder = c2pa.WasmBuilder.fromJson(JSON.stringify(plan.definition));
  let signed: Uint8Array;
  try {
    for (const [id, thumb] of plan.resources) builder.addResourceFromBlob(id, asBlob(new BytesBlob(thumb)));
    const definition = { alg: options.alg, reserveSize: signer.reserveSize, sign: async (claim: Uint8Array) => coseSign1(claim, signer) };
    signed = await builder.sign(definition as never, [], MEDIA_TYPE[format], asBlob(new BytesBlob(bytes)));
  } catch (err) {
    throw new Error(`signC2pa: the C2PA library refused to sign: ${describeLibraryError(err)}${CERT_HINT}`, { cause: err });
  } finally {
    builder.free();
  }
  // Like c2pa-rs's own "verify after sign": a certificate the C2PA profile rejects (wrong key usage or EKU,
  // a CA certificate as signer) still signs, but every reader would call the result invalid.
  const check = await verifyC2pa(signed, format);
  if (!check.signatureValid || !check.assetHashValid) {
    const codes = check.failures.filter((f) => f.code !== 'signingCredential.untrusted').map((f) => `${f.code}: ${f.explanation}`);
    throw new Error(`signC2pa: the signed image does not validate: ${codes.join('; ') || check.state}${CERT_HINT}`);
  }
  return Buffer.from(signed.buffer, signed.byteOffset, signed.byteLength);
}
