// The C2PA manifest definition (the JSON c2pa-rs's Builder takes) for an image the engine made: one
// actions assertion saying what happened and with which digital source type, and the inputs as
// ingredients, each identified by its SHA-256 (the same hash the result record and the project store use).
//
// Relationships: for "c2pa.created" every ingredient is an input (inputTo); nothing is its parent. For
// "c2pa.edited" the first ingredient is the parent (parentOf: for try-on, the person photo the result is
// pasted back into) and C2PA requires the manifest to start with "c2pa.opened" on that parent, so that
// action is added; the other ingredients (garment, mask, DensePose) are inputs to the edit.
import { GENERATOR_NAME, GENERATOR_VERSION } from '../version.ts';
import { MEDIA_TYPE, detectFormat, type ProvenanceFormat } from './format.ts';

export type C2paAction = 'c2pa.created' | 'c2pa.edited';
export type IngredientRelationship = 'parentOf' | 'componentOf' | 'inputTo';

export interface C2paIngredient {
  title: string;
  /** SHA-256 of the ingredient's bytes, 64 lowercase hex digits. */
  sha256: string;
  /** Media type, e.g. image/jpeg (default: from the thumbnail, else application/octet-stream). */
  format?: string;
  relationship?: IngredientRelationship;
  /** A small encoded JPEG/PNG/WebP preview, embedded in the manifest. */
  thumbnail?: Uint8Array;
}

/** Where our ingredient hash lives in the ingredient's metadata (C2PA allows extra metadata keys). */
export const SHA256_METADATA_KEY = 'leffa-studio.sha256';

export interface ManifestInput {
  format: ProvenanceFormat;
  title?: string;
  action: C2paAction;
  digitalSourceType: string;
  ingredients: C2paIngredient[];
  generator?: { name: string; version: string };
}

export interface ManifestPlan {
  definition: Record<string, unknown>;
  /** Thumbnails to add as resources: identifier -> bytes. */
  resources: Map<string, Uint8Array>;
}

function check(input: ManifestInput): void {
  if (input.action !== 'c2pa.created' && input.action !== 'c2pa.edited') throw new TypeError(`signC2pa: action is ${JSON.stringify(input.action)}; expected "c2pa.created" or "c2pa.edited"`);
  if (typeof input.digitalSourceType !== 'string' || !/^https?:\/\//.test(input.digitalSourceType)) {
    throw new TypeError(`signC2pa: digitalSourceType is ${JSON.stringify(input.digitalSourceType)}; expected an IPTC digital source type URI`);
  }
  if (!Array.isArray(input.ingredients)) throw new TypeError('signC2pa: ingredients is not an array; expected [{title, sha256, thumbnail?}]');
  input.ingredients.forEach((g, i) => {
    if (typeof g?.title !== 'string' || !g.title) throw new TypeError(`signC2pa: ingredients[${i}].title is ${JSON.stringify(g?.title)}; expected a non-empty string`);
    if (typeof g.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(g.sha256)) throw new TypeError(`signC2pa: ingredients[${i}].sha256 is ${JSON.stringify(g.sha256)}; expected 64 lowercase hex digits`);
    if (g.thumbnail !== undefined && !(g.thumbnail instanceof Uint8Array && detectFormat(g.thumbnail))) throw new TypeError(`signC2pa: ingredients[${i}].thumbnail is not an encoded PNG, JPEG or WebP`);
  });
  if (input.action === 'c2pa.edited' && input.ingredients.length === 0) throw new TypeError('signC2pa: action "c2pa.edited" needs the edited image as ingredients[0]; expected at least one ingredient');
}

export function buildManifest(input: ManifestInput): ManifestPlan {
  check(input);
  const generator = input.generator ?? { name: GENERATOR_NAME, version: GENERATOR_VERSION };
  const resources = new Map<string, Uint8Array>();
  const ingredients = input.ingredients.map((g, i) => {
    const relationship = g.relationship ?? (input.action === 'c2pa.edited' && i === 0 ? 'parentOf' : 'inputTo');
    const thumbFormat = g.thumbnail ? detectFormat(g.thumbnail) : null;
    const id = `ingredient-${i}`;
    if (g.thumbnail && thumbFormat) resources.set(`${id}-thumbnail`, g.thumbnail);
    return {
      title: g.title,
      format: g.format ?? (thumbFormat ? MEDIA_TYPE[thumbFormat] : 'application/octet-stream'),
      relationship,
      instance_id: `sha256:${g.sha256}`,
      label: id,
      metadata: { [SHA256_METADATA_KEY]: g.sha256 },
      ...(thumbFormat ? { thumbnail: { format: MEDIA_TYPE[thumbFormat], identifier: `${id}-thumbnail` } } : {}),
    };
  });
  const ids = (rel: (r: string) => boolean) => ingredients.filter((g) => rel(g.relationship)).map((g) => g.label);
  const main = {
    action: input.action,
    digitalSourceType: input.digitalSourceType,
    softwareAgent: generator,
    ...(ids((r) => r !== 'parentOf').length ? { parameters: { ingredientIds: ids((r) => r !== 'parentOf') } } : {}),
  };
  const actions = input.action === 'c2pa.edited'
    ? [{ action: 'c2pa.opened', parameters: { ingredientIds: ids((r) => r === 'parentOf') } }, main]
    : [main];
  return {
    definition: {
      claim_generator_info: [generator],
      title: input.title ?? `image.${input.format === 'jpeg' ? 'jpg' : input.format}`,
      format: MEDIA_TYPE[input.format],
      ingredients,
      assertions: [{ label: 'c2pa.actions.v2', data: { actions } }],
    },
    resources,
  };
}
