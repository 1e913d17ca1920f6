import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_WINDOW_STATE, fitToDisplays, loadWindowState, saveWindowState } from '../../main/window-state.ts';

const tempDir = () => mkdtempSync(join(tmpdir(), 'leffa-window-state-'));

test('a missing or corrupt state file gives the default bounds', () => {
  const dir = tempDir();
  assert.deepEqual(loadWindowState(join(dir, 'none.json')), DEFAULT_WINDOW_STATE);
  writeFileSync(join(dir, 'bad.json'), '{"width": "wide"');
  assert.deepEqual(loadWindowState(join(dir, 'bad.json')), DEFAULT_WINDOW_STATE);
  writeFileSync(join(dir, 'tiny.json'), '{"width": 5, "height": 5}');
  assert.deepEqual(loadWindowState(join(dir, 'tiny.json')), DEFAULT_WINDOW_STATE);
});

test('saved bounds come back; the write leaves no temp files behind', () => {
  const dir = tempDir();
  const file = join(dir, 'nested', 'window-state.json');
  const state = { x: 10, y: 20, width: 1000, height: 700, maximized: true };
  saveWindowState(file, state);
  saveWindowState(file, { ...state, width: 1100 });
  assert.deepEqual(loadWindowState(file), { ...state, width: 1100 });
  assert.deepEqual(readdirSync(join(dir, 'nested')), ['window-state.json']);
  assert.doesNotThrow(() => JSON.parse(readFileSync(file, 'utf8')));
});

test('saving invalid bounds throws instead of writing them', () => {
  const file = join(tempDir(), 'w.json');
  assert.throws(() => saveWindowState(file, { width: Number.NaN, height: 1, maximized: false }));
});

test('a position off every display is dropped so the window is centred', () => {
  const display = { x: 0, y: 0, width: 1920, height: 1080 };
  const onScreen = { x: 100, y: 100, width: 800, height: 600, maximized: false };
  assert.deepEqual(fitToDisplays(onScreen, [display]), onScreen);
  assert.deepEqual(fitToDisplays({ ...onScreen, x: 3000 }, [display]), { width: 800, height: 600, maximized: false });
  assert.deepEqual(fitToDisplays({ ...onScreen, x: 3000 }, [display, { x: 1920, y: 0, width: 1920, height: 1080 }]), { ...onScreen, x: 3000 });
  assert.deepEqual(fitToDisplays(DEFAULT_WINDOW_STATE, [display]), DEFAULT_WINDOW_STATE);
});
