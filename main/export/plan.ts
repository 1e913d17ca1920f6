// Planning an export without writing anything: each result's facts (what it shows, how it was made), its
// file name from the template, names refused or clashing, and the release check. exports:preview shows
// this; exports:run writes exactly this plan.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError } from '../api/errors.ts';
import type { Project } from '../store/project.ts';
import type { ManifestEntry } from '../store/releases.ts';
import type { ResultFacts } from './metadata.ts';
import { parseTemplate, renderName, type TokenValues } from './naming.ts';
import { extensionOf, type ExportPresetSpec } from './preset.ts';

export interface PlannedItem {
  resultId: number;
  /** The file name that will be written (after any suffix for a clash). */
  fileName: string;
  /** Why the template's name is refused, or null. */
  refused: string | null;
  /** The name clashed (with another item, or a file already in the folder) and was suffixed. */
  suffixed: boolean;
  /** A file of this name exists in the target folder (before suffixing). */
  exists: boolean;
  facts: ResultFacts;
  tokens: TokenValues;
  blobHash: string;
  release: ManifestEntry;
}

export interface ExportPlan {
  items: PlannedItem[];
  /** Names already in the target folder (a second export would clash). */
  conflicts: string[];
  refused: { resultId: number; fileName: string; reason: string }[];
  releaseWarnings: { resultId: number; status: 'warn' | 'refuse'; messages: string[] }[];
  releaseCheck: { date: string; channel: string; region: string | null };
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

function factsOf(project: Project, resultId: number): { facts: ResultFacts; tokens: TokenValues; blobHash: string } {
  const r = project.results.get(resultId);
  if (!r) throw new NotFoundError(`resultIds contains ${resultId}, which is no result in this project; expected ids from results:list`);
  const rec = r.record;
  const inputs = obj(rec.inputs);
  const garmentIn = obj(inputs.garment);
  const person = obj(inputs.person);
  const ckptIn = obj(inputs.checkpoint);
  const garment = project.garments.get(r.garmentId);
  const photo = project.modelPhotos.get(r.modelPhotoId);
  const ckpt = project.checkpoints.get(r.checkpointId);
  const settings = rec.settings && typeof rec.settings === 'object' ? (rec.settings as Record<string, unknown>) : null;
  const seed = typeof rec.seed === 'number' ? rec.seed : null;
  const facts: ResultFacts = {
    resultId,
    seed,
    settings,
    repaint: settings?.repaint === true,
    checkpoint: { name: ckpt?.name ?? str(ckptIn.name) ?? 'unknown', licence: ckpt?.licence ?? str(ckptIn.licence), source: ckpt?.source ?? null, sha256: ckpt?.blobHash ?? str(ckptIn.hash) },
    inputs: { person: str(person.hash), garment: str(garmentIn.photoHash), mask: str(obj(inputs.mask).hash), densepose: str(obj(inputs.densepose).hash) },
  };
  const tokens: TokenValues = {
    sku: garment?.sku ?? str(garmentIn.sku),
    colourway: garment?.colourway ?? null,
    model: photo?.name ?? `model-${r.modelPhotoId}`,
    view: str(garmentIn.view),
    seed,
    result: resultId,
    checkpoint: facts.checkpoint.name,
  };
  return { facts, tokens, blobHash: r.blobHash };
}

/** Adds -2, -3, ... before the extension until `taken` says the name is free. */
export function suffixed(fileName: string, taken: (candidate: string) => boolean): string {
  const dot = fileName.lastIndexOf('.');
  const stem = dot > 0 ? fileName.slice(0, dot) : fileName;
  const ext = dot > 0 ? fileName.slice(dot) : '';
  for (let n = 2; ; n++) {
    const candidate = `${stem}-${n}${ext}`;
    if (!taken(candidate)) return candidate;
  }
}

export interface PlanOptions {
  resultIds: number[];
  preset: ExportPresetSpec;
  /** The folder the files go into (absolute), to find clashes with files already there; null for a zip. */
  folder: string | null;
  date?: string;
}

export function planExport(project: Project, o: PlanOptions): ExportPlan {
  const parts = parseTemplate(o.preset.template);
  const ext = extensionOf(o.preset.format);
  const releases = project.releases.exportManifest(o.resultIds.map((resultId) => ({ resultId })), {
    channel: o.preset.channel, ...(o.preset.region ? { region: o.preset.region } : {}), ...(o.date ? { date: o.date } : {}),
  });
  const used = new Set<string>();
  const conflicts: string[] = [];
  const items = o.resultIds.map((resultId, i): PlannedItem => {
    const { facts, tokens, blobHash } = factsOf(project, resultId);
    const rendered = renderName(parts, tokens, i, o.resultIds.length, ext);
    let fileName = rendered.fileName;
    let wasSuffixed = false;
    let exists = false;
    if (!rendered.refused) {
      // First within this export (two results, one name), then against the files already in the folder.
      if (used.has(fileName.toLowerCase())) {
        fileName = suffixed(fileName, (c) => used.has(c.toLowerCase()));
        wasSuffixed = true;
      }
      used.add(fileName.toLowerCase()); // the intended name stays taken, so a later result cannot get it either
      exists = o.folder !== null && existsSync(join(o.folder, fileName));
      if (exists) {
        conflicts.push(fileName);
        fileName = suffixed(rendered.fileName, (c) => used.has(c.toLowerCase()) || existsSync(join(o.folder!, c)));
        wasSuffixed = true;
      }
    }
    used.add(fileName.toLowerCase());
    return { resultId, fileName, refused: rendered.refused, suffixed: wasSuffixed, exists, facts, tokens, blobHash, release: releases.entries[i]! };
  });
  return {
    items,
    conflicts,
    refused: items.filter((it) => it.refused).map((it) => ({ resultId: it.resultId, fileName: it.fileName, reason: it.refused! })),
    releaseWarnings: items.filter((it) => it.release.status !== 'ok').map((it) => ({ resultId: it.resultId, status: it.release.status as 'warn' | 'refuse', messages: it.release.issues.map((x) => x.message) })),
    releaseCheck: { date: releases.checkedFor.date, channel: releases.checkedFor.channel, region: releases.checkedFor.region },
  };
}
