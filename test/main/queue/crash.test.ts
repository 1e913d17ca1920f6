// Crash safety, end to end: the queue runs a real tiny-model batch in a child process that is killed
// with SIGKILL mid-batch (and, in the second test, between writing a result file and committing its row),
// then restarted. Afterwards every cell has exactly one intact result, the killed cell ran again, and no
// cell that had finished ran a second time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { JobStore } from '../../../main/queue/index.ts';
import { openProject, type Project } from '../../../main/store/index.ts';
import { listBlobFiles } from '../../../main/store/integrity.ts';
import { fixturesDir } from '../../helpers/fixtures.ts';
import { count, tempProject } from '../store/helpers.ts';
import { addFixture } from './helpers.ts';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const WEIGHTS = join(fixturesDir, 'leffa-tiny', 'weights.safetensors');

type Event = { event: string; jobId?: number; attempt?: number; step?: number; requeued?: number[]; orphanFiles?: string[] };

interface ChildRun {
  events: Event[];
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs the child on `dir`; `killWhen` sees each event and may ask for a SIGKILL. */
function runChild(dir: string, options: { env?: Record<string, string>; killWhen?: (e: Event, seen: Event[]) => boolean } = {}): Promise<ChildRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: Event[] = [];
  let buffer = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const e = JSON.parse(buffer.slice(0, nl)) as Event;
      buffer = buffer.slice(nl + 1);
      events.push(e);
      if (options.killWhen?.(e, events)) child.kill('SIGKILL');
    }
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`child timed out; stderr: ${stderr.slice(-2000)}`)); }, 60_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 && signal !== 'SIGKILL') reject(new Error(`child exited with ${code}; stderr: ${stderr.slice(-3000)}`));
      else resolve({ events, code, signal });
    });
  });
}

/** A closed project with a queued batch of garments × 1 model photo × seeds, 2 steps each, on the tiny model. */
async function queuedProject(garments: number, seeds: number[]) {
  const t = await tempProject();
  const fx = await addFixture(t.project, { garments, people: 1, checkpointFile: WEIGHTS });
  const jobs = new JobStore(t.project);
  const report = jobs.enqueueBatch({ checkpointId: fx.checkpointId, garmentIds: fx.garmentIds, modelPhotoIds: fx.modelPhotoIds, seeds, settings: [{ steps: 2 }] });
  t.project.close();
  return { ...t, cells: report.created };
}

/** Every job succeeded once, with exactly one result whose file is intact, and nothing is orphaned. */
async function assertComplete(project: Project, cells: number): Promise<void> {
  const jobs = new JobStore(project);
  assert.deepEqual(jobs.counts(), { queued: 0, running: 0, succeeded: cells, failed: 0, cancelled: 0, total: cells });
  assert.equal(count(project, 'results'), cells);
  assert.equal(project.db.prepare(`SELECT count(DISTINCT job_id) FROM results`).pluck().get(), cells, 'one result per job');
  for (const job of jobs.list()) {
    const result = project.results.byJob(job.id);
    assert.ok(result, `job ${job.id} has a result`);
    assert.equal(await project.files.verify(result.blobHash), true, `result of job ${job.id} is intact`);
  }
  const check = await project.checkIntegrity();
  assert.deepEqual([check.orphanFiles, check.missingFiles], [[], []]);
  assert.equal((await listBlobFiles(project.files.root)).length, count(project, 'blobs'));
}

const started = (events: Event[]) => events.filter((e) => e.event === 'running').map((e) => e.jobId!);
const finished = (events: Event[]) => events.filter((e) => e.event === 'succeeded').map((e) => e.jobId!);

test('kill -9 mid-cell: on restart the running cell is re-queued, finished cells are not re-run, all results intact', async () => {
  const t = await queuedProject(2, [1, 2]);
  try {
    // Kill during the denoising loop of the third cell, after two cells committed.
    const run1 = await runChild(t.dir, { env: { HOLD_AT_CELL: '3' }, killWhen: (e) => e.event === 'holding' });
    assert.equal(run1.signal, 'SIGKILL');
    const done1 = finished(run1.events);
    const killed = run1.events.find((e) => e.event === 'holding')!.jobId!;
    assert.equal(done1.length, 2);
    assert.deepEqual(started(run1.events), [...done1, killed]);

    const run2 = await runChild(t.dir);
    assert.equal(run2.code, 0);
    assert.deepEqual(run2.events.find((e) => e.event === 'recovered')?.requeued, [killed], 'the running cell is re-queued');
    const started2 = started(run2.events);
    assert.deepEqual(started2.filter((id) => done1.includes(id)), [], 'no finished cell ran again');
    assert.equal(started2.length + done1.length, t.cells, 'every other cell ran exactly once');

    const project = await openProject({ dir: t.dir });
    try {
      await assertComplete(project, t.cells);
      const jobs = new JobStore(project);
      assert.equal(jobs.get(killed)!.attempt, 2);
      assert.deepEqual(jobs.list().filter((j) => j.id !== killed).map((j) => j.attempt), Array(t.cells - 1).fill(1));
      assert.equal((project.results.byJob(killed)!.record as { engine: { backend: string } }).engine.backend, 'wasm');
    } finally {
      project.close();
    }
  } finally {
    await t.cleanup();
  }
});

test('kill -9 between writing a result file and committing its row: no duplicate, the orphan file is cleaned', async () => {
  const t = await queuedProject(1, [1, 2]);
  try {
    const run1 = await runChild(t.dir, { env: { CRASH_AFTER_BLOB: '1' } });
    assert.equal(run1.signal, 'SIGKILL');
    assert.equal(finished(run1.events).length, 0, 'the first result never committed');
    const orphan = run1.events.find((e) => e.event === 'crash-after-blob') as Event & { hash: string };

    const run2 = await runChild(t.dir);
    const open = run2.events.find((e) => e.event === 'open')!;
    assert.deepEqual(open.orphanFiles, [orphan.hash], 'the startup check found the uncommitted file');
    assert.equal(run2.events.find((e) => e.event === 'recovered')?.requeued?.length, 1);
    const project = await openProject({ dir: t.dir });
    try {
      await assertComplete(project, t.cells);
    } finally {
      project.close();
    }
  } finally {
    await t.cleanup();
  }
});
