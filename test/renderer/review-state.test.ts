// The Review screen's state against a scripted api: filters become requests, focus and ← → follow the
// grid's grouped order, a review sends the loupe's tags and notes, a re-run is followed until its
// result lands, and the compare view picks the right image.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { register } from 'node:module';
import type { ReviewDetail, ReviewItem, ReviewListRequest } from '../../preload/contract.ts';
import { fakeApi, tick } from './fake-api.ts';

register('./svelte-hooks.mjs', import.meta.url);
const { ReviewState } = await import('../../renderer/src/lib/state/review.svelte.ts');

function item(id: number, garmentId: number, over: Partial<ReviewItem> = {}): ReviewItem {
  return {
    id, jobId: 100 + id, batchId: 1, garmentId, modelPhotoId: 1, checkpointId: 1, category: 'upper_body', blobHash: `${id}`.padStart(64, '0'), width: 4, height: 4,
    reviewStatus: 'pending', createdAt: 0, sku: `SKU-${garmentId}`, garmentName: 'Tee', modelPhotoName: 'M', seed: id, steps: 2,
    defectTags: [], notes: null, reviewer: null, quality: null, picked: false, rerunOf: null, ...over,
  };
}

function detail(it: ReviewItem, versions: ReviewItem[]): ReviewDetail {
  return { item: it, record: {}, history: [], versions, reruns: [], inputs: { personHash: 'p'.repeat(64), garmentPhotoHash: 'g'.repeat(64), maskHash: 'm'.repeat(64), denseposeHash: null } };
}

test('filters, grouped focus order, reviews with tags and notes, re-run followed to its result', async () => {
  let items = [item(4, 1), item(3, 2), item(2, 1), item(1, 2)];
  const api = fakeApi({
    'review:list': () => ({ items, total: items.length, nextOffset: null }),
    'review:get': ({ id }) => detail(items.find((i) => i.id === id)!, items.filter((i) => i.garmentId === items.find((j) => j.id === id)!.garmentId)),
    'review:add': ({ resultId, status, defectTags, notes }) => {
      const updated = { ...items.find((i) => i.id === resultId)!, reviewStatus: status, defectTags: defectTags ?? [], notes: notes ?? null };
      items = items.map((i) => (i.id === resultId ? updated : i));
      return { review: { id: 1, resultId, status, defectTags: defectTags ?? [], notes: notes ?? null, reviewer: 'me', createdAt: 1 }, item: updated };
    },
    'results:rerun': ({ id, mode }) => ({ jobId: 77, batchId: 1, sourceResultId: id, mode, seed: 4 }),
  });
  const r = new ReviewState(api);
  const off = r.connect();
  await r.reload();
  assert.equal(r.focusId, 4, 'the first result is focused');
  // Grouped by garment: SKU-1 (4, 2) then SKU-2 (3, 1); → follows that order.
  r.move(1);
  assert.equal(r.focusId, 2);
  r.move(1);
  assert.equal(r.focusId, 3);
  r.move(-1);
  assert.equal(r.focusId, 2);

  r.setFilter('reviewStatus', 'rejected');
  r.setFilter('qa', 'warn');
  await tick();
  assert.deepEqual(api.callsTo('review:list').at(-1), { sort: 'newest', offset: 0, limit: 200, reviewStatus: 'rejected', qa: 'warn' } satisfies ReviewListRequest);

  // In the grid a review carries no tags; in the loupe it sends the draft tags and notes.
  await r.review('approved');
  assert.deepEqual(api.callsTo('review:add').at(-1), { resultId: 2, status: 'approved' });
  await r.open(2);
  assert.equal(r.layout, 'loupe');
  assert.equal(r.detail?.item.id, 2);
  r.toggleTag('sleeve-leak');
  r.toggleTag('colour-off');
  r.toggleTag('sleeve-leak');
  r.draftNotes = 'collar';
  await r.review('rejected');
  assert.deepEqual(api.callsTo('review:add').at(-1), { resultId: 2, status: 'rejected', defectTags: ['colour-off'], notes: 'collar' });
  assert.equal(r.focused?.reviewStatus, 'rejected');
  assert.equal(r.detail?.item.reviewStatus, 'rejected');

  // Compare: model photo, garment, another version.
  assert.equal(r.compareHash(), 'p'.repeat(64));
  r.compareWith = 'garment';
  assert.equal(r.compareHash(), 'g'.repeat(64));
  r.compareWith = 'version:4';
  assert.equal(r.compareHash(), items.find((i) => i.id === 4)!.blobHash);

  // Re-run: pending until the queue reports its job done, then the list and detail reload.
  const queued = await r.rerun('exact');
  assert.equal(queued?.jobId, 77);
  assert.equal(r.pendingReruns.size, 1);
  items = [item(5, 1, { rerunOf: { resultId: 2, mode: 'exact' } }), ...items];
  const lists = api.callsTo('review:list').length;
  api.emit('queue:event', { type: 'cell', jobId: 12, batchId: 1, from: 'running', to: 'succeeded', statusSeq: 2, attempt: 1 });
  await tick();
  assert.equal(r.pendingReruns.size, 1, 'another job finishing changes nothing');
  api.emit('queue:event', { type: 'cell', jobId: 77, batchId: 1, from: 'running', to: 'succeeded', statusSeq: 2, attempt: 1, resultId: 5 });
  await tick();
  await tick();
  assert.equal(r.pendingReruns.size, 0);
  assert.equal(api.callsTo('review:list').length, lists + 1);
  assert.ok(r.items.some((i) => i.id === 5));
  r.closeLoupe();
  assert.equal(r.layout, 'grid');
  off();
});

test('errors are shown, not thrown', async () => {
  const api = fakeApi({});
  const r = new ReviewState(api);
  await r.reload();
  assert.match(r.error ?? '', /review:list/);
  assert.equal(r.loaded, true);
});

test('a finished batch reloads the list once it was loaded', async () => {
  let n = 0;
  const api = fakeApi({ 'review:list': () => ({ items: [], total: n++, nextOffset: null }) });
  const r = new ReviewState(api);
  const off = r.connect();
  api.emit('queue:event', { type: 'batch-finished', batchId: 1, counts: { queued: 0, running: 0, succeeded: 1, failed: 0, cancelled: 0, total: 1 } });
  await tick();
  assert.equal(api.callsTo('review:list').length, 0, 'not loaded yet: nothing to refresh');
  await r.reload();
  api.emit('queue:event', { type: 'batch-finished', batchId: 1, counts: { queued: 0, running: 0, succeeded: 1, failed: 0, cancelled: 0, total: 1 } });
  await tick();
  await tick();
  assert.equal(api.callsTo('review:list').length, 2);
  assert.equal(r.total, 1);
  off();
});

/** A Storage stand-in (the tests run without a page). */
function memoryStorage(initial: Record<string, string> = {}) {
  const map = new Map(Object.entries(initial));
  return {
    map,
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
  };
}

test('serve mode: the reviewer name is asked once, remembered, and sent with reviews and picks', async () => {
  const items = [item(1, 1), item(2, 1, { picked: true })];
  const api = fakeApi({
    'review:list': () => ({ items, total: items.length, nextOffset: null }),
    'review:add': ({ resultId, status, reviewer }) => ({
      review: { id: 1, resultId, status, defectTags: [], notes: null, reviewer: reviewer ?? 'host-user', createdAt: 1 },
      item: { ...items.find((i) => i.id === resultId)!, reviewStatus: status, reviewer: reviewer ?? 'host-user' },
    }),
    'review:pick': ({ resultId }) => ({ garmentId: 1, modelPhotoId: 1, resultId }),
  });
  const storage = memoryStorage();
  const r = new ReviewState(api, storage);
  assert.equal(r.asksReviewer, true, 'serve mode asks');
  assert.equal(r.reviewer, null);
  await r.reload();

  // No name yet: nothing is sent, the host records its own user (as before).
  await r.review('approved');
  assert.deepEqual(api.callsTo('review:add').at(-1), { resultId: 1, status: 'approved' });
  assert.equal(r.focused?.reviewer, 'host-user');

  // Malformed names are refused with the reason; nothing is kept.
  assert.equal(r.setReviewer('x'.repeat(65)), false);
  assert.equal(r.reviewerError, 'A name has at most 64 characters (this one has 65).');
  assert.equal(r.setReviewer('mia\tlee'), false);
  assert.match(r.reviewerError ?? '', /control characters/);
  assert.equal(r.reviewer, null);
  assert.equal(storage.map.size, 0);

  // A name: trimmed, remembered in the browser, sent with each review and pick.
  assert.equal(r.setReviewer('  Mia Lee  '), true);
  assert.equal(r.reviewer, 'Mia Lee');
  assert.equal(r.reviewerError, null);
  assert.deepEqual([...storage.map.values()], ['Mia Lee']);
  await r.review('rejected');
  assert.deepEqual(api.callsTo('review:add').at(-1), { resultId: 1, status: 'rejected', reviewer: 'Mia Lee' });
  assert.equal(r.focused?.reviewer, 'Mia Lee', 'the grid shows who reviewed');
  await r.pick(2);
  assert.deepEqual(api.callsTo('review:pick').at(-1), { resultId: 2, clear: true, reviewer: 'Mia Lee' });

  // Another page of the same browser finds the name; a bad stored value is ignored.
  assert.equal(new ReviewState(api, storage).reviewer, 'Mia Lee');
  assert.equal(new ReviewState(api, memoryStorage({ 'leffa-studio.reviewer': '   ' })).reviewer, null);
  assert.equal(new ReviewState(api, { getItem: () => { throw new Error('blocked'); }, setItem: () => {}, removeItem: () => {} }).reviewer, null);

  // '' forgets it: back to the host's user.
  assert.equal(r.setReviewer(''), true);
  assert.equal(r.reviewer, null);
  assert.equal(storage.map.size, 0);
  await r.review('redo');
  assert.deepEqual(api.callsTo('review:add').at(-1), { resultId: 1, status: 'redo' });
});

test('the desktop app never asks: no reviewer is sent, the host records the OS user', async () => {
  const items = [item(1, 1)];
  const api = fakeApi({
    'review:list': () => ({ items, total: 1, nextOffset: null }),
    'review:add': ({ resultId, status }) => ({ review: { id: 1, resultId, status, defectTags: [], notes: null, reviewer: 'os-user', createdAt: 1 }, item: { ...items[0]!, reviewStatus: status } }),
    'review:pick': ({ resultId }) => ({ garmentId: 1, modelPhotoId: 1, resultId }),
  }, { mode: 'electron' });
  const r = new ReviewState(api, memoryStorage({ 'leffa-studio.reviewer': 'someone' }));
  assert.equal(r.asksReviewer, false);
  assert.equal(r.reviewer, null, 'a name stored by a serve page is not used');
  await r.reload();
  await r.review('approved');
  await r.pick(1);
  assert.deepEqual(api.callsTo('review:add'), [{ resultId: 1, status: 'approved' }]);
  assert.deepEqual(api.callsTo('review:pick'), [{ resultId: 1 }]);
});
