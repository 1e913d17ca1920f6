// What the provenance metadata says about an image: the IPTC digital source type, the generator (this
// product and its version, models/version.ts) and the checkpoint (file name and licence). Built at the two
// places the engine writes images (the CLI and the engine worker), where the licence may not be known:
// then it is 'unknown' rather than a guess, because a wrong licence claim is worse than none.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CATALOGUE, MODEL_CARD_FILE } from '../hub/catalogue.ts';
import { licenceFromCard } from '../hub/model-card.ts';
import { GENERATOR_NAME, GENERATOR_VERSION } from '../version.ts';
import { digitalSourceTypeFor, type EngineTask } from './source-type.ts';

export const UNKNOWN_LICENCE = 'unknown';

export interface CheckpointInfo {
  /** The weights file's name (as in the result record's `weights.name`). */
  name: string;
  /** Its licence id (`mit`, `cc-by-nc-sa-4.0`, `other: …`) or 'unknown'. */
  licence: string;
  /** Where it came from, e.g. `hf:franciszzj/Leffa/virtual_tryon.pth`, when known. */
  source?: string;
}

export interface ProvenanceInfo {
  /** An IPTC digital source type URI (source-type.ts). */
  digitalSourceType: string;
  generator: { name: string; version: string };
  checkpoint: CheckpointInfo;
  /** The engine task that made the image, when it was the engine. */
  task?: EngineTask;
}

/**
 * The checkpoint's name and licence from its path. A file named like a catalogue entry (models/hub) lives in
 * a Hub cache snapshot, where the model manager also keeps the model card: its `license:` is the licence.
 * Anything else (a fine-tune, a test fixture, a file copied by hand) gets 'unknown' unless `licence` is given.
 */
export function checkpointInfo(weightsPath: string, licence?: string | null): CheckpointInfo {
  const name = basename(weightsPath);
  const entry = CATALOGUE.find((e) => e.file === name);
  const source = entry ? `hf:${entry.repo}/${entry.file}` : undefined;
  let found = licence ?? null;
  if (!found && entry) found = licenceBeside(weightsPath);
  return { name, licence: found || UNKNOWN_LICENCE, ...(source ? { source } : {}) };
}

function licenceBeside(weightsPath: string): string | null {
  const card = join(dirname(weightsPath), MODEL_CARD_FILE);
  try {
    return existsSync(card) ? licenceFromCard(readFileSync(card, 'utf8')) : null;
  } catch {
    return null; // an unreadable card means "not known", never a failed generation
  }
}

export interface EngineProvenanceOptions {
  /** The checkpoint's licence as the project records it (else read from a Hub model card, else 'unknown'). */
  licence?: string | null;
  /** The checkpoint's name as the project records it (default: the weights file's name). */
  name?: string;
  /** Try-on with repaint: the result is pasted back into the original photo (source-type.ts). */
  pastedBack?: boolean;
}

/** The provenance of an engine output: task -> source type, this build as the generator, the checkpoint. */
export function engineProvenance(task: EngineTask, weightsPath: string, options: EngineProvenanceOptions = {}): ProvenanceInfo {
  const checkpoint = checkpointInfo(weightsPath, options.licence);
  return {
    digitalSourceType: digitalSourceTypeFor(task, options.pastedBack ?? false),
    generator: { name: GENERATOR_NAME, version: GENERATOR_VERSION },
    checkpoint: options.name ? { ...checkpoint, name: options.name } : checkpoint,
    task,
  };
}
