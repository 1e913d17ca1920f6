// A GPU device lost mid-cell, at the queue level: the engine worker runs on WebGPU (SwiftShader here,
// Chromium's software Vulkan driver), a test hook destroys its device after the first denoising step
// of the first cell. That cell fails with a clear message and goes back to the queue by itself; the
// host re-creates the device and says so (log line, engine:status notice); the cell succeeds as
// attempt 2, and the next cell succeeds too. Every result's record names the backend and the adapter.
// Slow (about 1-3 minutes on SwiftShader on a busy 2-core machine): `npm run test:device-loss`.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHost, type Host } from '../../main/api/create-api.ts';
import { EngineSupervisor } from '../../main/engine-host/supervisor.ts';
import type { Channel, EngineStatus, QueueEvent, RequestOf, ResponseOf, Result } from '../../preload/contract.ts';
import { fixturesDir } from '../helpers/fixtures.ts';
import { addTeamFixture } from './team/fixture.ts';

const tiny = join(fixturesDir, 'leffa-tiny');
// Armed in the environment the engine worker thread starts with (webgpu-test-hooks.ts): destroy the
// device once, when step 0 (the first) of a cell is done.
process.env.LEFFA_TEST_WEBGPU_DESTROY_AT_STEP = '0';
// The thread starts with the first request (info, in the test), and reads the variable then.
const engine = new EngineSupervisor({ workerData: { backend: 'webgpu' }, log: () => {} });

const dir = mkdtempSync(join(tmpdir(), 'leffa-device-loss-'));
const logs: string[] = [];
const events: Array<{ event: string; payload: unknown }> = [];
let host: Host | null = null;

after(async () => {
  await host?.close();
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

async function ok<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
  const r = (await host!.dispatch(channel, request)) as Result<ResponseOf<C>>;
  assert.ok(r.ok, `${channel}: ${!r.ok && JSON.stringify(r.error)}`);
  return r.value;
}

test('device lost mid-cell on WebGPU: the cell fails clearly, is retried once (attempt 2) and succeeds; so does the next', { timeout: 240_000 }, async (t) => {
  const info = await engine.request('info', {});
  delete process.env.LEFFA_TEST_WEBGPU_DESTROY_AT_STEP;
  if (info.backend !== 'webgpu') {
    t.skip(`no WebGPU adapter here (${info.fallbackReasons.join('; ')})`);
    return;
  }
  assert.ok(info.adapter, 'the engine names its adapter');
  host = createHost({
    name: 'Leffa Studio', version: '0.0.0-test', mode: 'serve', engine, dataDir: join(dir, 'data'), blobUrl: (h) => `/blob/${h}`,
    progressIntervalMs: 0, previewEveryMs: 0, log: (m) => logs.push(m),
  });
  host.events.subscribe((event, payload) => events.push({ event, payload }));
  await host.queue.engineStatus();
  await ok('project:create', { name: 'Device loss', parent: (await host.files.grantPath(dir)).id });
  const project = host.projects.require();
  const ckpt = await ok('checkpoints:import', {
    file: (await host.files.grantPath(join(tiny, 'weights.safetensors'))).id,
    base: (await host.files.grantPath(join(tiny, 'base', 'tiny-stable-diffusion-inpainting'))).id,
    name: 'Leffa tiny (base)', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true,
  });
  // Garments and photos with masks and DensePose (its checkpoint import finds the one above: same bytes).
  const fx = await addTeamFixture(project);
  assert.equal(fx.checkpointId, ckpt.id);
  const batch = await ok('batches:enqueue', { checkpointId: ckpt.id, garmentIds: [fx.garmentIds[0]!], modelPhotoIds: fx.modelPhotoIds, seeds: [5], settings: [{ steps: 1 }] });
  assert.equal(batch.created, 2);
  const queueEvents = () => events.filter((e) => e.event === 'queue:event').map((e) => e.payload as QueueEvent);
  for (const t0 = Date.now(); !queueEvents().some((e) => e.type === 'batch-finished' && e.batchId === batch.batchId);) {
    assert.ok(Date.now() - t0 < 200_000, `the batch did not finish: ${JSON.stringify(queueEvents().slice(-5))}\n${logs.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const finished = queueEvents().find((e) => e.type === 'batch-finished' && e.batchId === batch.batchId)!;
  if (finished.type === "batch-finished" && finished.counts.failed) console.error(JSON.stringify(queueEvents().filter((e) => e.type === "cell"), null, 1), logs.join("\n"));
  assert.deepEqual(finished.type === 'batch-finished' && finished.counts, { queued: 0, running: 0, succeeded: 2, failed: 0, cancelled: 0, total: 2 });

  const [first, second] = (await ok('queue:cells', { batchId: batch.batchId })).items;
  // The first cell: running → back to queued with the fault as its error → running again (attempt 2) → succeeded.
  const moves = queueEvents().filter((e): e is Extract<QueueEvent, { type: 'cell' }> => e.type === 'cell' && e.jobId === first!.jobId);
  assert.deepEqual(moves.map((e) => [e.from, e.to, e.attempt]), [['queued', 'running', 1], ['running', 'queued', 1], ['queued', 'running', 2], ['running', 'succeeded', 2]]);
  const fault = moves[1]!.error ?? '';
  t.diagnostic(fault);
  assert.match(fault, /the WebGPU device \(.+\) was lost \(destroyed.*\) while running this cell; the host re-created the WebGPU device on .+\. The cell is retried\./);
  assert.equal(first!.attempt, 2);
  assert.equal(first!.status, 'succeeded');
  assert.equal(first!.error, null, 'a succeeded cell carries no error');
  // The next cell ran once, on the new device.
  assert.equal(second!.status, 'succeeded');
  assert.equal(second!.attempt, 1);

  // The host said what it did: a log line and an engine:status notice; the status names the adapter.
  assert.ok(logs.some((l) => /^\[engine\] cell \d+: the WebGPU device .* was lost .*re-created/.test(l)), logs.join('\n'));
  const statuses = events.filter((e) => e.event === 'engine:status').map((e) => e.payload as EngineStatus);
  assert.ok(statuses.some((s) => s.notice !== undefined && /re-created the WebGPU device/.test(s.notice)), JSON.stringify(statuses));
  const now = await host.queue.engineStatus();
  assert.equal(now.backend, 'webgpu');
  assert.equal(now.adapter, (await engine.request('info', {})).adapter);

  // Each result's record: backend and adapter in its engine section, and the attempt that made it.
  for (const [cell, attempt] of [[first!, 2], [second!, 1]] as const) {
    const result = await ok('results:get', { id: cell.resultId! });
    const record = result.record as { attempt: number; engine: { backend: string; adapter?: string } };
    assert.equal(record.attempt, attempt);
    assert.equal(record.engine.backend, 'webgpu');
    assert.equal(record.engine.adapter, now.adapter);
  }
});
