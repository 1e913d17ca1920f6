// Undo/redo of mask edits: strokes and whole-mask actions are single steps, patches store only the
// changed rect, a new edit clears redo, and the byte cap drops the oldest steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MaskHistory, patchFrom } from '../../renderer/src/lib/mask/history.ts';
import { MaskBuffer, ON, paintSegment } from '../../renderer/src/lib/mask/mask-buffer.ts';
import { MaskDocument } from '../../renderer/src/lib/mask/mask-document.ts';

const snapshot = (m: MaskBuffer) => Buffer.from(m.data).toString('base64');

test('a stroke of many moves is one undo step, and redo restores it exactly', () => {
  const doc = new MaskDocument(new MaskBuffer(64, 64));
  const empty = snapshot(doc.mask);
  doc.beginStroke('brush', 10, 10, 4);
  doc.strokeTo(30, 12);
  doc.strokeTo(50, 40);
  doc.endStroke();
  const painted = snapshot(doc.mask);
  assert.notEqual(painted, empty);
  assert.equal(doc.history.depth, 1);
  assert.equal(doc.history.undoLabel, 'brush stroke');

  const rect = doc.undo();
  assert.ok(rect && rect.w < 64, 'undo repaints only the stroke’s rect');
  assert.equal(snapshot(doc.mask), empty);
  assert.equal(doc.history.canRedo, true);
  doc.redo();
  assert.equal(snapshot(doc.mask), painted);
});

test('undo and redo walk back and forth through brush, eraser, invert, fill and clear', () => {
  const doc = new MaskDocument(new MaskBuffer(20, 20));
  const states = [snapshot(doc.mask)];
  doc.beginStroke('brush', 5, 5, 3);
  doc.endStroke();
  states.push(snapshot(doc.mask));
  doc.invert();
  states.push(snapshot(doc.mask));
  doc.beginStroke('eraser', 10, 10, 5);
  doc.strokeTo(15, 10);
  doc.endStroke();
  states.push(snapshot(doc.mask));
  doc.clear();
  states.push(snapshot(doc.mask));
  doc.fill();
  states.push(snapshot(doc.mask));
  doc.bucket(0, 0, true);
  states.push(snapshot(doc.mask));
  assert.equal(doc.mask.count(), 0);

  for (let i = states.length - 2; i >= 0; i--) {
    doc.undo();
    assert.equal(snapshot(doc.mask), states[i], `after undo to state ${i}`);
  }
  assert.equal(doc.undo(), null, 'nothing left to undo');
  for (let i = 1; i < states.length; i++) {
    doc.redo();
    assert.equal(snapshot(doc.mask), states[i], `after redo to state ${i}`);
  }
  assert.equal(doc.redo(), null);
});

test('a new edit after undo drops the redo branch', () => {
  const doc = new MaskDocument(new MaskBuffer(10, 10));
  doc.fill();
  doc.undo();
  assert.equal(doc.history.canRedo, true);
  doc.beginStroke('brush', 2, 2, 1);
  doc.endStroke();
  assert.equal(doc.history.canRedo, false);
  assert.equal(doc.history.undoLabel, 'brush stroke');
});

test('edits that change nothing are not recorded (clearing an empty mask, erasing nothing)', () => {
  const doc = new MaskDocument(new MaskBuffer(10, 10));
  const revision = doc.revision;
  assert.equal(doc.clear(), null);
  doc.beginStroke('eraser', 5, 5, 3);
  doc.endStroke();
  assert.equal(doc.history.canUndo, false);
  assert.equal(doc.revision, revision, 'revision only moves for real changes');
});

test('patches hold only the changed rect; the byte cap drops the oldest steps but keeps the newest', () => {
  const before = new MaskBuffer(100, 100);
  const after = before.clone();
  const rect = paintSegment(after, 50, 50, 50, 50, 2, ON)!;
  const patch = patchFrom(before, after, rect, 'dab');
  assert.equal(patch.before.length, rect.w * rect.h);
  assert.ok(patch.before.length < 50);

  const history = new MaskHistory(2 * 2 * 100 * 100 + 10); // room for two full-mask patches
  const doc = new MaskDocument(new MaskBuffer(100, 100), history);
  doc.fill();
  doc.clear();
  doc.fill();
  assert.equal(history.depth, 2, 'the oldest full-mask step was dropped');
  assert.ok(history.bytes <= 2 * 2 * 100 * 100 + 10);
  doc.undo();
  doc.undo();
  assert.equal(doc.mask.count(), 100 * 100, 'back to the state after the first fill, not before it');
  assert.equal(history.canUndo, false);
});

test('undo in the middle of a stroke ends the stroke first', () => {
  const doc = new MaskDocument(new MaskBuffer(16, 16));
  doc.beginStroke('brush', 8, 8, 3);
  assert.ok(doc.stroking);
  doc.undo();
  assert.equal(doc.stroking, false);
  assert.equal(doc.mask.count(), 0);
  assert.equal(doc.history.canRedo, true);
});
