// Version 11: review extras. Placeholder reserved for the Review feature (filled in before it ships; no
// project on disk has run it yet).
import type { Migration } from './types.ts';

export const migration011: Migration = {
  version: 11,
  name: 'review extras',
  up() {
    // filled in by the Review feature
  },
};
