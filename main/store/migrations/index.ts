// Every schema migration, in order. Add a new file (NNN_what.ts) and append it here; never edit one that
// has shipped, since projects on disk already ran it.
import type { Migration } from './types.ts';
import { migration001 } from './001_catalog.ts';
import { migration002 } from './002_garment_search.ts';
import { migration003 } from './003_checkpoints.ts';
import { migration004 } from './004_jobs_results.ts';
import { migration005 } from './005_reviews_exports.ts';
import { migration006 } from './006_checkpoint_base.ts';
import { migration007 } from './007_releases.ts';
import { migration008 } from './008_export_presets.ts';
import { migration009 } from './009_training.ts';
import { migration010 } from './010_hub_models.ts';
import { migration011 } from './011_review_extras.ts';
import { migration012 } from './012_project_settings.ts';
import { migration013 } from './013_explanations.ts';
import { migration014 } from './014_garment_previews.ts';

export type { Migration } from './types.ts';

export const MIGRATIONS: readonly Migration[] = [migration001, migration002, migration003, migration004, migration005, migration006, migration007,
  migration008, migration009, migration010, migration011, migration012, migration013, migration014,
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
