// The idempotency key of a cell in the team queue: its job id plus its settings hash. It is the BullMQ
// job id, so adding the same cell twice (a re-sync after a Redis restart, two app windows) queues it
// once; and the coordinator checks the hash against the project's row before running anything, so a
// key from another project or an older database can never run the wrong cell.
import { HASH_PATTERN } from '../store/blob-store.ts';

export interface CellKey {
  jobId: number;
  settingsHash: string;
}

// A letter first: BullMQ refuses custom ids that are plain integers, and ':' separates its Redis keys.
const KEY_PATTERN = /^cell-([1-9][0-9]{0,15})-([0-9a-f]{64})$/;

export function cellKey(jobId: number, settingsHash: string): string {
  if (!Number.isSafeInteger(jobId) || jobId < 1) throw new RangeError(`cellKey: jobId = ${jobId}; expected a positive integer`);
  if (!HASH_PATTERN.test(settingsHash)) throw new RangeError(`cellKey: settingsHash = ${JSON.stringify(settingsHash)}; expected 64 lowercase hex digits`);
  return `cell-${jobId}-${settingsHash}`;
}

/** The parts of a key, or null when the text is not one. */
export function parseCellKey(key: string): CellKey | null {
  const m = KEY_PATTERN.exec(key);
  if (!m) return null;
  const jobId = Number(m[1]);
  return Number.isSafeInteger(jobId) ? { jobId, settingsHash: m[2]! } : null;
}
