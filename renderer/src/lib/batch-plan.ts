// The arithmetic of the New batch form: seeds from a count or a list, the size of the matrix, and how
// long it will take. Pure; BatchBuilderState turns it into the live numbers on screen.

export const MAX_SEED = 2 ** 32 - 1;
/** A seed list longer than this is almost surely a typo ("1-100000"). */
export const MAX_SEEDS = 10_000;

export type SeedMode = 'count' | 'list';

export type SeedParse = { ok: true; seeds: number[] } | { ok: false; error: string };

/**
 * Parses a seed list such as "1, 2, 7-9" (commas or spaces; ranges inclusive). Duplicates are kept
 * once, in first-seen order. Errors quote the offending piece.
 */
export function parseSeedList(text: string): SeedParse {
  const seeds: number[] = [];
  const seen = new Set<number>();
  const pieces = text.split(/[\s,;]+/).filter(Boolean);
  if (pieces.length === 0) return { ok: false, error: 'Enter at least one seed, e.g. "1, 2, 3" or "1-4".' };
  for (const piece of pieces) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(piece);
    if (!m) return { ok: false, error: `"${piece}" is not a seed or a range (use whole numbers like 7 or 10-12).` };
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from > MAX_SEED || to > MAX_SEED) return { ok: false, error: `"${piece}": seeds go up to ${MAX_SEED}.` };
    if (to < from) return { ok: false, error: `"${piece}": a range goes from low to high.` };
    if (seen.size + (to - from + 1) > MAX_SEEDS) return { ok: false, error: `At most ${MAX_SEEDS.toLocaleString('en')} seeds per batch.` };
    for (let s = from; s <= to; s++) {
      if (!seen.has(s)) {
        seen.add(s);
        seeds.push(s);
      }
    }
  }
  return { ok: true, seeds };
}

/** `count` consecutive seeds from `first`: the same count always gives the same seeds, so re-running a batch skips what exists. */
export function seedsFromCount(count: number, first = 1): SeedParse {
  if (!Number.isInteger(count) || count < 1) return { ok: false, error: 'The number of seeds must be a whole number of at least 1.' };
  if (count > MAX_SEEDS) return { ok: false, error: `At most ${MAX_SEEDS.toLocaleString('en')} seeds per batch.` };
  if (!Number.isInteger(first) || first < 0 || first + count - 1 > MAX_SEED) return { ok: false, error: `The first seed must be between 0 and ${MAX_SEED - count + 1}.` };
  return { ok: true, seeds: Array.from({ length: count }, (_, i) => first + i) };
}

export function cellCount(garments: number, modelPhotos: number, seeds: number): number {
  return garments * modelPhotos * seeds;
}

/**
 * Estimated run time of `cells` new cells of `steps` denoising steps each. Uses the queue's measured
 * time per step when there is one; otherwise none is known and the estimate is null (the form says
 * "unknown until a cell has run" rather than inventing a number).
 */
export function estimateMs(cells: number, steps: number, msPerStep: number | null): number | null {
  if (msPerStep === null || !Number.isFinite(msPerStep)) return null;
  return Math.round(cells * steps * msPerStep);
}
