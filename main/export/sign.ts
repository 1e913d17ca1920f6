// C2PA Content Credentials for one exported file: a c2pa.created action (c2pa.edited when the result was
// pasted back into the person photo, which is then the parent ingredient) with the file's digital source
// type, the person and garment images as ingredients by SHA-256, signed with the app's credentials.
import { signC2pa } from '../../models/provenance/c2pa-sign.ts';
import type { C2paIngredient } from '../../models/provenance/c2pa-manifest.ts';
import type { ExportFormat } from './preset.ts';
import { sourceTypeOf, type ResultFacts } from './metadata.ts';
import type { SigningCredentials } from './signing.ts';

export function ingredientsOf(facts: ResultFacts): C2paIngredient[] {
  const out: C2paIngredient[] = [];
  if (facts.inputs.person) out.push({ title: 'person photo', sha256: facts.inputs.person });
  if (facts.inputs.garment) out.push({ title: 'garment photo', sha256: facts.inputs.garment });
  return out;
}

export async function signExport(bytes: Buffer, format: ExportFormat, facts: ResultFacts, creds: SigningCredentials, title: string): Promise<Buffer> {
  const ingredients = ingredientsOf(facts);
  const edited = facts.repaint && ingredients.length > 0 && facts.inputs.person !== null;
  return signC2pa(bytes, format, {
    action: edited ? 'c2pa.edited' : 'c2pa.created',
    digitalSourceType: sourceTypeOf(facts),
    ingredients,
    certChainPem: creds.certChainPem,
    privateKeyPem: creds.privateKeyPem,
    alg: creds.alg,
    title,
  });
}
