// Version 8: export presets. Placeholder reserved for the Export feature (filled in before it ships; no
// project on disk has run it yet).
import type { Migration } from './types.ts';

export const migration008: Migration = {
  version: 8,
  name: 'export presets',
  up() {
    // filled in by the Export feature
  },
};
