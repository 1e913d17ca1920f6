// Key routing (the newest registration for a shortcut wins, screen scopes before global, none while
// typing unless allowed) and the screen/hash mapping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { register } from 'node:module';

register('./svelte-hooks.mjs', import.meta.url);
const { Keys } = await import('../../renderer/src/lib/state/keys.svelte.ts');
const { Nav, screenFromHash } = await import('../../renderer/src/lib/state/nav.svelte.ts');
const { Toasts } = await import('../../renderer/src/lib/state/toasts.svelte.ts');

test('keys: screen handlers win over global ones for the same key; unregistering restores', () => {
  const keys = new Keys();
  const calls: string[] = [];
  keys.register('global', { help: () => calls.push('help'), close: () => calls.push('global close') });
  const off = keys.register('garments', { close: () => calls.push('garments close'), 'edit-selected': () => calls.push('edit') });
  assert.deepEqual(keys.scopes, ['global', 'garments']);
  assert.equal(keys.handle({ key: 'Escape' }, false), true);
  assert.equal(keys.handle({ key: 'e' }, false), true);
  assert.equal(keys.handle({ key: 'e' }, true), false, 'typing an e in a field');
  assert.equal(keys.handle({ key: '?', shiftKey: true }, false), true);
  assert.equal(keys.handle({ key: 'x' }, false), false);
  off();
  keys.handle({ key: 'Escape' }, true);
  assert.deepEqual(calls, ['garments close', 'edit', 'help', 'global close']);
  assert.deepEqual(keys.scopes, ['global']);
});

test('keys: a mask editor over the model photo screen gets Escape and its own letters', () => {
  const keys = new Keys();
  const calls: string[] = [];
  keys.register('model-photos', { close: () => calls.push('close detail') });
  keys.register('mask-editor', { close: () => calls.push('close editor'), eraser: () => calls.push('eraser'), undo: () => calls.push('undo') });
  keys.handle({ key: 'Escape' }, false);
  keys.handle({ key: 'e' }, false);
  keys.handle({ key: 'z', ctrlKey: true }, false);
  keys.handle({ key: 'z', metaKey: true }, false);
  assert.deepEqual(calls, ['close editor', 'eraser', 'undo', 'undo']);
});

test('nav and hash; toasts keep the last three and errors stay', () => {
  assert.equal(screenFromHash('#/queue'), 'queue');
  assert.equal(screenFromHash('#queue'), 'queue');
  assert.equal(screenFromHash('#/nope'), null);
  const nav = new Nav('batch');
  assert.equal(nav.screen, 'batch');
  nav.toggleHelp();
  assert.equal(nav.helpOpen, true);
  const toasts = new Toasts(0);
  for (const t of ['a', 'b', 'c', 'd']) toasts.push(t);
  assert.deepEqual(toasts.items.map((t) => t.text), ['b', 'c', 'd']);
  toasts.dismiss(toasts.items[0].id);
  assert.equal(toasts.items.length, 2);
});
