import { describe, expect, it } from 'vitest';
import { nearEnd, windowRange } from './windowing';

describe('windowRange', () => {
  it('renders the viewport plus overscan at the top of the list', () => {
    expect(windowRange({ scrollTop: 0, viewportHeight: 700, rowHeight: 70, count: 10_000, overscan: 5 })).toEqual({ start: 0, end: 15, offsetTop: 0, totalHeight: 700_000 });
  });

  it('keeps a constant number of rows deep in a list of 10,000', () => {
    const range = windowRange({ scrollTop: 350_000, viewportHeight: 700, rowHeight: 70, count: 10_000, overscan: 5 });
    expect(range).toEqual({ start: 4995, end: 5015, offsetTop: 4995 * 70, totalHeight: 700_000 });
  });

  it('clamps at the end of the list', () => {
    expect(windowRange({ scrollTop: 6_650, viewportHeight: 700, rowHeight: 70, count: 100, overscan: 5 })).toMatchObject({ start: 90, end: 100 });
    // The list scrolled wholly above the viewport: nothing to render.
    expect(windowRange({ scrollTop: 10_000, viewportHeight: 700, rowHeight: 70, count: 100, overscan: 5 })).toMatchObject({ start: 100, end: 100 });
  });

  it('renders from the first row while the list starts below the viewport top', () => {
    expect(windowRange({ scrollTop: -300, viewportHeight: 700, rowHeight: 70, count: 50, overscan: 2 })).toMatchObject({ start: 0, end: 8 });
  });

  it('renders nothing for an empty list', () => {
    expect(windowRange({ scrollTop: 0, viewportHeight: 700, rowHeight: 70, count: 0 })).toEqual({ start: 0, end: 0, offsetTop: 0, totalHeight: 0 });
  });
});

describe('nearEnd', () => {
  it('asks for the next page only when the rendered rows reach the threshold', () => {
    expect(nearEnd({ start: 0, end: 15, offsetTop: 0, totalHeight: 0 }, 100, 20)).toBe(false);
    expect(nearEnd({ start: 60, end: 85, offsetTop: 0, totalHeight: 0 }, 100, 20)).toBe(true);
  });
});
