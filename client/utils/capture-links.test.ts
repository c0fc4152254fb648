import { describe, expect, it } from 'vitest';
import { parseLinks } from './capture-links.ts';

describe('parseLinks', () => {
  it('takes one link per line, trims, skips blanks and duplicates', () => {
    const text = '  https://claude.ai/share/a \n\n https://chatgpt.com/share/b\nhttps://claude.ai/share/a\r\n';
    expect(parseLinks(text)).toEqual(['https://claude.ai/share/a', 'https://chatgpt.com/share/b']);
  });

  it('adds https:// to a bare host and strips angle brackets from pasted links', () => {
    expect(parseLinks('claude.ai/share/x <https://grok.com/share/y>')).toEqual(['https://claude.ai/share/x', 'https://grok.com/share/y']);
  });

  it('keeps other schemes as typed so the server can refuse them by name', () => {
    expect(parseLinks('ftp://example.com/a')).toEqual(['ftp://example.com/a']);
  });
});
