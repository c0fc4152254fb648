import { describe, expect, it } from 'vitest';
import { citationLabel, formatArguments, imageSrc, parseTags, providerInfo, safeHttpUrl } from './parts';
import { renderMarkdown, renderPlain } from './markdown';

const SHA = 'a'.repeat(64);

describe('imageSrc', () => {
  it('prefers the server copy of a stored image', () => {
    expect(imageSrc({ blobSha: SHA, url: 'https://example.com/x.png' })).toBe(`/api/v1/blobs/${SHA}`);
  });

  it('builds a data URL for inline bytes, but not for svg', () => {
    expect(imageSrc({ data: 'iVBOR', mimeType: 'image/png' })).toBe('data:image/png;base64,iVBOR');
    expect(imageSrc({ data: 'PHN2Zz4=', mimeType: 'image/svg+xml' })).toBeNull();
  });

  it('uses only http(s) remote URLs', () => {
    expect(imageSrc({ url: 'https://example.com/x.png' })).toBe('https://example.com/x.png');
    expect(imageSrc({ url: 'sediment://file_123' })).toBeNull();
    expect(imageSrc({ url: 'javascript:alert(1)' })).toBeNull();
  });
});

describe('safeHttpUrl', () => {
  it('refuses other schemes and junk', () => {
    expect(safeHttpUrl('javascript:alert(1)')).toBeNull();
    expect(safeHttpUrl('not a url')).toBeNull();
    expect(safeHttpUrl('http://example.com')).toBe('http://example.com/');
  });
});

describe('formatArguments', () => {
  it('pretty-prints JSON given as a string or a value and keeps other text', () => {
    expect(formatArguments('{"q":"x"}')).toBe('{\n  "q": "x"\n}');
    expect(formatArguments({ q: 'x' })).toBe('{\n  "q": "x"\n}');
    expect(formatArguments('search("x")')).toBe('search("x")');
    expect(formatArguments(undefined)).toBe('');
  });
});

describe('citationLabel', () => {
  it('uses the title, else host and path', () => {
    expect(citationLabel({ url: 'https://example.com/a/b', title: ' Page ' })).toBe('Page');
    expect(citationLabel({ url: 'https://example.com/a/b' })).toBe('example.com/a/b');
    expect(citationLabel({ url: 'https://example.com/' })).toBe('example.com');
  });
});

describe('parseTags', () => {
  it('trims, lower-cases and de-duplicates', () => {
    expect(parseTags('Work, ideas  ,work,, ')).toEqual(['work', 'ideas']);
  });
});

describe('providerInfo', () => {
  it('names known providers and falls back to the id', () => {
    expect(providerInfo('claude').name).toBe('Claude');
    expect(providerInfo('newbot')).toMatchObject({ name: 'newbot', badge: 'NE' });
  });
});

describe('renderMarkdown', () => {
  it('escapes raw HTML instead of passing it through', () => {
    const html = renderMarkdown('<img src=x onerror=alert(1)> **bold** <script>alert(1)</script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;img');
    expect(html).toContain('<strong>bold</strong>');
  });

  it('drops javascript: links and opens others in a new tab without opener', () => {
    expect(renderMarkdown('[x](javascript:alert(1))')).not.toContain('href="javascript');
    expect(renderMarkdown('[x](https://example.com)')).toContain('<a href="https://example.com" target="_blank" rel="noopener noreferrer nofollow">x</a>');
  });

  it('marks inline math for KaTeX, escaped, and leaves prices alone', () => {
    expect(renderMarkdown('Euler: $e^{i\\pi} < 0$ and \\(x^2\\)')).toContain('<span class="math-inline" data-tex="e^{i\\pi} &lt; 0">');
    expect(renderMarkdown('Euler: \\(x^2\\)')).toContain('data-tex="x^2"');
    expect(renderMarkdown('costs $5 and $6 now')).not.toContain('math-inline');
  });
});

describe('renderPlain', () => {
  it('escapes and keeps paragraphs and line breaks', () => {
    expect(renderPlain('a <b>\nc\n\nd')).toBe('<p>a &lt;b&gt;<br>c</p><p>d</p>');
  });
});
