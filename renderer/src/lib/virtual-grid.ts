// Virtual scrolling for thumbnail grids: from the scroll position, the viewport and the item count,
// which rows to render and where. Only visible rows (plus a little overscan) become DOM nodes, so a
// 100,000-garment catalog costs what 40 thumbnails cost. Pure maths, tested without a DOM.

export interface GridLayoutInput {
  count: number;
  /** Inner width available for cells, in CSS pixels. */
  width: number;
  /** Cells are at least this wide; the column count is what fits. */
  minCellWidth: number;
  gap: number;
  /** Cell height = cell width × aspect + extra (a caption below the image). */
  aspect: number;
  extra: number;
}

export interface GridLayout {
  columns: number;
  rows: number;
  cellWidth: number;
  cellHeight: number;
  /** Row pitch: cell height plus the gap below it. */
  rowHeight: number;
  totalHeight: number;
}

export function gridLayout({ count, width, minCellWidth, gap, aspect, extra }: GridLayoutInput): GridLayout {
  const columns = Math.max(1, Math.floor((Math.max(0, width) + gap) / (minCellWidth + gap)));
  const cellWidth = Math.max(1, Math.floor((width - gap * (columns - 1)) / columns));
  const cellHeight = Math.round(cellWidth * aspect + extra);
  const rowHeight = cellHeight + gap;
  const rows = Math.ceil(Math.max(0, count) / columns);
  return { columns, rows, cellWidth, cellHeight, rowHeight, totalHeight: rows === 0 ? 0 : rows * rowHeight - gap };
}

export interface VisibleRange {
  firstRow: number;
  /** One past the last row rendered. */
  endRow: number;
  /** Item indices [start, end). */
  start: number;
  end: number;
  /** Translate the rendered block by this many pixels. */
  offsetY: number;
}

export function visibleRange(layout: GridLayout, count: number, scrollTop: number, viewportHeight: number, overscanRows = 2): VisibleRange {
  if (layout.rows === 0) return { firstRow: 0, endRow: 0, start: 0, end: 0, offsetY: 0 };
  const top = Math.max(0, Math.min(scrollTop, layout.totalHeight));
  const firstVisible = Math.floor(top / layout.rowHeight);
  const lastVisible = Math.floor((top + Math.max(0, viewportHeight)) / layout.rowHeight);
  const firstRow = Math.max(0, firstVisible - overscanRows);
  const endRow = Math.min(layout.rows, lastVisible + 1 + overscanRows);
  return {
    firstRow,
    endRow,
    start: firstRow * layout.columns,
    end: Math.min(count, endRow * layout.columns),
    offsetY: firstRow * layout.rowHeight,
  };
}

/** The scrollTop that brings item `index` fully into view (unchanged if it already is). */
export function scrollToItem(layout: GridLayout, index: number, scrollTop: number, viewportHeight: number): number {
  const row = Math.floor(index / layout.columns);
  const top = row * layout.rowHeight;
  const bottom = top + layout.cellHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return scrollTop;
}

/** Arrow-key navigation in a grid: the index one step away, clamped to [0, count). */
export function moveIndex(index: number, key: 'ArrowLeft' | 'ArrowRight' | 'ArrowUp' | 'ArrowDown' | 'Home' | 'End', columns: number, count: number): number {
  if (count === 0) return -1;
  const next = {
    ArrowLeft: index - 1,
    ArrowRight: index + 1,
    ArrowUp: index - columns,
    ArrowDown: index + columns,
    Home: 0,
    End: count - 1,
  }[key];
  return Math.max(0, Math.min(count - 1, next));
}
