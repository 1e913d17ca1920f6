// The coordinator's HTTP endpoints, standalone on a loopback server (no Redis, no engine): worker tokens,
// what a claim hands out and what it refuses, blob access limited to the cells a worker holds, results
// stored once, cancel and takeover reaching a worker through its progress reports.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JobStore, type QueueEvent } from '../../../main/queue/index.ts';
import { cellKey } from '../../../main/team/cell-key.ts';
import { Coordinator } from '../../../main/team/coordinator.ts';
import { createCoordinatorHandler } from '../../../main/team/coordinator-http.ts';
import { encodeResultFrame } from '../../../main/team/result-frame.ts';
import { API_PREFIX, ClaimReply, PROTOCOL_VERSION, RESULT_CONTENT_TYPE } from '../../../main/team/wire.ts';
import { WorkerTokens } from '../../../main/team/worker-tokens.ts';
import { pngBytes, tempProject, type TempProject } from '../store/helpers.ts';
import { addFixture } from '../queue/helpers.ts';
import { serveCoordinator, type CoordinatorServer } from './processes.ts';

let t: TempProject;
let jobs: JobStore;
let tokens: WorkerTokens;
let server: CoordinatorServer;
let coordinator: Coordinator;
let logs: string[];
let A: string;
let B: string;
let keys: string[];

beforeEach(async () => {
  t = await tempProject();
  const fx = await addFixture(t.project, { garments: 2, people: 1 });
  jobs = new JobStore(t.project);
  jobs.enqueueBatch({ checkpointId: fx.checkpointId, garmentIds: fx.garmentIds, modelPhotoIds: fx.modelPhotoIds, seeds: [1, 2] });
  keys = jobs.list().map((j) => cellKey(j.id, j.settingsHash));
  tokens = WorkerTokens.open(join(t.dir, 'team', 'workers.json'));
  A = tokens.issue('gpu-a').token;
  B = tokens.issue('gpu-b').token;
  logs = [];
  coordinator = new Coordinator({ jobs, tokens, maxAttempts: 2, log: (l) => logs.push(l) });
  server = await serveCoordinator(createCoordinatorHandler(coordinator, { log: (l) => logs.push(l) }));
});

afterEach(async () => {
  await server.close();
  await t.cleanup();
});

interface Reply {
  status: number;
  headers: Headers;
  /** The JSON answer (an empty object for a binary one). */
  body: Record<string, unknown>;
  bytes: Buffer;
}

async function call(token: string | null, route: string, body?: unknown, init: RequestInit = {}): Promise<Reply> {
  const binary = body instanceof Uint8Array;
  const res = await fetch(`${server.url}${API_PREFIX}${route}`, {
    method: body === undefined ? 'GET' : 'POST',
    ...init,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body !== undefined && !binary ? { 'Content-Type': 'application/json' } : {}), ...(init.headers as Record<string, string>) },
    body: body === undefined ? undefined : binary ? (body as unknown as BodyInit) : JSON.stringify(body),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  const json = (res.headers.get('content-type') ?? '').startsWith('application/json');
  return { status: res.status, headers: res.headers, body: json ? (JSON.parse(bytes.toString()) as Record<string, unknown>) : {}, bytes };
}

const claim = async (token: string, key: string) => ClaimReply.parse((await call(token, 'claim', { key })).body);

/** A claim that must be granted. */
async function grant(token: string, key: string) {
  const r = await claim(token, key);
  assert.equal(r.status, 'granted');
  if (r.status !== 'granted') throw new Error('unreachable');
  return r;
}

async function upload(token: string, claimId: string, image: Buffer, sha = createHash('sha256').update(image).digest('hex')) {
  const frame = encodeResultFrame({ claim: claimId, sha256: sha, runMs: 12, stepMs: 3, record: { engineVersion: 'test-engine', backend: 'wasm' } }, image);
  return call(token, 'result', new Uint8Array(frame), { headers: { 'Content-Type': RESULT_CONTENT_TYPE } });
}

test('routes need a worker token: none, a wrong one or a revoked one get 401; other paths are left to the host', async () => {
  assert.equal((await call(null, 'claim', { key: keys[0] })).status, 401);
  assert.equal((await call('lsw_wrongwrongwrongwrongwrongwrong', 'claim', { key: keys[0] })).status, 401);
  assert.equal((await call(A, 'claim', { key: keys[0] })).status, 200);
  assert.equal(tokens.revoke('gpu-b'), true);
  assert.equal((await call(B, 'claim', { key: keys[1] })).status, 401, 'revoked: refused at the next request');
  const other = await fetch(`${server.url}/api/queue:list`, { method: 'POST', headers: { Authorization: `Bearer ${A}` } });
  assert.equal(await other.text(), 'not a coordinator route', 'non-team paths are not handled');
  assert.equal((await call(A, 'nope', {})).status, 404);
  assert.equal((await call(A, 'claim', { key: 42 })).status, 400);
  const all = JSON.stringify(logs);
  assert.ok(!all.includes(A) && !all.includes(B), 'no token in the coordinator log');
});

test('the registry keeps only digests, in a 0600 file; a new token for a name retires the old one', () => {
  const file = join(t.dir, 'team', 'workers.json');
  const text = readFileSync(file, 'utf8');
  assert.ok(!text.includes(A) && !text.includes(B));
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const reopened = WorkerTokens.open(file);
  assert.equal(reopened.verify(A), 'gpu-a');
  const again = reopened.issue('gpu-a').token;
  assert.equal(reopened.verify(A), null);
  assert.equal(reopened.verify(again), 'gpu-a');
  assert.throws(() => reopened.issue('bad name:1'), /expected a worker name/);
});

test('claim hands out a queued cell once; done, cancelled and unknown cells are skipped, so a cancelled cell is not run', async () => {
  const first = await grant(A, keys[0]!);
  assert.equal(first.cell.jobId, jobs.list()[0]!.id);
  assert.equal(first.cell.settings.steps, 30);
  assert.match(first.cell.inputs.person, /^[0-9a-f]{64}$/);
  assert.equal(jobs.get(first.cell.jobId)!.status, 'running');
  assert.equal(jobs.get(first.cell.jobId)!.claimedBy, `team:gpu-a:${first.claim}`);

  jobs.cancelJob(jobs.list()[1]!.id);
  assert.deepEqual(await claim(B, keys[1]!), { status: 'skip', reason: 'cancelled' });
  assert.equal(jobs.get(jobs.list()[1]!.id)!.attempt, 0, 'never started');

  assert.deepEqual((await upload(A, first.claim, await pngBytes(8, 8, 5))).body, { status: 'stored' });
  assert.deepEqual(await claim(B, keys[0]!), { status: 'skip', reason: 'done' });
  const [, hash] = /^cell-\d+-(.*)$/.exec(keys[2]!)!;
  assert.deepEqual(await claim(B, `cell-999-${hash}`), { status: 'skip', reason: 'unknown' });
  assert.deepEqual(await claim(B, keys[2]!.replace(/.$/, (c) => (c === '0' ? '1' : '0'))), { status: 'skip', reason: 'unknown' }, 'settings hash must match');
  assert.deepEqual(await claim(B, 'cell-1-nothex'), { status: 'skip', reason: 'unknown' });
});

test('a worker reads only the blobs of the cells it holds, in full or from an offset', async () => {
  const a = await grant(A, keys[0]!);
  const b = await grant(B, keys[2]!);
  const own = await call(A, `blobs/${a.cell.inputs.person}?claim=${a.claim}`);
  assert.equal(own.status, 200);
  assert.equal(own.headers.get('x-content-sha256'), a.cell.inputs.person);
  assert.equal(createHash('sha256').update(own.bytes).digest('hex'), a.cell.inputs.person);
  const tail = await call(A, `blobs/${a.cell.checkpoint.hash}?claim=${a.claim}`, undefined, { headers: { Range: 'bytes=5-' } });
  assert.equal(tail.status, 206);
  assert.equal(tail.bytes.toString(), 'not really weights'.slice(5));

  assert.notEqual(b.cell.inputs.garment, a.cell.inputs.garment);
  assert.equal((await call(A, `blobs/${b.cell.inputs.garment}?claim=${a.claim}`)).status, 403, "another cell's input");
  assert.equal((await call(A, `blobs/${b.cell.inputs.garment}?claim=${b.claim}`)).status, 403, "another worker's claim");
  assert.equal((await call(A, `blobs/${'0'.repeat(64)}?claim=${a.claim}`)).status, 403, 'no such blob: same answer');
  assert.equal((await call(A, `blobs/${a.cell.inputs.person}`)).status, 400, 'no claim');
  assert.equal((await upload(A, a.claim, await pngBytes(8, 8, 6))).status, 200);
  const resultHash = t.project.results.byJob(a.cell.jobId)!.blobHash;
  assert.equal((await call(A, `blobs/${resultHash}?claim=${a.claim}`)).status, 403, 'results are not readable');
  assert.equal((await call(A, `blobs/${a.cell.inputs.person}?claim=${a.claim}`)).status, 403, 'a finished claim reads nothing');
});

test('a result uploaded twice is stored once; a torn upload is refused', async () => {
  const a = await grant(A, keys[0]!);
  const image = await pngBytes(8, 8, 7);
  const bad = await upload(A, a.claim, image, 'f'.repeat(64));
  assert.equal(bad.status, 400);
  assert.match(String(bad.body.error), /SHA-256/);
  assert.equal(jobs.get(a.cell.jobId)!.status, 'running');
  assert.deepEqual((await upload(A, a.claim, image)).body, { status: 'stored' });
  assert.deepEqual((await upload(A, a.claim, image)).body, { status: 'duplicate' });
  assert.equal(t.project.db.prepare('SELECT count(*) FROM results WHERE job_id = ?').pluck().get(a.cell.jobId), 1);
  const result = t.project.results.byJob(a.cell.jobId)!;
  assert.deepEqual((result.record as { engine: unknown }).engine, { engineVersion: 'test-engine', backend: 'wasm', worker: { name: 'gpu-a', gpu: null, backend: null } });
  assert.equal(jobs.get(a.cell.jobId)!.status, 'succeeded');
});

test('progress reaches the app; a cancel in the app stops the worker at its next report and its upload is refused', async () => {
  const events: QueueEvent[] = [];
  jobs.events.on('job-progress', (e) => events.push(e));
  const a = await grant(A, keys[0]!);
  assert.deepEqual((await call(A, 'progress', { claim: a.claim, step: 3, steps: 30, stepMs: 120 })).body, { continue: true });
  assert.equal(events.length, 1);
  assert.equal(jobs.get(a.cell.jobId)!.progress, 0.1);
  jobs.cancelJob(a.cell.jobId);
  assert.deepEqual((await call(A, 'progress', { claim: a.claim, step: 4, steps: 30, stepMs: 120 })).body, { continue: false, reason: 'cancelled' });
  const refused = await upload(A, a.claim, await pngBytes(8, 8, 8));
  assert.equal(refused.status, 409);
  assert.deepEqual(refused.body, { status: 'refused', reason: 'cancelled' });
  assert.equal(t.project.results.byJob(a.cell.jobId), undefined);
});

test('a takeover after a worker died: the old claim is lost, attempts count, the cell fails after maxAttempts', async () => {
  const a = await grant(A, keys[0]!);
  const b = await grant(B, keys[0]!); // BullMQ re-queued the stalled job and gave it to B
    assert.equal(b.cell.attempt, 2);
  assert.deepEqual((await call(A, 'progress', { claim: a.claim, step: 1, steps: 30, stepMs: 1 })).body, { continue: false, reason: 'lost' });
  assert.deepEqual((await upload(A, a.claim, await pngBytes(8, 8, 9))).body, { status: 'refused', reason: 'lost' });
  assert.equal((await call(A, `blobs/${a.cell.inputs.person}?claim=${a.claim}`)).status, 403);
  assert.deepEqual(await claim(A, keys[0]!), { status: 'skip', reason: 'failed' }, 'maxAttempts = 2');
  const job = jobs.get(b.cell.jobId)!;
  assert.equal(job.status, 'failed');
  assert.match(job.error!.message, /2 workers stopped while running this cell/);
  assert.deepEqual((await upload(B, b.claim, await pngBytes(8, 8, 9))).body, { status: 'refused', reason: 'lost' });
});

test('release puts a cell back in the queue; fail records the engine error', async () => {
  const a = await grant(A, keys[0]!);
  assert.deepEqual((await call(A, 'release', { claim: a.claim })).body, { released: true });
  assert.equal(jobs.get(a.cell.jobId)!.status, 'queued');
  const again = await grant(B, keys[0]!);
  assert.equal(again.cell.attempt, 2);
  assert.deepEqual((await call(B, 'fail', { claim: again.claim, error: { type: 'MissingInputError', message: 'no mask' } })).body, { recorded: true });
  const job = jobs.get(a.cell.jobId)!;
  assert.equal(job.status, 'failed');
  assert.equal(job.error!.type, 'MissingInputError');
  assert.equal(job.error!.message, 'no mask (on worker gpu-b)');
  assert.deepEqual((await call(B, 'fail', { claim: again.claim, error: { type: 'X', message: 'again' } })).body, { recorded: false });
});

/** A LoRA checkpoint (its file a stand-in: nothing loads it here) and one queued cell on it. */
async function loraCell(options: { parentId?: number | null; name?: string; bytes?: string } = {}) {
  const weights = join(t.dir, `adapter-${options.name ?? 'lora'}.bin`);
  writeFileSync(weights, options.bytes ?? `an adapter ${options.name ?? ''}`);
  const base = t.project.checkpoints.get(jobs.list()[0]!.checkpointId)!;
  const parentId = options.parentId === undefined ? base.id : options.parentId;
  const lora = await t.project.checkpoints.import({
    file: weights, name: options.name ?? 'Tees LoRA', kind: 'LoRA', architecture: 'sd15', licence: 'CC-BY-4.0', commercialUse: true, ...(parentId !== null && { parentId }),
  });
  const fx = jobs.list()[0]!;
  jobs.enqueueBatch({ checkpointId: lora.id, garmentIds: [fx.garmentId], modelPhotoIds: [fx.modelPhotoId], seeds: [9] });
  const job = jobs.list().find((j) => j.checkpointId === lora.id)!;
  return { base, lora, job, key: cellKey(job.id, job.settingsHash) };
}

test('a LoRA cell is handed out with its adapter next to its base checkpoint; the worker may read both', async () => {
  const { base, lora, key } = await loraCell();
  const a = await grant(A, key);
  // The weights the engine opens are the base's; name and licence (provenance) are the LoRA checkpoint's.
  assert.deepEqual(a.cell.checkpoint, {
    id: lora.id, name: 'Tees LoRA', licence: 'CC-BY-4.0', hash: base.blobHash, size: base.size,
    lora: { hash: lora.blobHash, size: lora.size, base: { id: base.id, name: base.name } },
  });
  for (const hash of [lora.blobHash, base.blobHash]) {
    const r = await call(A, `blobs/${hash}?claim=${a.claim}`);
    assert.equal(r.status, 200);
    assert.equal(createHash('sha256').update(r.bytes).digest('hex'), hash);
    assert.equal(r.headers.get('x-content-sha256'), hash);
  }
  assert.equal((await call(B, `blobs/${lora.blobHash}?claim=${a.claim}`)).status, 403, "another worker's claim");
  // A plain cell's claim does not open the adapter.
  const plain = await grant(B, keys[0]!);
  assert.equal(plain.cell.checkpoint.lora, undefined);
  assert.equal((await call(B, `blobs/${lora.blobHash}?claim=${plain.claim}`)).status, 403);
});

test('a LoRA cell whose adapter blob is missing fails at the claim, naming the checkpoint and the hash; nothing is handed out', async () => {
  const { lora, job, key } = await loraCell();
  rmSync(t.project.blobPath(lora.blobHash));
  assert.deepEqual(await claim(A, key), { status: 'skip', reason: 'failed' });
  const after = jobs.get(job.id)!;
  assert.equal(after.status, 'failed');
  assert.equal(after.error!.type, 'MissingInputError');
  assert.match(after.error!.message, new RegExp(`^checkpoint ${lora.id} \\(Tees LoRA\\): its LoRA adapter blob ${lora.blobHash} is missing`));
  assert.ok(logs.some((l) => l.includes(`cell ${job.id} failed at its claim by gpu-a`)), logs.join('\n'));
});

test('what a worker cannot run fails at the claim with the reason: a LoRA without a base, an adapter on an adapter', async () => {
  const orphan = await loraCell({ parentId: null, name: 'Orphan LoRA' });
  assert.deepEqual(await claim(A, orphan.key), { status: 'skip', reason: 'failed' });
  assert.equal(jobs.get(orphan.job.id)!.error!.type, 'MissingInputError');
  assert.match(jobs.get(orphan.job.id)!.error!.message, new RegExp(`checkpoint ${orphan.lora.id} \\(Orphan LoRA\\) is a LoRA adapter without a base checkpoint`));
  const first = await loraCell({ name: 'First LoRA' });
  const stacked = await loraCell({ parentId: first.lora.id, name: 'Stacked LoRA' });
  assert.deepEqual(await claim(A, stacked.key), { status: 'skip', reason: 'failed' });
  const error = jobs.get(stacked.job.id)!.error!;
  assert.equal(error.type, 'Unsupported');
  assert.match(error.message, new RegExp(`checkpoint ${stacked.lora.id} \\(Stacked LoRA\\) is a LoRA adapter whose base, checkpoint ${first.lora.id} \\(First LoRA\\), is an adapter too`));
  assert.equal((await grant(A, first.key)).cell.checkpoint.lora?.hash, first.lora.blobHash, 'the adapter on a full model runs');
});

test('a worker of another protocol version is refused with what to do (a v1 worker would run a LoRA cell without its adapter)', async () => {
  assert.equal(PROTOCOL_VERSION, 2);
  for (const route of ['hello', 'claim']) {
    const res = await fetch(`${server.url}/team/v1/${route}`, { method: 'POST', headers: { Authorization: `Bearer ${A}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ key: keys[0] }) });
    assert.equal(res.status, 426);
    const body = (await res.json()) as { error: string };
    assert.match(body.error, /^this worker speaks team protocol v1, this coordinator v2 \(\/team\/v2\/\): run the same Leffa Studio version on the worker as in the app \(update the worker\)$/);
  }
  assert.equal(jobs.get(jobs.list()[0]!.id)!.status, 'queued', 'nothing was claimed');
  const newer = await fetch(`${server.url}/team/v3/claim`, { method: 'POST', headers: { Authorization: `Bearer ${A}` } });
  assert.equal(newer.status, 426);
  assert.match(((await newer.json()) as { error: string }).error, /v3, this coordinator v2 .*\(update the app\)$/);
  assert.equal((await fetch(`${server.url}/team/other`, { method: 'POST' })).status, 404);
});

test('workers report backend, GPU, speed and current cell', async () => {
  const hello = { backend: 'tensorflow', gpu: 'NVIDIA H100 80GB HBM3, 81559 MiB', engineVersion: 'Leffa Studio 0.1.0', host: 'gpu-box-1', pid: 4242 };
  assert.deepEqual((await call(A, 'hello', hello)).body, { name: 'gpu-a' });
  const a = await grant(A, keys[0]!);
  await call(A, 'progress', { claim: a.claim, step: 10, steps: 30, stepMs: 210 });
  const during = coordinator.registry.list().find((w) => w.name === 'gpu-a')!;
  assert.deepEqual([during.backend, during.gpu, during.host, during.online, during.current, during.stepMs], ['tensorflow', hello.gpu, 'gpu-box-1', true, { jobId: a.cell.jobId, step: 10, steps: 30 }, 210]);
  assert.equal((await upload(A, a.claim, await pngBytes(8, 8, 10))).status, 200);
  const after = coordinator.registry.list().find((w) => w.name === 'gpu-a')!;
  assert.equal(after.current, null);
  assert.equal(after.cellsDone, 1);
  assert.ok(after.secondsPerImage !== null && after.secondsPerImage >= 0);
  const record = t.project.results.byJob(a.cell.jobId)!.record as { engine: { worker: unknown } };
  assert.deepEqual(record.engine.worker, { name: 'gpu-a', gpu: hello.gpu, backend: 'tensorflow' });
});
