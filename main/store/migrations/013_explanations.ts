// Version 13: explanations (the Explain view of a result: where each generated pixel looked in the garment).
//
// One row per (result, attention layer, sampling step) that was explained: the pictures (colour-wheel flow,
// warped garment, the canvas result and garment the flow lives in, the legend wheel) and the data for
// click-to-inspect (flow, Q_gen and K_ref of the layer, as one safetensors blob) are blobs; the row keeps their
// hashes and the layer's geometry, so opening an explanation again reads files instead of re-sampling.
// `layers` is the result's list of attention layers with their token maps (the same for every row of a
// result), kept so the pickers need no engine once something was explained.
// Rows are derived data: they go with their result (ON DELETE CASCADE; erasure deletes results).
import type { Migration } from './types.ts';

export const migration013: Migration = {
  version: 13,
  name: 'explanations',
  up(db) {
    db.exec(/* sql */ `
      CREATE TABLE explanations (
        id INTEGER PRIMARY KEY,
        result_id INTEGER NOT NULL REFERENCES results(id) ON DELETE CASCADE,
        layer TEXT NOT NULL CHECK (length(layer) BETWEEN 1 AND 200),
        step INTEGER NOT NULL CHECK (step >= 0),
        steps INTEGER NOT NULL CHECK (steps >= 1 AND step < steps),
        timestep INTEGER NOT NULL,
        temperature REAL NOT NULL CHECK (temperature > 0),
        token_h INTEGER NOT NULL CHECK (token_h >= 1),
        token_w INTEGER NOT NULL CHECK (token_w >= 1),
        heads INTEGER NOT NULL CHECK (heads >= 1),
        head_dim INTEGER NOT NULL CHECK (head_dim >= 1),
        width INTEGER NOT NULL CHECK (width >= 1),
        height INTEGER NOT NULL CHECK (height >= 1),
        flow_image_hash TEXT NOT NULL REFERENCES blobs(hash),
        warped_hash TEXT NOT NULL REFERENCES blobs(hash),
        result_hash TEXT NOT NULL REFERENCES blobs(hash),
        garment_hash TEXT NOT NULL REFERENCES blobs(hash),
        legend_hash TEXT NOT NULL REFERENCES blobs(hash),
        data_hash TEXT NOT NULL REFERENCES blobs(hash),
        layers TEXT NOT NULL CHECK (json_valid(layers) AND json_type(layers) = 'array'),
        backend TEXT NOT NULL,
        run_ms REAL,
        created_at INTEGER NOT NULL,
        UNIQUE (result_id, layer, step)
      );
    `);
  },
};
