// The model manager over the API (createHost + dispatch) against the loopback Hub stand-in
// (test/models/hub/fake-hub.ts) serving the tiny fixture weights under Leffa's file names:
//   download -> registered checkpoint (source, hash, size, licence from the model card) -> a 1-cell batch is
//   refused until the licence is accepted -> accepted -> the batch runs on the real engine worker;
//   cancel mid-download, then the next download fetches only the rest; two downloads run one after another;
//   a checkpoint in a Python-layout cache is registered with no request at all; defaults per task.
import { test, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, copyFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHost } from '../../main/api/create-api.ts';
import { EngineSupervisor } from '../../main/engine-host/supervisor.ts';
import type { EngineLike } from '../../main/services/queue-service.ts';
import type { Channel, EventName, EventSpec, HubProgress, RequestOf, ResponseOf, Result, WireError } from '../../preload/contract.ts';
import { assetsDir, fixturesDir } from '../helpers/fixtures.ts';
import { gitOidOf, sha256Of } from '../models/hub/fake-hub.ts';
import { hubEnv, MODEL_CARD, TINY_WEIGHTS, type HubEnv } from '../models/hub/hub-env.ts';
import { garmentPng, idleEngine, solidPng, waitFor } from './api-helpers.ts';

const tiny = join(fixturesDir, 'leffa-tiny');
const SHA = sha256Of(TINY_WEIGHTS);
const DC_WEIGHTS = readFileSync(join(tiny, 'weights.safetensors'));
let engine: EngineSupervisor | null = null;
let env: HubEnv | undefined;
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await env?.cleanup();
  env = undefined;
});
after(async () => { await engine?.close(); });

/** A configs folder whose sd15 base is the tiny model's, so a downloaded tiny checkpoint builds the tiny model. */
function tinyConfigs(dir: string): string {
  const configs = join(dir, 'configs');
  cpSync(join(tiny, 'base', 'tiny-stable-diffusion-inpainting'), join(configs, 'stable-diffusion-inpainting'), { recursive: true });
  return configs;
}

interface HubHost {
  dir: string;
  host: ReturnType<typeof createHost>;
  ok<C extends Channel>(channel: C, request?: RequestOf<C>): Promise<ResponseOf<C>>;
  fails(channel: Channel, payload: unknown, kind: WireError['kind'], message?: RegExp): Promise<WireError>;
  eventsOf<E extends EventName>(event: E): EventSpec[E][];
  subscribe(listener: (p: HubProgress) => void): void;
}

async function hubHost(opts: { engine?: EngineLike } = {}): Promise<HubHost> {
  const dir = mkdtempSync(join(tmpdir(), 'leffa-hub-api-'));
  const host = createHost({
    name: 'Leffa Studio', version: '0.0.0-test', mode: 'serve', engine: opts.engine ?? idleEngine, dataDir: join(dir, 'data'),
    blobUrl: (hash) => `/blob/${hash}`, progressIntervalMs: 0, previewEveryMs: 0, log: () => {},
    hub: { configsDir: tinyConfigs(dir), manager: { retryDelayMs: 0 }, progressIntervalMs: 0 },
  });
  const events: { event: EventName; payload: unknown }[] = [];
  const listeners: ((p: HubProgress) => void)[] = [];
  host.events.subscribe((event, payload) => {
    events.push({ event, payload });
    if (event === 'hub:progress') for (const l of listeners) l(payload as HubProgress);
  });
  cleanups.push(async () => { await host.close(); rmSync(dir, { recursive: true, force: true }); });
  return {
    dir,
    host,
    async ok(channel, request) {
      const r = (await host.dispatch(channel, request ?? {})) as Result<ResponseOf<typeof channel>>;
      assert.ok(r.ok, `${channel} failed: ${!r.ok && JSON.stringify(r.error)}`);
      return r.value as never;
    },
    async fails(channel, payload, kind, message) {
      const r = await host.dispatch(channel, payload);
      assert.ok(!r.ok, `${channel} should fail`);
      assert.equal(r.error.kind, kind, r.error.message);
      if (message) assert.match(r.error.message, message);
      return r.error;
    },
    eventsOf: <E extends EventName>(event: E) => events.filter((e) => e.event === event).map((e) => e.payload as EventSpec[E]),
    subscribe: (l) => { listeners.push(l); },
  };
}

async function writeTemp(dir: string, name: string, bytes: Buffer): Promise<string> {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

test('download → registered with source, hash, size and licence → batch refused until the licence is accepted → runs on the engine', { timeout: 120_000 }, async () => {
  env = await hubEnv();
  engine = new EngineSupervisor({ workerData: { backend: 'wasm', threads: 1 }, log: () => {} });
  const t = await hubHost({ engine });
  await t.ok('project:create', { name: 'Hub drop' });

  const before = await t.ok('hub:catalogue');
  assert.deepEqual(before.items.map((m) => [m.id, m.state]), [['try-on-hd', 'not-downloaded'], ['try-on-dc', 'not-downloaded'], ['pose', 'not-downloaded']]);
  assert.equal(before.cacheDir, env.cacheDir);

  assert.deepEqual(await t.ok('hub:download', { modelId: 'try-on-hd' }), { queued: true, position: 1 });
  await t.host.hub.whenIdle();
  const progress = t.eventsOf('hub:progress');
  assert.equal(progress[0]!.state, 'queued');
  const downloading = progress.filter((p) => p.state === 'downloading');
  assert.ok(downloading.length > 0);
  assert.equal(downloading.at(-1)!.bytes, TINY_WEIGHTS.length);
  assert.ok(downloading.every((p) => p.totalBytes === TINY_WEIGHTS.length && p.file === 'virtual_tryon.pth' && p.bytesPerSecond >= 0));
  assert.ok(progress.some((p) => p.state === 'registering'), 'registration (hashing the linked file) reports progress');
  const done = progress.at(-1)!;
  assert.equal(done.state, 'done');
  assert.ok(done.checkpointId);

  // The registry: source = repo@commit/file, the Hub's SHA-256, the exact size, the card's licence.
  const ckpt = await t.ok('checkpoints:get', { id: done.checkpointId! });
  assert.equal(ckpt.blobHash, SHA);
  assert.equal(ckpt.size, TINY_WEIGHTS.length);
  assert.equal(ckpt.source, `franciszzj/Leffa@${env.hub.commit}/virtual_tryon.pth`);
  assert.equal(ckpt.licence, 'mit');
  assert.equal(ckpt.commercialUse, true);
  assert.deepEqual([ckpt.kind, ckpt.architecture], ['try-on-HD', 'sd15']);
  assert.deepEqual(ckpt.hub, { modelId: 'try-on-hd', repo: 'franciszzj/Leffa', revision: env.hub.commit, file: 'virtual_tryon.pth', sha256: SHA, size: TINY_WEIGHTS.length, cardLicence: 'mit' });
  assert.equal(ckpt.licenceAcceptedAt, null, 'a downloaded licence is not accepted until the user does');
  assert.deepEqual(ckpt.defaultFor, ['try-on-HD']);
  assert.ok(ckpt.isDefault);
  assert.match(ckpt.baseConfig ?? '', /^bases\/[0-9a-f]{16}\/stable-diffusion-inpainting$/);
  // Adopted by hard link: the project's blob is the cache's file (same inode), no second copy on disk.
  const cacheBlob = realpathSync(join(env.cacheDir, 'models--franciszzj--Leffa', 'snapshots', env.hub.commit, 'virtual_tryon.pth'));
  const project = t.host.projects.require();
  assert.equal(statSync(project.blobPath(SHA)).ino, statSync(cacheBlob).ino);
  assert.deepEqual(readFileSync(project.blobPath(SHA)), TINY_WEIGHTS);

  const after = await t.ok('hub:catalogue');
  assert.deepEqual(after.items.map((m) => [m.id, m.state, m.checkpointId]), [['try-on-hd', 'registered', ckpt.id], ['try-on-dc', 'not-downloaded', null], ['pose', 'not-downloaded', null]]);
  assert.equal(after.items[0]!.licence, 'mit');

  // A 1-cell batch: preview lists the pending licence, enqueue refuses with a conflict and queues nothing.
  const person = join(assetsDir, 'people', 'astronaut.png');
  const { photos: [photo] } = await t.ok('models:import', { items: [{ file: (await t.host.files.grantPath(person)).id }] });
  const shirt = await garmentPng(t.dir, 't-shirt_01');
  const { garments: [garment] } = await t.ok('garments:import', {
    items: [{ sku: 'TS-1', name: 'Tee', category: 'upper_body', photos: [{ file: (await t.host.files.grantPath(shirt)).id, type: 'flat-lay' }] }],
  });
  await t.ok('masks:save', { modelPhotoId: photo!.id, category: 'upper_body', pngBase64: (await solidPng(photo!.width, photo!.height, 255)).toString('base64') });
  const dp = await writeTemp(t.dir, 'dp.png', await solidPng(photo!.width, photo!.height, 30, 3));
  await t.ok('densepose:import', { modelPhotoId: photo!.id, file: (await t.host.files.grantPath(dp)).id, format: 'HD-parula' });
  const spec = { task: 'try-on-HD' as const, garmentIds: [garment!.garment.id], modelPhotoIds: [photo!.id], seeds: [3], settings: [{ steps: 1 }] };
  const plan = await t.ok('batches:preview', spec);
  assert.equal(plan.checkpointId, ckpt.id, 'the task default is picked');
  assert.deepEqual(plan.licencePending, { checkpointId: ckpt.id, name: ckpt.name, licence: 'mit' });
  await t.fails('batches:enqueue', spec, 'conflict', /licence of "Virtual try-on, VITON-HD" \(mit\) has not been accepted yet: accept it on the Checkpoints screen/);
  assert.equal((await t.ok('queue:state')).counts.total, 0);

  const accepted = await t.ok('checkpoints:acceptLicence', { id: ckpt.id, by: 'Ada (buyer)' });
  assert.equal(accepted.licenceAcceptedBy, 'Ada (buyer)');
  assert.ok(accepted.licenceAcceptedAt! >= ckpt.createdAt);
  const again = await t.ok('checkpoints:acceptLicence', { id: ckpt.id, by: 'someone else' });
  assert.deepEqual([again.licenceAcceptedBy, again.licenceAcceptedAt], ['Ada (buyer)', accepted.licenceAcceptedAt], 'the first acceptance is the record');
  assert.equal((await t.ok('batches:preview', spec)).licencePending, null);

  const batch = await t.ok('batches:enqueue', spec);
  assert.equal(batch.created, 1);
  await waitFor(() => t.eventsOf('queue:event').some((e) => e.type === 'batch-finished' && e.batchId === batch.batchId), 100_000, 'the batch to finish');
  const results = await t.ok('results:list', { batchId: batch.batchId });
  assert.equal(results.items.length, 1);
  const result = results.items[0]!;
  assert.equal(result.checkpointId, ckpt.id);
  assert.ok(t.host.catalog.blob(result.blobHash), 'the result image is stored');
});

test('cancel mid-download keeps the partial file; the next download fetches only the rest', async () => {
  env = await hubEnv();
  const t = await hubHost();
  await t.ok('project:create', { name: 'Resume' });
  let cancelledAt = 0;
  t.subscribe((p) => {
    if (p.modelId === 'try-on-hd' && p.state === 'downloading' && p.bytes > 0 && cancelledAt === 0) {
      cancelledAt = p.bytes;
      void t.host.dispatch('hub:cancel', { modelId: 'try-on-hd' });
    }
  });
  await t.ok('hub:download', { modelId: 'try-on-hd' });
  await t.host.hub.whenIdle();
  assert.ok(cancelledAt > 0);
  assert.equal(t.eventsOf('hub:progress').at(-1)!.state, 'cancelled');
  const partial = statSync(join(env.cacheDir, 'models--franciszzj--Leffa', 'blobs', `${SHA}.incomplete`)).size;
  assert.ok(partial > 0 && partial < TINY_WEIGHTS.length, `partial ${partial}`);
  const cat = await t.ok('hub:catalogue');
  assert.deepEqual([cat.items[0]!.state, cat.items[0]!.partialBytes], ['partial', partial]);
  assert.deepEqual((await t.ok('checkpoints:list')).items, []);
  // The partial is remembered across a restart (a new host on the same data folder).
  const state = JSON.parse(readFileSync(join(t.dir, 'data', 'hub-downloads.json'), 'utf8')) as { partials: Record<string, string> };
  assert.deepEqual(state.partials, { 'try-on-hd': `${SHA}.incomplete` });

  const sentBefore = env.hub.cdnBytesSent();
  await t.ok('hub:download', { modelId: 'try-on-hd' });
  await t.host.hub.whenIdle();
  const last = t.eventsOf('hub:progress').at(-1)!;
  assert.equal(last.state, 'done', JSON.stringify(last));
  const data = env.hub.requests.filter((r) => r.url.startsWith('/cdn/') && r.range !== 'bytes=0-0');
  assert.equal(data.at(-1)!.range, `bytes=${partial}-`);
  assert.equal(env.hub.cdnBytesSent() - sentBefore, TINY_WEIGHTS.length - partial + 1 /* the 0-0 probe */);
  assert.ok(t.eventsOf('hub:progress').some((p) => p.state === 'checking'), 'the partial is re-hashed before resuming');
  assert.equal((await t.ok('checkpoints:get', { id: last.checkpointId! })).blobHash, SHA);
  assert.deepEqual(JSON.parse(readFileSync(join(t.dir, 'data', 'hub-downloads.json'), 'utf8')), { partials: {} });
});

test('two downloads run one after another; cancelling a queued one drops it', async () => {
  env = await hubEnv({ files: { 'virtual_tryon.pth': TINY_WEIGHTS, 'virtual_tryon_dc.pth': DC_WEIGHTS, 'pose_transfer.pth': Buffer.from('PK\x03\x04pose'), 'README.md': MODEL_CARD } });
  const t = await hubHost();
  await t.ok('project:create', { name: 'Queue' });
  assert.deepEqual(await t.ok('hub:download', { modelId: 'try-on-hd' }), { queued: true, position: 1 });
  assert.deepEqual(await t.ok('hub:download', { modelId: 'try-on-dc' }), { queued: true, position: 2 });
  assert.deepEqual(await t.ok('hub:download', { modelId: 'pose' }), { queued: true, position: 3 });
  assert.deepEqual(await t.ok('hub:download', { modelId: 'try-on-dc' }), { queued: false, position: 1 }, 'already queued');
  const queued = await t.ok('hub:catalogue');
  assert.deepEqual(queued.items.map((m) => m.state), ['downloading', 'queued', 'queued']);
  assert.deepEqual(await t.ok('hub:cancel', { modelId: 'pose' }), { cancelled: true });
  await t.host.hub.whenIdle();

  const events = t.eventsOf('hub:progress').filter((p) => p.state !== 'queued');
  const lastHd = events.findLastIndex((p) => p.modelId === 'try-on-hd');
  const firstDc = events.findIndex((p) => p.modelId === 'try-on-dc');
  assert.ok(lastHd < firstDc, 'the second file starts only when the first is done');
  assert.deepEqual(events.filter((p) => p.state === 'done').map((p) => [p.modelId, p.fileIndex, p.fileCount]), [['try-on-hd', 1, 2], ['try-on-dc', 2, 2]]);
  assert.ok(!env.hub.requests.some((r) => r.url.includes('pose_transfer')), 'the cancelled queued download never started');
  const list = await t.ok('checkpoints:list');
  assert.deepEqual(list.items.map((c) => [c.kind, c.blobHash, c.source]), [
    ['try-on-HD', SHA, `franciszzj/Leffa@${env.hub.commit}/virtual_tryon.pth`],
    ['try-on-DC', sha256Of(DC_WEIGHTS), `franciszzj/Leffa@${env.hub.commit}/virtual_tryon_dc.pth`],
  ]);
  // Default per task: each downloaded try-on model is its task's default; the project default stays the first.
  assert.deepEqual(list.defaults, { 'try-on-HD': list.items[0]!.id, 'try-on-DC': list.items[1]!.id });
  assert.equal(list.defaultId, list.items[0]!.id);
  await t.fails('hub:download', { modelId: 'nope' }, 'not_found', /modelId is "nope"; expected one of "try-on-hd", "try-on-dc", "pose"/);
  await t.fails('hub:download', { modelId: '../x' }, 'validation');
});

test('a checkpoint in a Python-layout cache is registered without any request to the Hub', async () => {
  env = await hubEnv();
  const commit = 'fedcba9876543210fedcba9876543210fedcba98';
  const storage = join(env.cacheDir, 'models--franciszzj--Leffa');
  const snap = join(storage, 'snapshots', commit);
  mkdirSync(join(storage, 'blobs'), { recursive: true });
  mkdirSync(join(storage, 'refs'), { recursive: true });
  mkdirSync(snap, { recursive: true });
  copyFileSync(join(tiny, 'weights.pth'), join(storage, 'blobs', SHA));
  const card = Buffer.from('---\nlicense: cc-by-nc-sa-4.0\n---\n# Leffa\n');
  writeFileSync(join(storage, 'blobs', gitOidOf(card)), card);
  symlinkSync(join('..', '..', 'blobs', SHA), join(snap, 'virtual_tryon.pth'));
  symlinkSync(join('..', '..', 'blobs', gitOidOf(card)), join(snap, 'README.md'));
  writeFileSync(join(storage, 'refs', 'main'), commit);

  const t = await hubHost();
  await t.ok('project:create', { name: 'From Python' });
  const cat = await t.ok('hub:catalogue');
  assert.deepEqual([cat.items[0]!.state, cat.items[0]!.licence, cat.items[0]!.commercialUse, cat.items[0]!.sizeBytes], ['in-cache', 'cc-by-nc-sa-4.0', false, TINY_WEIGHTS.length]);
  const ckpt = await t.ok('hub:register', { modelId: 'try-on-hd' });
  assert.deepEqual([ckpt.blobHash, ckpt.size, ckpt.licence, ckpt.commercialUse, ckpt.source], [SHA, TINY_WEIGHTS.length, 'cc-by-nc-sa-4.0', false, `franciszzj/Leffa@${commit}/virtual_tryon.pth`]);
  assert.equal(env.hub.requests.length, 0, 'no request reached the Hub');
  assert.equal(statSync(t.host.projects.require().blobPath(SHA)).ino, statSync(join(storage, 'blobs', SHA)).ino, 'hard link, not a copy');
  // Registering again is the same checkpoint; a model that is not cached cannot be registered.
  assert.equal((await t.ok('hub:register', { modelId: 'try-on-hd' })).id, ckpt.id);
  await t.fails('hub:register', { modelId: 'try-on-dc' }, 'not_found', /expected a model in the Hugging Face cache at .*virtual_tryon_dc\.pth is not there/);
  assert.equal((await t.ok('hub:catalogue')).items[0]!.state, 'registered');

  // The cache may be evicted: the project keeps its bytes (a hard link, never a symlink into the cache).
  rmSync(storage, { recursive: true, force: true });
  assert.deepEqual(readFileSync(t.host.projects.require().blobPath(SHA)), TINY_WEIGHTS);
  assert.ok(await t.host.projects.require().files.verify(SHA));
});

test('a cache on another file system is copied (with progress), not linked', async (ctx) => {
  if (!existsSync('/dev/shm') || statSync('/dev/shm').dev === statSync(tmpdir()).dev) {
    ctx.skip('no second file system (/dev/shm) here');
    return;
  }
  env = await hubEnv();
  const shm = mkdtempSync(join('/dev/shm', 'leffa-hub-'));
  cleanups.push(() => rmSync(shm, { recursive: true, force: true }));
  process.env.HF_HUB_CACHE = shm;
  const t = await hubHost();
  await t.ok('project:create', { name: 'Copy' });
  await t.ok('hub:download', { modelId: 'try-on-hd' });
  await t.host.hub.whenIdle();
  const done = t.eventsOf('hub:progress').at(-1)!;
  assert.equal(done.state, 'done', JSON.stringify(done));
  const blob = t.host.projects.require().blobPath(SHA);
  const cached = realpathSync(join(shm, 'models--franciszzj--Leffa', 'snapshots', env.hub.commit, 'virtual_tryon.pth'));
  assert.notEqual(statSync(blob).dev, statSync(cached).dev);
  assert.deepEqual(readFileSync(blob), TINY_WEIGHTS);
  const registering = t.eventsOf('hub:progress').filter((p) => p.state === 'registering');
  assert.equal(registering.at(-1)!.bytes, TINY_WEIGHTS.length);
});

test('default per task: batches naming a task use its default; checkpoints:setDefault keeps working', async () => {
  env = await hubEnv();
  const t = await hubHost();
  await t.ok('project:create', { name: 'Defaults' });
  const grant = async (p: string) => (await t.host.files.grantPath(p)).id;
  const base = await grant(join(tiny, 'base', 'tiny-stable-diffusion-inpainting'));
  const hd = await t.ok('checkpoints:import', { file: await grant(join(tiny, 'weights.safetensors')), base, name: 'HD', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true });
  const dc = await t.ok('checkpoints:import', { file: await grant(join(tiny, 'weights.pth')), base, name: 'DC', kind: 'try-on-DC', architecture: 'sd15', licence: 'MIT', commercialUse: true });
  assert.ok(hd.licenceAcceptedAt && hd.licenceAcceptedBy === 'import', 'an import counts as accepted');
  assert.deepEqual([hd.defaultFor, dc.defaultFor, dc.isDefault], [['try-on-HD'], ['try-on-DC'], false]);

  const { photos: [photo] } = await t.ok('models:import', { items: [{ file: await grant(join(assetsDir, 'people', 'astronaut.png')) }] });
  const { garments: [g] } = await t.ok('garments:import', {
    items: [{ sku: 'D-1', name: 'Tee', category: 'upper_body', photos: [{ file: await grant(await garmentPng(t.dir, 't-shirt_02')), type: 'flat-lay' }] }],
  });
  const spec = { garmentIds: [g!.garment.id], modelPhotoIds: [photo!.id], seeds: [1] };
  assert.equal((await t.ok('batches:preview', spec)).checkpointId, hd.id, 'no task: the project default');
  assert.equal((await t.ok('batches:preview', { ...spec, task: 'try-on-DC' })).checkpointId, dc.id);
  assert.equal((await t.ok('batches:preview', { ...spec, task: 'try-on-HD' })).checkpointId, hd.id);
  await t.fails('batches:preview', { ...spec, task: 'pose' }, 'validation', /payload\.task is "pose": no checkpoint given and the project has no default for that task/);

  // setDefault as before (project default), and it makes the checkpoint its task's default too.
  const set = await t.ok('checkpoints:setDefault', { id: dc.id });
  assert.deepEqual(set, { defaultId: dc.id, defaults: { 'try-on-HD': hd.id, 'try-on-DC': dc.id } });
  assert.equal((await t.ok('batches:preview', spec)).checkpointId, dc.id);
  // A second HD checkpoint made the HD default leaves DC alone.
  const hd2 = await t.ok('checkpoints:import', { file: await grant(join(tiny, 'tensors.safetensors')), name: 'HD 2', kind: 'try-on-HD', architecture: 'sd15', licence: 'MIT', commercialUse: true });
  assert.deepEqual((await t.ok('checkpoints:setDefault', { id: hd2.id, task: 'try-on-HD' })).defaults, { 'try-on-HD': hd2.id, 'try-on-DC': dc.id });
  assert.equal((await t.ok('batches:preview', { ...spec, task: 'try-on-HD' })).checkpointId, hd2.id);
  await t.fails('checkpoints:setDefault', { id: hd2.id, task: 'pose' }, 'validation', /task is "pose"/);
  const listed = await t.ok('checkpoints:list');
  assert.deepEqual(listed.items.map((c) => [c.name, c.defaultFor, c.isDefault]), [['HD', [], false], ['DC', ['try-on-DC'], false], ['HD 2', ['try-on-HD'], true]]);
});
