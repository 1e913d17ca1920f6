// Who reviews: review:add and review:pick record the reviewer the call names (serve mode: each browser's),
// trimmed; without one, the host's reviewer (the OS user by default), as before. Malformed names are refused
// by the channel schema, naming the argument, the value and what was expected, and write nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { userInfo } from 'node:os';
import { createDispatch, type Dispatch } from '../../main/api/dispatch.ts';
import { createHandlers } from '../../main/api/handlers.ts';
import { JobStore } from '../../main/queue/index.ts';
import type { Project } from '../../main/store/index.ts';
import { ReviewService } from '../../main/services/review-service.ts';
import type { ProjectService } from '../../main/services/project-service.ts';
import type { ResponseOf, Result } from '../../preload/contract.ts';
import { addFixture } from './queue/helpers.ts';
import { count, pngBytes, tempProject, type TempProject } from './store/helpers.ts';

let t: TempProject;
let results: number[] = [];

before(async () => {
  t = await tempProject();
  const fx = await addFixture(t.project, { garments: 1 });
  const jobs = new JobStore(t.project);
  jobs.enqueueBatch({ checkpointId: fx.checkpointId, garmentIds: fx.garmentIds, modelPhotoIds: fx.modelPhotoIds, seeds: [1, 2, 3], settings: [{ steps: 1 }] });
  for (let job = jobs.claimNext('w'); job; job = jobs.claimNext('w')) {
    await jobs.storeResult(job.id, 'w', { image: await pngBytes(8, 8, job.id), record: { engineVersion: 't', backend: 't' } }, { runMs: 1, stepMs: 1 });
  }
  results = t.project.search.results({}).items.map((r) => r.id).sort((a, b) => a - b);
  assert.equal(results.length, 3, 'one cell, three seeds');
});
after(() => t.cleanup());

/** The review channels over dispatch (schemas, then the service), as either host runs them. */
function reviewDispatch(project: Project, reviewer?: string): Dispatch {
  const projects = { require: () => project } as unknown as ProjectService;
  const review = new ReviewService({ projects, ...(reviewer !== undefined && { reviewer }) });
  const appInfo = { info: () => { throw new Error('not in this test'); }, engineInfo: () => Promise.reject(new Error('not in this test')) };
  return createDispatch({ handlers: createHandlers({ appInfo, review }) });
}

async function ok<T>(d: Dispatch, channel: string, payload: unknown): Promise<T> {
  const r = (await d(channel, payload)) as Result<T>;
  assert.ok(r.ok, `${channel} failed: ${!r.ok && r.error.message}`);
  return r.value;
}

test('each review and pick records the reviewer its call names; without one, the OS user', async () => {
  const d = reviewDispatch(t.project);
  const [a, b] = results as [number, number];
  const osUser = userInfo().username || 'reviewer';

  const first = await ok<ResponseOf<'review:add'>>(d, 'review:add', { resultId: a, status: 'rejected', defectTags: ['colour-off'], notes: 'cuff' });
  assert.equal(first.review.reviewer, osUser, 'no name sent: the host records its OS user (the desktop app)');
  const mia = await ok<ResponseOf<'review:add'>>(d, 'review:add', { resultId: a, status: 'redo', reviewer: '  Mia Lee ' });
  assert.equal(mia.review.reviewer, 'Mia Lee', 'trimmed');
  assert.equal(mia.item.reviewer, 'Mia Lee', 'the list item carries the latest review\'s reviewer');
  const lea = await ok<ResponseOf<'review:add'>>(d, 'review:add', { resultId: a, status: 'approved', reviewer: 'Léa' });
  assert.equal(lea.item.reviewer, 'Léa');
  assert.equal(lea.item.reviewStatus, 'approved');

  const detail = await ok<ResponseOf<'review:get'>>(d, 'review:get', { id: a });
  assert.deepEqual(detail.history.map((h) => [h.status, h.reviewer]), [['rejected', osUser], ['redo', 'Mia Lee'], ['approved', 'Léa']]);
  assert.equal(detail.item.reviewer, 'Léa');
  const list = await ok<ResponseOf<'review:list'>>(d, 'review:list', {});
  assert.deepEqual(list.items.map((i) => [i.id, i.reviewer]).sort(), [[a, 'Léa'], [b, null], [results[2], null]].sort(), 'unreviewed results have none');

  await ok(d, 'review:pick', { resultId: b, reviewer: 'Mia Lee' });
  await ok(d, 'review:pick', { resultId: a });
  const picks = t.project.db.prepare('SELECT result_id AS resultId, reviewer FROM cell_picks ORDER BY id').all();
  assert.deepEqual(picks, [{ resultId: b, reviewer: 'Mia Lee' }, { resultId: a, reviewer: osUser }]);

  // A host built with its own reviewer (tests, a configured host) uses it when the call names none.
  const named = reviewDispatch(t.project, 'studio-host');
  assert.equal((await ok<ResponseOf<'review:add'>>(named, 'review:add', { resultId: b, status: 'approved' })).review.reviewer, 'studio-host');
  assert.equal((await ok<ResponseOf<'review:add'>>(named, 'review:add', { resultId: b, status: 'approved', reviewer: 'Mia Lee' })).review.reviewer, 'Mia Lee');
});

test('malformed reviewer names are refused, naming the argument, the value and the expectation; nothing is written', async () => {
  const d = reviewDispatch(t.project);
  const before = { reviews: count(t.project, 'reviews'), picks: count(t.project, 'cell_picks') };
  const expected = 'expected a reviewer name: 1 to 64 characters once trimmed, without control characters';
  const cases: Array<[unknown, string]> = [
    ['', '""'],
    ['   ', '"   "'],
    ['x'.repeat(65), JSON.stringify('x'.repeat(65))],
    [`  ${'y'.repeat(65)}  `, JSON.stringify(`  ${'y'.repeat(65)}  `)],
    ['mia\nlee', '"mia\\nlee"'],
    ['a\u0000b', '"a\\u0000b"'],
    [42, '42'],
    [null, 'null'],
    [['mia'], '["mia"]'],
  ];
  for (const [reviewer, shown] of cases) {
    for (const [channel, payload] of [['review:add', { resultId: results[0], status: 'approved', reviewer }], ['review:pick', { resultId: results[0], reviewer }]] as const) {
      const r = await d(channel, payload);
      assert.ok(!r.ok, `${channel} with reviewer ${shown} should fail`);
      assert.equal(r.error.kind, 'validation');
      assert.equal(r.error.message, `invalid payload for '${channel}': payload.reviewer: is ${shown}; ${expected}`);
    }
  }
  // 64 characters once trimmed is the most.
  const longest = 'z'.repeat(64);
  assert.equal((await ok<ResponseOf<'review:add'>>(d, 'review:add', { resultId: results[2], status: 'approved', reviewer: ` ${longest} ` })).review.reviewer, longest);
  assert.deepEqual({ reviews: count(t.project, 'reviews'), picks: count(t.project, 'cell_picks') }, { reviews: before.reviews + 1, picks: before.picks });
});
