// resolveSettings: options vs LEFFA_* environment variables, validation messages. Pure, in-process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveSettings, defaultThreads, MAX_WASM_THREADS } from '../../../models/backend/settings.ts';

test('defaults: auto, min(cores, 8) threads, threaded allowed', () => {
  const s = resolveSettings({}, {});
  assert.equal(s.backend, 'auto');
  assert.equal(s.threads, defaultThreads());
  assert.ok(s.threads >= 1 && s.threads <= MAX_WASM_THREADS);
  assert.equal(s.threadedAllowed, true);
});

test('environment variables override the options', () => {
  const s = resolveSettings({ backend: 'wasm', threads: 3 }, { LEFFA_BACKEND: 'CPU', LEFFA_WASM_THREADS: '2' });
  assert.equal(s.backend, 'cpu');
  assert.equal(s.threads, 2);
  assert.equal(resolveSettings({ backend: 'wasm' }, { LEFFA_BACKEND: '' }).backend, 'wasm');
  assert.equal(resolveSettings({}, { LEFFA_WASM_THREADED: '0' }).threadedAllowed, false);
});

test('invalid values name the variable, the value and the allowed values', () => {
  assert.throws(
    () => resolveSettings({}, { LEFFA_BACKEND: 'gpu' }),
    /LEFFA_BACKEND="gpu" is not valid; allowed: auto \| tensorflow \| wasm \| cpu/,
  );
  assert.throws(() => resolveSettings({}, { LEFFA_WASM_THREADS: '0' }), /LEFFA_WASM_THREADS="0".*whole number >= 1/);
  assert.throws(() => resolveSettings({}, { LEFFA_WASM_THREADS: '1.5' }), /LEFFA_WASM_THREADS/);
  assert.throws(() => resolveSettings({}, { LEFFA_WASM_THREADED: 'yes' }), /LEFFA_WASM_THREADED="yes".*0 \| 1/);
  assert.throws(() => resolveSettings({ backend: 'gl' as never }, {}), /option backend="gl"/);
  assert.throws(() => resolveSettings({ threads: -1 }, {}), /option threads=-1/);
});

test('thread counts above the build maximum are clamped with a note', () => {
  const s = resolveSettings({ threads: 32 }, {});
  assert.equal(s.threads, MAX_WASM_THREADS);
  assert.match(s.notes.join(), /clamped from 32 to 8/);
});
