/** What a fixed-row-height virtual list renders for a given scroll position. */
export interface WindowRange {
  /** First row index to render (inclusive). */
  start: number;
  /** Row index after the last one to render (exclusive). */
  end: number;
  /** Height of the space above the first rendered row, in pixels. */
  offsetTop: number;
  /** Height of the whole list, in pixels. */
  totalHeight: number;
}

export interface WindowInput {
  /** How far the viewport's top is below the list's top (negative: the list starts lower on screen). */
  scrollTop: number;
  viewportHeight: number;
  rowHeight: number;
  count: number;
  /** Extra rows rendered above and below the viewport so fast scrolling shows no gap. */
  overscan?: number;
}

/** The rows a viewport shows of a list of `count` rows of `rowHeight` pixels. */
export function windowRange({ scrollTop, viewportHeight, rowHeight, count, overscan = 6 }: WindowInput): WindowRange {
  const totalHeight = Math.max(0, count) * rowHeight;
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0, offsetTop: 0, totalHeight };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const last = Math.ceil(Math.max(0, scrollTop + viewportHeight) / rowHeight);
  const start = Math.min(count, Math.max(0, first - overscan));
  const end = Math.min(count, Math.max(start, last + overscan));
  return { start, end, offsetTop: start * rowHeight, totalHeight };
}

/** True when the viewport's bottom is within `threshold` rows of the end: time to load the next page. */
export function nearEnd(range: WindowRange, count: number, threshold = 20): boolean {
  return count === 0 || range.end >= count - threshold;
}
