// Version 10: downloaded models. Placeholder reserved for the Model manager feature (filled in before it ships; no
// project on disk has run it yet).
import type { Migration } from './types.ts';

export const migration010: Migration = {
  version: 10,
  name: 'downloaded models',
  up() {
    // filled in by the Model manager feature
  },
};
