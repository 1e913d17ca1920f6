// The C2PA claim signature: a COSE_Sign1 (RFC 9052) built in JS and signed with Node's crypto.
//
// Why in JS: @contentauth/c2pa-wasm 0.13.3's JS signer gives the library no certificates and sets
// "direct COSE handling", so the callback receives the raw claim bytes and must return the complete,
// tagged COSE_Sign1 (x5chain included) padded to exactly the reserved size, as c2pa-rs itself would
// build it: protected header {alg, x5chain (label 33)}, unprotected {"pad": zeros}, detached payload,
// signature over Sig_structure ["Signature1", protected, h'', claim]. ES256 signatures are raw r||s
// (IEEE P1363), not DER; PS256 is RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt (RFC 8230).
import { constants, createPrivateKey, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { CborTag, cborEncode, cborHead, type CborValue } from './cbor.ts';

export type C2paAlg = 'es256' | 'ps256';
const COSE_ALG: Record<C2paAlg, number> = { es256: -7, ps256: -37 };
const X5CHAIN = 33;
const COSE_SIGN1_TAG = 18;

export interface CoseSigner {
  alg: C2paAlg;
  /** DER certificates, signer first, then intermediates (the root stays out, as C2PA asks). */
  chain: Uint8Array[];
  key: KeyObject;
  /** The signature box size handed to the library; the COSE bytes are padded to exactly this. */
  reserveSize: number;
}

/** Every certificate of a PEM bundle, in order, as DER. */
export function parseCertChain(pem: string): X509Certificate[] {
  if (typeof pem !== 'string') throw new TypeError('signC2pa: certChainPem is not a string; expected PEM text with the signing certificate first');
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (!blocks.length) throw new TypeError('signC2pa: certChainPem has no "BEGIN CERTIFICATE" block; expected PEM text with the signing certificate first');
  return blocks.map((b, i) => {
    try {
      return new X509Certificate(b);
    } catch (e) {
      throw new TypeError(`signC2pa: certificate ${i} of certChainPem cannot be parsed (${(e as Error).message})`, { cause: e });
    }
  });
}

/**
 * The signer for a key and chain: checks that the key fits the algorithm (P-256 for ES256, RSA of at least
 * 2048 bits for PS256) and is the key of the first certificate, so a mix-up fails here with a clear message
 * instead of as an invalid signature later. Error messages never include the key.
 */
export function makeCoseSigner(certChainPem: string, privateKeyPem: string, alg: C2paAlg): CoseSigner {
  if (alg !== 'es256' && alg !== 'ps256') throw new TypeError(`signC2pa: alg is ${JSON.stringify(alg)}; expected "es256" or "ps256"`);
  const certs = parseCertChain(certChainPem);
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch (e) {
    throw new TypeError(`signC2pa: privateKeyPem cannot be read as a private key (${(e as Error).message.replace(/-----BEGIN[\s\S]*/, '')}); expected an unencrypted PEM key`, { cause: e });
  }
  const d = key.asymmetricKeyDetails ?? {};
  if (alg === 'es256' && !(key.asymmetricKeyType === 'ec' && d.namedCurve === 'prime256v1')) {
    throw new TypeError(`signC2pa: alg es256 needs an EC P-256 key; the key is ${key.asymmetricKeyType}${d.namedCurve ? ` (${d.namedCurve})` : ''}`);
  }
  if (alg === 'ps256' && !((key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') && (d.modulusLength ?? 0) >= 2048)) {
    throw new TypeError(`signC2pa: alg ps256 needs an RSA key of at least 2048 bits; the key is ${key.asymmetricKeyType}${d.modulusLength ? ` (${d.modulusLength} bits)` : ''}`);
  }
  if (!certs[0]!.checkPrivateKey(key)) throw new TypeError('signC2pa: privateKeyPem is not the key of the first certificate in certChainPem; expected the signing certificate first');
  // C2PA: the chain carries the signer and intermediates; a self-signed root is the verifier's trust anchor.
  const chain = certs.filter((c, i) => i === 0 || c.subject !== c.issuer).map((c) => new Uint8Array(c.raw));
  const sigBytes = alg === 'es256' ? 64 : Math.ceil((d.modulusLength ?? 2048) / 8);
  const reserveSize = chain.reduce((n, c) => n + c.length + 8, 0) + sigBytes + 1024;
  return { alg, chain, key, reserveSize };
}

function signTbs(signer: CoseSigner, tbs: Uint8Array): Buffer {
  if (signer.alg === 'es256') return sign('sha256', tbs, { key: signer.key, dsaEncoding: 'ieee-p1363' });
  return sign('sha256', tbs, { key: signer.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
}

/** The padding entries that make the encoded COSE_Sign1 exactly `size` bytes (see padEntries below). */
function padFor(lengthWithout: number, size: number): Map<string, CborValue> {
  // {"pad": bstr(n)} adds 4 bytes for the key, the bstr head and n. Some totals are unreachable with one
  // pad (the head grows at 24 and 256), so a second, empty "pad2" (6 bytes) shifts the target, like c2pa-rs.
  for (const extra of [0, 6]) {
    const room = size - lengthWithout - 4 - extra;
    for (const n of [room - 1, room - 2, room - 3, room - 5]) {
      if (n >= 0 && cborHead(2, n).length + n === room) {
        const m = new Map<string, CborValue>([['pad', new Uint8Array(n)]]);
        if (extra) m.set('pad2', new Uint8Array(0));
        return m;
      }
    }
  }
  throw new RangeError(`signC2pa: the signature (${lengthWithout} bytes) does not fit the reserved ${size} bytes`);
}

/** The tagged COSE_Sign1 for `claim`, exactly `signer.reserveSize` bytes long. */
export function coseSign1(claim: Uint8Array, signer: CoseSigner): Uint8Array {
  const chain: CborValue = signer.chain.length === 1 ? signer.chain[0]! : signer.chain;
  const protectedBytes = cborEncode(new Map<number, CborValue>([[1, COSE_ALG[signer.alg]], [X5CHAIN, chain]]));
  const tbs = cborEncode(['Signature1', protectedBytes, new Uint8Array(0), claim]);
  const signature = signTbs(signer, tbs);
  const build = (unprotected: Map<string, CborValue>) => cborEncode(new CborTag(COSE_SIGN1_TAG, [protectedBytes, unprotected, null, signature]));
  const out = build(padFor(build(new Map()).length, signer.reserveSize));
  if (out.length !== signer.reserveSize) throw new Error(`signC2pa: padded signature is ${out.length} bytes, expected ${signer.reserveSize}`);
  return new Uint8Array(out);
}
