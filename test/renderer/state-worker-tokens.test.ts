// WorkerTokensStore (the team's worker tokens on the Projects screen) against a scripted api.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { register } from 'node:module';
import type { IssuedWorkerToken, WorkerTokenInfo } from '../../preload/contract.ts';
import { deferred, fakeApi, fails, tick } from './fake-api.ts';

register('./svelte-hooks.mjs', import.meta.url);
const { WorkerTokensStore } = await import('../../renderer/src/lib/state/worker-tokens.svelte.ts');

const tok = (name: string, revokedAt: number | null = null): WorkerTokenInfo => ({ name, createdAt: 100, revokedAt });

test('worker tokens: load lists them and counts the active ones; a failed load keeps the list and says why', async () => {
  const api = fakeApi({ 'queue:workerTokens': { tokens: [tok('gpu-1'), tok('old', 50), tok('gpu-2')] } });
  const s = new WorkerTokensStore(api);
  await s.load();
  assert.deepEqual(api.callsTo('queue:workerTokens'), [{}]);
  assert.deepEqual(s.active.map((t) => t.name), ['gpu-1', 'gpu-2']);
  api.handlers['queue:workerTokens'] = fails('no project is open', 'validation');
  await s.load();
  assert.equal(s.error, 'Could not load the worker tokens: no project is open');
  assert.equal(s.tokens.length, 3);
});

test('worker tokens: issue shows the token once, is busy meanwhile, and dismiss forgets it', async () => {
  const answer = deferred<IssuedWorkerToken>();
  const api = fakeApi({ 'queue:workerTokens': { tokens: [] }, 'queue:issueWorkerToken': () => answer.promise });
  const s = new WorkerTokensStore(api);
  await s.load();
  const issuing = s.issue('gpu-3');
  await tick();
  assert.equal(s.busy, true);
  answer.resolve({ name: 'gpu-3', token: 'lw_secret', command: 'leffa-worker --token lw_secret', tokens: [tok('gpu-3')] });
  assert.equal(await issuing, true);
  assert.equal(s.busy, false);
  assert.deepEqual(api.callsTo('queue:issueWorkerToken'), [{ name: 'gpu-3' }]);
  assert.equal(s.issued?.token, 'lw_secret');
  assert.deepEqual(s.active.map((t) => t.name), ['gpu-3']);
  s.dismiss();
  assert.equal(s.issued, null);
  assert.equal(s.tokens.length, 1, 'dismissing keeps the list');

  api.handlers['queue:issueWorkerToken'] = fails('a token named gpu-3 exists', 'conflict');
  assert.equal(await s.issue('gpu-3'), false);
  assert.equal(s.error, 'Could not issue a worker token: a token named gpu-3 exists');
  assert.equal(s.busy, false);
  assert.equal(s.issued, null);
});

test('worker tokens: revoking the token just issued hides it; revoking another keeps it; errors are shown', async () => {
  const revoked = new Set<string>();
  const list = () => ['a', 'b'].map((n) => tok(n, revoked.has(n) ? 200 : null));
  const api = fakeApi({
    'queue:issueWorkerToken': ({ name }) => ({ name, token: 't', command: 'c', tokens: list() }),
    'queue:revokeWorkerToken': ({ name }) => (revoked.add(name), { revoked: true, tokens: list() }),
  });
  const s = new WorkerTokensStore(api);
  await s.issue('b');
  await s.revoke('a');
  assert.equal(s.issued?.name, 'b', 'another token revoked: the issued one stays shown');
  assert.deepEqual(s.active.map((t) => t.name), ['b']);
  await s.revoke('b');
  assert.equal(s.issued, null);
  assert.deepEqual(s.active, []);
  assert.deepEqual(api.callsTo('queue:revokeWorkerToken'), [{ name: 'a' }, { name: 'b' }]);

  api.handlers['queue:revokeWorkerToken'] = fails('no token named c', 'not_found');
  await s.revoke('c');
  assert.equal(s.error, 'Could not revoke the worker token: no token named c');
  assert.equal(s.busy, false);
  assert.equal(s.tokens.length, 2);
});
