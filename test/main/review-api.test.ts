// The review channels' payload checks (strict schemas: the value received and what was expected are named)
// and their answers without an open project. These entries belong in api-validation.test.ts's MALFORMED
// table as well.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeHost, type TestHost } from './api-helpers.ts';

let t: TestHost | null = null;
after(async () => { await t?.close(); });

export const REVIEW_MALFORMED = {
  'review:list': [{ reviewStatus: 'maybe' }, { qa: 'bad' }, { sort: 'random' }, { limit: 0 }, { offset: -1 }, { extra: 1 }],
  'review:get': [{ id: 0 }, {}],
  'review:add': [{ resultId: 1 }, { resultId: 1, status: 'great' }, { resultId: 1, status: 'approved', defectTags: ['melted'] }, { resultId: 1, status: 'approved', reviewer: '  ' }, { resultId: 1, status: 'approved', reviewer: 'x'.repeat(65) }, { resultId: 1, status: 'approved', reviewer: 'a\nb' }, { resultId: 1, status: 'approved', who: 'x' }],
  'review:pick': [{}, { resultId: 1, clear: 'yes' }, { resultId: 1, reviewer: '' }, { resultId: 1, reviewer: 7 }],
  'results:rerun': [{ id: 1 }, { id: 1, mode: 'twice' }, { id: 1, mode: 'seed', seed: -1 }, { id: 1, mode: 'seed', seed: 2 ** 32 }],
} as const;

test('review channels refuse malformed payloads with a validation error naming the channel', async () => {
  t = await makeHost();
  for (const [channel, payloads] of Object.entries(REVIEW_MALFORMED)) {
    for (const payload of payloads) {
      const error = await t.fails(channel, payload, 'validation');
      assert.match(error.message, new RegExp(`^invalid payload for '${channel}': payload`), `${channel}: ${error.message}`);
    }
  }
});

test('without an open project they answer unavailable', async () => {
  for (const [channel, payload] of [['review:list', {}], ['review:get', { id: 1 }], ['review:add', { resultId: 1, status: 'approved' }], ['review:pick', { resultId: 1 }], ['results:rerun', { id: 1, mode: 'exact' }]] as const) {
    await t!.fails(channel, payload, 'unavailable', /no project is open/);
  }
});
