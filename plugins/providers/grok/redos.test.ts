import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadHtml } from '../sdk/html.ts';
import type { ProviderLog } from '../sdk/index.ts';
import { MB, withinBudget } from '../sdk/testing/budget.ts';
import { extract } from './extract.ts';

/* A hostile Grok page: a 1 MB digit run where the answer's "N sources" count is read. */

const url = new URL('https://grok.com/chat/0b6f1c2a-1111-4a2b-9c3d-0000000000aa');
const fixture = readFileSync(new URL('./fixtures/chat-page.html', import.meta.url), 'utf8');

describe('grok source count on a hostile page', () => {
  it.each([
    ['a 1 MB digit run', '1'.repeat(MB), undefined],
    ['a 1 MB digit run, then "12 sources"', `${'1'.repeat(MB)}x 12 sources`, 12],
  ])('%s', async (_, text, sources) => {
    const $ = loadHtml(fixture);
    $('.action-buttons').last().text(text);
    const logged: unknown[] = [];
    const log: ProviderLog = { info: (fields: unknown) => logged.push(fields), warn: () => undefined, debug: () => undefined };
    const conversation = await withinBudget(() => extract({ url, html: $.html(), via: 'upload' }, log));
    expect(conversation.messages.length).toBeGreaterThan(0);
    expect(logged.find((fields) => typeof fields === 'object' && fields !== null && 'sources' in fields)).toEqual(sources === undefined ? undefined : { provider: 'grok', sources });
  });
});
