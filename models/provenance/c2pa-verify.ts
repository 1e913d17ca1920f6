// Reading and validating an image's C2PA manifest with the same library that signs (c2pa-rs as wasm):
// the claim signature over the manifest, the hard binding (the hash of every asset byte outside the
// manifest) and, when trust anchors are given, the certificate chain. A one-byte edit to the pixels
// breaks the hard binding; an edit to the manifest breaks the signature; both make the result invalid.
import { assertFormat, MEDIA_TYPE, type ProvenanceFormat } from './format.ts';
import { loadC2pa } from './c2pa-runtime.ts';
import { SHA256_METADATA_KEY } from './c2pa-manifest.ts';

export interface C2paStatus { code: string; explanation: string }

export interface VerifyC2paResult {
  /** Whether the image carries a C2PA manifest at all. */
  present: boolean;
  /** The library's verdict: Invalid, Valid (signature and hashes fine, signer not trusted here) or Trusted. */
  state: 'Invalid' | 'Valid' | 'Trusted' | null;
  /** The claim signature verifies against the signing certificate. */
  signatureValid: boolean;
  /** The asset's bytes still hash to what the manifest recorded. */
  assetHashValid: boolean;
  /** The signer chains to one of `trustAnchorsPem`. */
  trusted: boolean;
  failures: C2paStatus[];
  manifest: {
    action: string | null;
    digitalSourceType: string | null;
    generator: { name: string; version: string } | null;
    ingredients: { title: string; sha256: string | null; relationship: string; thumbnail: boolean }[];
    signer: { issuer: string | null; commonName: string | null; alg: string | null };
  } | null;
}

export interface VerifyC2paOptions {
  /** PEM root (or intermediate) certificates to trust; without them a valid image is "Valid", not "Trusted". */
  trustAnchorsPem?: string;
}

type Json = Record<string, unknown>;
const HARD_BINDING_MATCH = ['assertion.dataHash.match', 'assertion.boxesHash.match', 'assertion.bmffHash.match'];

function notPresent(): VerifyC2paResult {
  return { present: false, state: null, signatureValid: false, assetHashValid: false, trusted: false, failures: [], manifest: null };
}

function summarise(active: Json | undefined): VerifyC2paResult['manifest'] {
  if (!active) return null;
  const assertions = (active.assertions as Json[] | undefined) ?? [];
  const actions = ((assertions.find((a) => String(a.label).startsWith('c2pa.actions'))?.data as Json | undefined)?.actions as Json[] | undefined) ?? [];
  // The action that made the pixels: the one with a digital source type (c2pa.opened has none).
  const main = actions.find((a) => a.digitalSourceType) ?? actions[0];
  const sig = (active.signature_info as Json | undefined) ?? {};
  return {
    action: (main?.action as string) ?? null,
    digitalSourceType: (main?.digitalSourceType as string) ?? null,
    generator: (main?.softwareAgent as { name: string; version: string }) ?? ((active.claim_generator_info as { name: string; version: string }[] | undefined)?.[0] ?? null),
    ingredients: ((active.ingredients as Json[] | undefined) ?? []).map((g) => ({
      title: String(g.title),
      sha256: ((g.metadata as Json | undefined)?.[SHA256_METADATA_KEY] as string) ?? (/^sha256:([0-9a-f]{64})$/.exec(String(g.instance_id))?.[1] ?? null),
      relationship: String(g.relationship),
      thumbnail: Boolean(g.thumbnail),
    })),
    signer: { issuer: (sig.issuer as string) ?? null, commonName: (sig.common_name as string) ?? null, alg: (sig.alg as string) ?? null },
  };
}

export async function verifyC2pa(bytes: Uint8Array, format: ProvenanceFormat, options: VerifyC2paOptions = {}): Promise<VerifyC2paResult> {
  assertFormat('verifyC2pa', bytes, format);
  const c2pa = await loadC2pa();
  const context = options.trustAnchorsPem ? JSON.stringify({ trust: { user_anchors: options.trustAnchorsPem } }) : null;
  let reader;
  try {
    reader = await c2pa.WasmReader.fromBytes(MEDIA_TYPE[format], bytes, context);
  } catch (err) {
    const text = String((err as Error)?.message ?? err);
    if (/JumbfNotFound|ProvenanceMissing/.test(text)) return notPresent();
    // A manifest so damaged it cannot be parsed is there, and invalid.
    return { ...notPresent(), present: true, state: 'Invalid', failures: [{ code: 'manifest.unreadable', explanation: text }] };
  }
  try {
    const store = JSON.parse(reader.json()) as Json;
    const results = ((store.validation_results as Json | undefined)?.activeManifest as Json | undefined) ?? {};
    const success = ((results.success as C2paStatus[] | undefined) ?? []).map((s) => s.code);
    const failures = ((results.failure as C2paStatus[] | undefined) ?? []).map((s) => ({ code: s.code, explanation: s.explanation }));
    const failed = (p: RegExp) => failures.some((f) => p.test(f.code));
    const active = (store.manifests as Json | undefined)?.[String(store.active_manifest)] as Json | undefined;
    return {
      present: true,
      state: (store.validation_state as VerifyC2paResult['state']) ?? null,
      signatureValid: success.includes('claimSignature.validated') && !failed(/^claimSignature\.|^signingCredential\.(invalid|revoked|expired)|^algorithm\./),
      assetHashValid: success.some((c) => HARD_BINDING_MATCH.includes(c)) && !failed(/Hash\.mismatch$|^assertion\.hashedURI\.mismatch/),
      trusted: success.includes('signingCredential.trusted'),
      failures,
      manifest: summarise(active),
    };
  } finally {
    reader.free();
  }
}
