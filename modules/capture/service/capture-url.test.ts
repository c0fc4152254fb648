import { describe, expect, it } from 'vitest';
import { elementDepth } from './capture-url.ts';

describe('elementDepth', () => {
  it('measures nesting, ignoring void and self-closed elements', () => {
    expect(elementDepth('<html><body><div><p>a<br>b<img src=x></p><span/></div></body></html>')).toBe(4);
    expect(elementDepth(`${'<div>'.repeat(5000)}x${'</div>'.repeat(5000)}`, 1000)).toBeGreaterThan(1000);
  });

  it('scans a 20 MB page quickly', () => {
    const page = `<html><body>${'<div class="m"><p>hello <b>world</b></p></div>'.repeat(400_000)}</body></html>`;
    const started = performance.now();
    expect(elementDepth(page)).toBe(5);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
