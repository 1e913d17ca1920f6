// The explanations store (migration 013, main/store/explanations.ts): the data blob is a valid safetensors
// file (read back by the engine's own safetensors reader), the schema's constraints hold, and refused saves
// name the argument and write no file. Saving real explanations is covered by explain-service.test.ts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSafetensors } from '../../models/io/safetensors.ts';
import { decodeExplanationData, encodeExplanationData, type NewExplanation } from '../../main/store/explanations.ts';
import { LATEST_VERSION } from '../../main/store/migrations/index.ts';
import { openProject } from '../../main/store/project.ts';
import { blobFiles } from './api-helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'leffa-explain-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const arrays = (h: number, w: number, inner: number) => ({
  flow: Float32Array.from({ length: h * w * 2 }, (_, i) => i / 10 - 1),
  query: Float32Array.from({ length: h * w * inner }, (_, i) => Math.sin(i)),
  key: Float32Array.from({ length: h * w * inner }, (_, i) => Math.cos(i)),
});

test('the data blob is safetensors: the engine reader gets the same arrays with their shapes', () => {
  const d = arrays(3, 2, 8);
  const bytes = encodeExplanationData(d, { h: 3, w: 2, inner: 8 });
  assert.deepEqual(decodeExplanationData(bytes), d);
  const file = join(dir, 'data.safetensors');
  writeFileSync(file, bytes);
  const src = openSafetensors(file);
  try {
    assert.deepEqual(src.keys(), ['flow', 'query', 'key']);
    assert.deepEqual(src.info('flow').shape, [3, 2, 2]);
    assert.deepEqual(src.info('query').shape, [6, 8]);
    assert.deepEqual(src.readFloat32('key'), d.key);
    assert.equal(src.metadata.format, 'leffa-studio explanation');
  } finally {
    src.close();
  }
  assert.throws(() => encodeExplanationData(d, { h: 3, w: 3, inner: 8 }), /data\.flow is "12 values"; expected 18 values \(3 × 3 × 2\)/);
  assert.throws(() => decodeExplanationData(new Uint8Array(4)), /bytes is "4 bytes"; expected an explanation data blob/);
});

test('migration 13 makes the table; saves are checked before anything is written', async () => {
  const project = await openProject({ dir: join(dir, 'p'), create: true });
  try {
    assert.ok(LATEST_VERSION >= 13);
    const cols = (project.db.pragma('table_info(explanations)') as { name: string }[]).map((c) => c.name);
    for (const c of ['result_id', 'layer', 'step', 'flow_image_hash', 'warped_hash', 'data_hash', 'layers']) assert.ok(cols.includes(c), c);
    const fk = project.db.pragma('foreign_key_list(explanations)') as { table: string; from: string; on_delete: string }[];
    assert.deepEqual(fk.find((f) => f.from === 'result_id'), { ...fk.find((f) => f.from === 'result_id'), table: 'results', on_delete: 'CASCADE' });
    const unique = (project.db.pragma('index_list(explanations)') as { unique: number; origin: string }[]).filter((i) => i.unique && i.origin === 'u');
    assert.equal(unique.length, 1, 'UNIQUE (result_id, layer, step)');

    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 2, 0, 0, 0, 3, 8, 2, 0, 0, 0]);
    const input: NewExplanation = {
      resultId: 42, layer: 'up_blocks.1.attentions.0.transformer_blocks.0.attn1', step: 1, steps: 2, timestep: 1, temperature: 2,
      h: 3, w: 2, heads: 2, headDim: 4, width: 16, height: 24, layers: [{ name: 'up_blocks.1.attentions.0.transformer_blocks.0.attn1', h: 3, w: 2 }],
      backend: 'wasm', pngs: { flow: png, warped: png, result: png, garment: png, legend: png }, data: arrays(3, 2, 8),
    };
    const before = blobFiles(project.dir);
    await assert.rejects(project.explanations.save(input), /explanations\.save: resultId is 42; expected the id of an existing result/);
    await assert.rejects(project.explanations.save({ ...input, step: -1 }), /explanations\.save: step is -1; expected/);
    await assert.rejects(project.explanations.save({ ...input, layer: '' }), /explanations\.save: layer is ""/);
    assert.deepEqual(blobFiles(project.dir), before, 'a refused save writes no file');
    assert.deepEqual(project.explanations.list(42), []);
    assert.equal(project.explanations.get(42, input.layer, 1), undefined);
  } finally {
    project.close();
  }
});
