// Version 13: explanations. Placeholder reserved for the Explain feature (filled in before it ships; no
// project on disk has run it yet).
import type { Migration } from './types.ts';

export const migration013: Migration = {
  version: 13,
  name: 'explanations',
  up() {
    // filled in by the Explain feature
  },
};
