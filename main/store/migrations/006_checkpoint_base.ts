// Version 6: a checkpoint may carry its own diffusers base configs (unet/, vae/, scheduler/ JSON files),
// for models whose shape differs from the released ones (the tiny test model, reduced finetunes). The
// column holds the config folder's path relative to the project folder; NULL means the configs shipped
// with the app for the checkpoint's architecture.
import type { Migration } from './types.ts';

export const migration006: Migration = {
  version: 6,
  name: 'checkpoint base config',
  up(db) {
    db.exec(/* sql */ `ALTER TABLE checkpoints ADD COLUMN base_config TEXT CHECK (base_config IS NULL OR length(base_config) BETWEEN 1 AND 1000);`);
  },
};
