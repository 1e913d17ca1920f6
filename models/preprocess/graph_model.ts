// Loads a TF.js graph model (model.json + weight shards) from local files through a custom IO handler,
// so nothing is fetched at run time (the app works offline and cannot be pointed at a URL by mistake).
// tfjs-converter's `loadGraphModel` comes from the union package that models/tf.ts already loads; it
// shares the one tfjs-core instance, so the model's tensors live in the engine's backend.
import { createRequire } from 'node:module';
import type { GraphModel } from '@tensorflow/tfjs';
import * as tf from '../tf.ts';
import { readPinnedFile } from './model_files.ts';

const tfjs = createRequire(import.meta.url)('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');

interface ModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  signature?: object;
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** An IOHandler whose load() reads `<dir>/<name>.json` and its shards, each checked against its pin. */
export function fileModelHandler(dir: string, name: string): tf.io.IOHandler {
  return {
    load: async (): Promise<tf.io.ModelArtifacts> => {
      const json = JSON.parse((await readPinnedFile(dir, `${name}.json`)).toString('utf8')) as ModelJson;
      if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
        throw new Error(`${name}.json: expected a TF.js graph model (modelTopology + weightsManifest)`);
      }
      const shards = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map((p) => readPinnedFile(dir, p)));
      const all = Buffer.concat(shards);
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        signature: json.signature,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        // Own ArrayBuffer holding exactly the weights (Buffer.concat may return a pooled slice).
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer,
      };
    },
  };
}

/** Loads `<dir>/<name>.json` as a GraphModel. */
export async function loadLocalGraphModel(dir: string, name: string): Promise<GraphModel> {
  return tfjs.loadGraphModel(fileModelHandler(dir, name));
}

export type { GraphModel };
