// The engine host running real try-on cells on the tiny fixture model in its worker thread: results with
// their record, progress and preview events, cancel, a crash that is recovered, and a main event loop that
// stays responsive while the worker computes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { EngineSupervisor } from '../../main/engine-host/supervisor.ts';
import type { EngineEvent, GenerateParams } from '../../main/engine-host/protocol.ts';
import { assetsDir, fixturesDir } from '../helpers/fixtures.ts';
import { parsePngText } from '../../models/image/index.ts';

const tiny = join(fixturesDir, 'leffa-tiny');
let dir = '';
let engine: EngineSupervisor;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leffa-engine-'));
  const { width: W, height: H } = await sharp(join(assetsDir, 'people', 'astronaut.png')).metadata();
  await sharp(Buffer.alloc(W! * H!, 255), { raw: { width: W!, height: H!, channels: 1 } }).png().toFile(join(dir, 'mask.png'));
  await sharp(Buffer.alloc(W! * H! * 3, 30), { raw: { width: W!, height: H!, channels: 3 } }).png().toFile(join(dir, 'dp.png'));
  await sharp(join(assetsDir, 'garments', 't-shirt_02.svg')).png().toFile(join(dir, 'garment.png'));
  engine = new EngineSupervisor({ workerData: { backend: 'wasm', threads: 1 }, log: () => {} });
});
after(async () => { await engine.close(); rmSync(dir, { recursive: true, force: true }); });

const cell = (steps: number, seed = 1): GenerateParams => ({
  task: 'tryon',
  checkpoint: { path: join(tiny, 'weights.safetensors'), base: join(tiny, 'base', 'tiny-stable-diffusion-inpainting') },
  inputs: { person: join(assetsDir, 'people', 'astronaut.png'), garment: join(dir, 'garment.png'), mask: join(dir, 'mask.png'), densepose: join(dir, 'dp.png') },
  settings: { steps, seed },
  previewEveryMs: 0,
});

test('a try-on cell runs in the worker: PNG with its record, progress events, same seed = same bytes', async () => {
  const events: EngineEvent[] = [];
  const a = await engine.request('generate', { ...cell(3), previewEveryMs: 1 }, { onEvent: (e) => events.push(e) });
  const b = await engine.request('generate', cell(3));
  assert.deepEqual([a.width, a.height], [512, 512]);
  assert.ok(Buffer.from(a.png).equals(Buffer.from(b.png)));
  const rec = JSON.parse(parsePngText(a.png)['leffa-studio']!);
  assert.equal(rec.settings.steps, 3);
  assert.equal(rec.task, 'tryon');
  assert.deepEqual(events.filter((e) => e.type === 'progress').map((e) => (e as { step: number }).step), [0, 1, 2]);
  const preview = events.find((e) => e.type === 'preview') as Extract<EngineEvent, { type: 'preview' }>;
  assert.ok(preview && preview.rgb.length === preview.width * preview.height * 3);
  const mem = await engine.request('memory', {});
  assert.equal(mem.backend, 'wasm');
});

test('cancel stops a running cell; bad inputs fail with a clear error; the next cell still runs', async () => {
  const ctl = new AbortController();
  const p = engine.request('generate', cell(50), { signal: ctl.signal, onEvent: (e) => { if (e.type === 'progress' && e.step === 1) ctl.abort(); } });
  await assert.rejects(p, /cancel/);
  await assert.rejects(engine.request('generate', { ...cell(2), inputs: { person: 'x' } }), /inputs\.garment, inputs\.mask, inputs\.densepose missing/);
  await assert.rejects(engine.request('generate', { ...cell(2), inputs: { ...cell(2).inputs, person: join(dir, 'nope.png') } }), /person image/);
  const ok = await engine.request('generate', cell(1));
  assert.ok(ok.png.length > 0);
});

test('main stays responsive while the worker computes (event-loop delay p99 < 50 ms)', async () => {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  await engine.request('generate', cell(8));
  h.disable();
  const p99 = h.percentile(99) / 1e6;
  assert.ok(p99 < 50, `event-loop delay p99 ${p99.toFixed(1)} ms`);
});

test('a worker that dies is replaced; the running cell fails as unavailable, the next one succeeds', async () => {
  const crashing = new EngineSupervisor({ workerData: { backend: 'wasm', threads: 1 }, log: () => {} });
  try {
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const first = crashing.request('generate', cell(30), { onEvent: (e) => { if (e.type === 'progress') started(); } });
    await running;
    await crashing.terminateForTests(); // the worker dies mid-cell
    await assert.rejects(first, { kind: 'unavailable' });
    const again = await crashing.request('generate', cell(1));
    assert.ok(again.png.length > 0);
    assert.equal(crashing.restarts, 1);
  } finally {
    await crashing.close();
  }
});
