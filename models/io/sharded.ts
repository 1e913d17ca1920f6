// Sharded checkpoints (`*.safetensors.index.json`, as written by diffusers/transformers
// `save_pretrained` with `max_shard_size`): {"metadata": {...}, "weight_map": {"<tensor>": "<shard file>"}}.
// All shards are opened (and their headers validated) up front, and presented as one TensorSource.
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { TensorInfo, TensorSource } from './types.ts';
import { CheckpointError, describeValue } from './errors.ts';
import { createTensorSource } from './source.ts';
import { openSafetensors } from './safetensors.ts';

const LABEL = 'sharded checkpoint';

export function openShardedSafetensors(indexJsonPath: string): TensorSource {
  return openSharded(indexJsonPath, openSafetensors);
}

/** Generic over the shard format, so a `pytorch_model.bin.index.json` works with the .pth reader too. */
export function openSharded(indexJsonPath: string, openShard: (path: string) => TensorSource): TensorSource {
  const fail = (msg: string, key?: string): never => { throw new CheckpointError(indexJsonPath, `${LABEL} ${indexJsonPath}: ${msg}`, key); };
  let text: string;
  try { text = readFileSync(indexJsonPath, 'utf8'); } catch (e) { return fail(`cannot read the index (${(e as Error).message})`); }
  let index: unknown;
  try { index = JSON.parse(text); } catch (e) { return fail(`index is not valid JSON (${(e as Error).message})`); }
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(index)) return fail(`index is ${describeValue(index)}, expected a JSON object with "weight_map"`);
  const weightMap = index.weight_map;
  if (!isObj(weightMap)) return fail(`"weight_map" is ${describeValue(weightMap)}, expected an object mapping tensor names to shard files`);

  // Metadata values are numbers in practice ("total_size"); TensorSource metadata is strings.
  const metadata: Record<string, string> = {};
  if (isObj(index.metadata)) {
    for (const [k, v] of Object.entries(index.metadata)) metadata[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }

  // Group tensor names by shard, keeping shards in order of first appearance.
  const byShard = new Map<string, string[]>();
  for (const [name, shard] of Object.entries(weightMap)) {
    if (typeof shard !== 'string' || shard === '' || basename(shard) !== shard || shard === '.' || shard === '..') {
      fail(`weight_map[${JSON.stringify(name)}] is ${describeValue(shard)}, expected the file name of a shard in the same folder`, name);
    }
    const list = byShard.get(shard as string) ?? [];
    list.push(name);
    byShard.set(shard as string, list);
  }

  const dir = dirname(indexJsonPath);
  const shards: TensorSource[] = [];
  const owner = new Map<string, TensorSource>();
  const infos: TensorInfo[] = [];
  try {
    for (const [shard, names] of byShard) {
      let src: TensorSource;
      try { src = openShard(join(dir, shard)); } catch (e) {
        return fail(`shard ${shard} (holding ${names.length} tensors, e.g. ${JSON.stringify(names[0])}) cannot be opened: ${(e as Error).message}`, names[0]);
      }
      shards.push(src);
      const wanted = new Set(names);
      for (const name of names) {
        if (!src.has(name)) fail(`weight_map maps ${JSON.stringify(name)} to shard ${shard}, but that shard has no such tensor`, name);
      }
      // Within a shard, report the shard's own file order.
      for (const name of src.keys()) {
        if (!wanted.has(name)) continue;
        owner.set(name, src);
        infos.push(src.info(name));
      }
    }
  } catch (e) {
    for (const s of shards) s.close();
    throw e;
  }
  return createTensorSource({
    path: indexJsonPath,
    label: LABEL,
    metadata,
    infos,
    read: (info) => owner.get(info.name)!.read(info.name),
    close: () => { for (const s of shards) s.close(); },
  });
}
