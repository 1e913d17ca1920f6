// Licences of downloaded models: whether one allows commercial use, read from the Hub's licence id (the
// model card's `license:` key), and the rule that a checkpoint whose licence nobody has accepted in this
// project yet may not be used by a batch (product.md "licence provenance"; migration 010).
import type { Project } from '../store/index.ts';

/** Licence ids (as the Hub spells them) that allow commercial use without further terms. */
const COMMERCIAL = new Set([
  'mit', 'apache-2.0', 'bsd', 'bsd-2-clause', 'bsd-3-clause', 'bsd-3-clause-clear', 'isc', 'zlib', 'unlicense', 'cc0-1.0', 'cc-by-2.0',
  'cc-by-2.5', 'cc-by-3.0', 'cc-by-4.0', 'cc-by-sa-3.0', 'cc-by-sa-4.0', 'openrail', 'openrail++', 'creativeml-openrail-m', 'bigscience-openrail-m',
  'artistic-2.0', 'bsl-1.0', 'ecl-2.0', 'epl-2.0', 'mpl-2.0', 'odc-by', 'pddl', 'postgresql', 'wtfpl', 'afl-3.0', 'ms-pl', 'ncsa', 'ofl-1.1',
  'lgpl-2.1', 'lgpl-3.0', 'gpl-2.0', 'gpl-3.0', 'agpl-3.0',
]);

/**
 * True when the licence allows commercial use, false when it does not or is unknown: a missing licence,
 * `other: …`, anything non-commercial ("-nc", "noncommercial") or research-only stays false until a person
 * decides otherwise (they can import the weights by hand with their own reading of the terms).
 */
export function commercialUseOf(licence: string | null): boolean {
  if (!licence) return false;
  const id = licence.trim().toLowerCase();
  if (/(^|-)nc(-|$)|non-?commercial|research/.test(id)) return false;
  return COMMERCIAL.has(id);
}

/** The text stored as a downloaded checkpoint's licence: the card's id, or a note that it names none. */
export function licenceText(cardLicence: string | null): string {
  return cardLicence ?? 'unknown (the model card names no licence)';
}

/** The checkpoint's licence when it still needs accepting in this project; null when accepted or unknown id. */
export function pendingLicence(project: Project, checkpointId: number): { checkpointId: number; name: string; licence: string } | null {
  const c = project.checkpoints.get(checkpointId);
  if (!c || (c.licenceAcceptedAt ?? null) !== null) return null;
  return { checkpointId: c.id, name: c.name, licence: c.licence };
}
