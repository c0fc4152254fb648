import { describe, expect, it } from 'vitest';
import { providerError } from '../sdk/testing/fixtures.ts';
import { MB, repeatTo, withinBudget } from '../sdk/testing/budget.ts';
import example from './index.ts';

/* A hostile page for the example provider: its payload script opened ×N and never closed. */

describe('example provider on a hostile page', () => {
  it('unclosed payload scripts (2 MB): refused in linear time', async () => {
    const html = repeatTo('<script id="example-conversation" type="application/json">', 2 * MB);
    const error = await withinBudget(() => providerError(() => example.extract!({ url: new URL('https://chat.example.com/share/abc123'), html, via: 'fetch' })));
    expect(error.code).toBe('EXTRACTION_FAILED');
  });

  it('still reads a payload whose script closes at the end of a 2 MB page', async () => {
    const payload = JSON.stringify({ id: 'abc123', turns: [{ id: 't1', role: 'user', text: 'x'.repeat(2 * MB) }] });
    const conversation = await withinBudget(() => example.extract!({ url: new URL('https://chat.example.com/share/abc123'), html: `<script id="example-conversation" type="application/json">${payload}</script>`, via: 'fetch' }));
    expect(conversation).toMatchObject({ provider: 'example', sourceId: 'abc123' });
  });
});
