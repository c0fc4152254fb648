import pino from 'pino';
import { describe, expect, it } from 'vitest';
import claude from '#plugins/providers/claude/index.ts';
import { elementDepth, runExtractor } from './capture-url.ts';

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

describe('runExtractor on element floods', () => {
  const url = new URL('https://claude.ai/share/33333333-3333-3333-3333-333333333333');
  const log = pino({ level: 'silent' });

  it('refuses 2 million <br> and a million siblings as INVALID_CONTENT naming the limit, each in under 2 s', async () => {
    for (const html of [`<html><body><main>${'<br>'.repeat(2_000_000)}</main></body></html>`, `<html><body><div>${'<i>x</i>'.repeat(1_000_000)}</div></body></html>`]) {
      const started = performance.now();
      await expect(runExtractor(claude, { url, html, via: 'upload' }, log)).rejects.toMatchObject({ code: 'INVALID_CONTENT', message: expect.stringContaining('more than 10000 children') });
      expect(performance.now() - started).toBeLessThan(2000);
    }
  });

  it('still reads a page whose scripts hold many <br> strings (script text is not elements)', async () => {
    const html = `<html><body><script>${'"<br>"'.repeat(50_000)}</script><main><p>hi</p></main></body></html>`;
    await expect(runExtractor(claude, { url, html, via: 'upload' }, log)).rejects.not.toMatchObject({ code: 'INVALID_CONTENT' });
  });
});
