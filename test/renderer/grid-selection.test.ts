// Virtual grid maths (which rows to render for 100k items) and multi-selection rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gridLayout, moveIndex, scrollToItem, visibleRange } from '../../renderer/src/lib/virtual-grid.ts';
import { Selection } from '../../renderer/src/lib/selection.ts';

const layout = gridLayout({ count: 100_000, width: 1000, minCellWidth: 150, gap: 10, aspect: 4 / 3, extra: 40 });

test('columns are what fits at the minimum width; cells share the width', () => {
  assert.equal(layout.columns, 6); // 6 × 150 + 5 × 10 = 950 ≤ 1000; 7 would need 1110
  assert.equal(layout.cellWidth, Math.floor((1000 - 50) / 6));
  assert.equal(layout.cellHeight, Math.round(layout.cellWidth * 4 / 3 + 40));
  assert.equal(layout.rows, Math.ceil(100_000 / 6));
  assert.equal(layout.totalHeight, layout.rows * layout.rowHeight - 10);
  assert.equal(gridLayout({ count: 5, width: 50, minCellWidth: 150, gap: 10, aspect: 1, extra: 0 }).columns, 1, 'never zero columns');
  assert.equal(gridLayout({ count: 0, width: 1000, minCellWidth: 150, gap: 10, aspect: 1, extra: 0 }).totalHeight, 0);
});

test('only the visible rows plus overscan are rendered, wherever the grid is scrolled', () => {
  const viewport = 800;
  for (const scrollTop of [0, 12_345, layout.totalHeight / 2, layout.totalHeight - viewport]) {
    const r = visibleRange(layout, 100_000, scrollTop, viewport, 2);
    const rows = r.endRow - r.firstRow;
    assert.ok(rows <= Math.ceil(viewport / layout.rowHeight) + 1 + 4, `rows ${rows} at ${scrollTop}`);
    assert.ok(r.end - r.start <= rows * layout.columns);
    assert.equal(r.offsetY, r.firstRow * layout.rowHeight);
    // The first visible row is rendered.
    assert.ok(r.firstRow * layout.rowHeight <= scrollTop);
    assert.ok(r.endRow * layout.rowHeight >= Math.min(layout.totalHeight, scrollTop + viewport));
  }
  const end = visibleRange(layout, 100_000, layout.totalHeight, viewport, 2);
  assert.equal(end.end, 100_000, 'the last item is in range at the bottom');
  assert.equal(end.endRow, layout.rows);
  assert.deepEqual(visibleRange(gridLayout({ count: 0, width: 500, minCellWidth: 100, gap: 0, aspect: 1, extra: 0 }), 0, 0, 500), { firstRow: 0, endRow: 0, start: 0, end: 0, offsetY: 0 });
});

test('scrollToItem scrolls just enough to show an item, and keyboard moves stay in range', () => {
  assert.equal(scrollToItem(layout, 0, 500, 800), 0);
  const row = 100;
  const index = row * layout.columns + 2;
  const top = scrollToItem(layout, index, 0, 800);
  assert.equal(top, row * layout.rowHeight + layout.cellHeight - 800);
  assert.equal(scrollToItem(layout, index, top, 800), top, 'already visible: unchanged');
  assert.equal(moveIndex(5, 'ArrowDown', 6, 8), 7);
  assert.equal(moveIndex(0, 'ArrowUp', 6, 8), 0);
  assert.equal(moveIndex(3, 'End', 6, 8), 7);
  assert.equal(moveIndex(0, 'ArrowLeft', 6, 0), -1);
});

test('click selects one; toggle adds and removes; shift selects the range from the anchor', () => {
  const ids = [10, 11, 12, 13, 14, 15];
  const idAt = (i: number) => ids[i];
  let s = Selection.empty().click(1, idAt);
  assert.deepEqual([...s.ids], [11]);
  s = s.click(4, idAt, { shift: true });
  assert.deepEqual([...s.ids].sort(), [11, 12, 13, 14]);
  s = s.click(0, idAt, { toggle: true });
  assert.deepEqual([...s.ids].sort(), [10, 11, 12, 13, 14]);
  assert.equal(s.anchor, 0);
  s = s.click(0, idAt, { toggle: true });
  assert.equal(s.has(10), false);
  // Shift-click backwards replaces the selection with the range; ctrl+shift adds it.
  s = Selection.empty().click(3, idAt).click(1, idAt, { shift: true });
  assert.deepEqual([...s.ids].sort(), [11, 12, 13]);
  s = s.click(5, idAt, { shift: true, toggle: true });
  assert.deepEqual([...s.ids].sort(), [11, 12, 13, 14, 15]);
  // Unloaded items are skipped, and a click on nothing changes nothing.
  assert.equal(s.click(99, idAt), s);
  assert.equal(s.retain((id) => id !== 12).has(12), false);
  assert.equal(s.withAll([1, 2]).size, 7);
});
