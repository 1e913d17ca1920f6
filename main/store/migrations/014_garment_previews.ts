// Version 14: garment previews. Placeholder reserved for the Preprocessing UI feature (filled in before it ships; no
// project on disk has run it yet).
import type { Migration } from './types.ts';

export const migration014: Migration = {
  version: 14,
  name: 'garment previews',
  up() {
    // filled in by the Preprocessing UI feature
  },
};
