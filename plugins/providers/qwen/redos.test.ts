import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadHtml } from '../sdk/html.ts';
import { silentLog } from '../sdk/testing/fixtures.ts';
import { expectSameText, MB, withinBudget } from '../sdk/testing/budget.ts';
import { extract } from './extract.ts';

/* A hostile Qwen page: a code editor line holding a long blank run before its last character. */

const SHARE_URL = new URL('https://chat.qwen.ai/s/3b05d2cf-5483-4c5a-ba5a-ffdadd53312a?fev=0.1.34');
const fixture = readFileSync(new URL('./fixtures/share-page.html', import.meta.url), 'utf8');

describe('qwen code on a hostile page', () => {
  it('an editor line with 256 KB blank runs, one before its end', async () => {
    const $ = loadHtml(fixture);
    const blanks = ' \t'.repeat(MB / 8);
    $('.view-line').first().text(`x${blanks}y${blanks}`);
    const conversation = await withinBudget(() => extract({ url: SHARE_URL, html: $.html(), via: 'browser' }, silentLog));
    const code = conversation.messages.flatMap((m) => m.parts).find((part) => part.type === 'code' && part.code.startsWith('x'));
    expect(code?.type).toBe('code');
    expectSameText(code?.type === 'code' ? code.code.split('\n')[0] : undefined, `x${blanks}y${blanks}`);
  });
});
