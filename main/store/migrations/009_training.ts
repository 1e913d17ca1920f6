// Version 9: training sets and runs. Placeholder reserved for the Finetune feature (filled in before it ships; no
// project on disk has run it yet).
import type { Migration } from './types.ts';

export const migration009: Migration = {
  version: 9,
  name: 'training sets and runs',
  up() {
    // filled in by the Finetune feature
  },
};
