// Version 12: project settings. Placeholder reserved for the Rights feature (filled in before it ships; no
// project on disk has run it yet).
import type { Migration } from './types.ts';

export const migration012: Migration = {
  version: 12,
  name: 'project settings',
  up() {
    // filled in by the Rights feature
  },
};
