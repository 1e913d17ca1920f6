// The training service's bookkeeping around the engine: a run the engine refuses ends failed with the
// engine's message (and resumable), the generation queue it paused is resumed; a queued run can be
// stopped (cancelled); a run left `running` by a crash is paused when the project opens again and the
// queue it held paused runs again; start refuses bad bases and options, naming the argument.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { TrainingRunRepo } from '../../main/store/training-runs.ts';
import type { TrainingEvent, TrainingStartRequest } from '../../preload/contract.ts';
import { assetsDir, fixturesDir } from '../helpers/fixtures.ts';
import { garmentPng, makeHost, solidPng, type TestHost } from './api-helpers.ts';

let t: TestHost | null = null;
after(async () => { await t?.close(); });

test('failure, cancel, crash recovery and start validation, without running the engine', async () => {
  t = await makeHost();
  const project = await t.ok('project:create', { name: 'Recovery' });
  const people = ['astronaut.png', 'grace_hopper.jpg'].map((f) => join(assetsDir, 'people', f));
  const { photos } = await t.ok('models:import', { items: await Promise.all(people.map(async (p) => ({ file: await t!.grant(p) }))) });
  const shirts = [await garmentPng(t.dir, 't-shirt_01'), await garmentPng(t.dir, 't-shirt_02')];
  const { garments } = await t.ok('garments:import', {
    items: await Promise.all(shirts.map(async (f, i) => ({ sku: `S-${i}`, name: `S ${i}`, category: 'upper_body' as const, photos: [{ file: await t!.grant(f), type: 'flat-lay' as const }] }))),
  });
  for (const [i, p] of photos.entries()) {
    await t.ok('masks:save', { modelPhotoId: p.id, category: 'upper_body', pngBase64: (await solidPng(p.width, p.height, 255)).toString('base64') });
    const dp = join(t.dir, `dp${i}.png`);
    writeFileSync(dp, await solidPng(p.width, p.height, 60, 3));
    await t.ok('densepose:import', { modelPhotoId: p.id, file: await t.grant(dp), format: 'HD-parula' });
  }
  const tiny = join(fixturesDir, 'leffa-tiny');
  const base = await t.ok('checkpoints:import', {
    file: await t.grant(join(tiny, 'weights.safetensors')), base: await t.grant(join(tiny, 'base', 'tiny-stable-diffusion-inpainting')),
    name: 'tiny', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true,
  });
  const pose = await t.ok('checkpoints:import', { file: await t.grant(join(tiny, 'weights.pth')), name: 'not a base', kind: 'pose', architecture: 'sd15', licence: 'MIT', commercialUse: true });
  const set = await t.ok('training:createSet', { name: 'S', pairs: photos.map((p, i) => ({ modelPhotoId: p.id, garmentId: garments[i]!.garment.id })) });
  const req: TrainingStartRequest = { setId: set.id, baseCheckpointId: base.id, mode: 'full', steps: 2, learningRate: 1e-4, leffaLoss: { enabled: false, weight: 0 }, sampleEvery: 0, seed: 0, width: 32, height: 48 };

  await t.fails('training:start', { ...req, baseCheckpointId: pose.id }, 'validation', /baseCheckpointId is \d+, a pose checkpoint; expected a complete try-on model/);
  await t.fails('training:start', { ...req, rank: 4 }, 'validation', /payload\.rank is 4; expected no rank with mode "full"/);
  await t.fails('training:start', { ...req, setId: 77 }, 'not_found', /training set 77/);
  await t.fails('training:start', { ...req, mode: 'half' }, 'validation', /payload\.mode/);

  // This host's engine cannot train: the run fails with the engine's message, and may be resumed.
  const run = await t.ok('training:start', req);
  await t.host.training.whenIdle();
  const failed = await t.ok('training:run', { id: run.id });
  assert.equal(failed.status, 'failed');
  assert.match(failed.error!, /train is not available/);
  const statuses = (t.eventsOf('training:event') as TrainingEvent[]).filter((e) => e.type === 'status').map((e) => e.type === 'status' && e.run.status);
  assert.deepEqual(statuses, ['queued', 'running', 'failed']);
  assert.equal((await t.ok('queue:state')).paused, false, 'the queue paused for the run runs again');

  // A queued run is cancelled by stop (a second run waits while the first holds the engine: make one by hand).
  const runs = new TrainingRunRepo(t.host.projects.project!.ctx);
  const queued = runs.create({ setId: set.id, baseCheckpointId: base.id, config: { ...req }, totalSteps: 2 });
  assert.equal((await t.ok('training:stop', { id: queued.id })).status, 'cancelled');
  await t.fails('training:resume', { id: queued.id }, 'conflict', /only a paused or failed run/);

  // A crash while training: the row says running and the queue is paused; reopening repairs both.
  const crashed = runs.create({ setId: set.id, baseCheckpointId: base.id, config: { ...req }, totalSteps: 2 });
  runs.setStatus(crashed.id, 'running', { startedAt: Date.now(), pausedQueue: true });
  runs.addMetric(crashed.id, { step: 1, total: 1, diffusion: 1, leffa: null, lr: 1e-4, gradNorm: 1, stepMs: 5 });
  await t.ok('queue:pause');
  await t.ok('project:close');
  await t.ok('project:open', { path: project.path });
  const recovered = await t.ok('training:run', { id: crashed.id });
  assert.deepEqual([recovered.status, recovered.step], ['paused', 1]);
  assert.match(recovered.error!, /closed while this run trained/);
  assert.equal((await t.ok('queue:state')).paused, false, 'the queue the crashed run paused runs again');
});
