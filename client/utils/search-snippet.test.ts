import { describe, expect, it } from 'vitest';
import { decodeEntities, snippetSegments } from './search-snippet.ts';

describe('snippetSegments', () => {
  it('splits highlighted matches from the text around them', () => {
    expect(snippetSegments('use a <mark>monad</mark> here')).toEqual([
      { text: 'use a ', mark: false },
      { text: 'monad', mark: true },
      { text: ' here', mark: false },
    ]);
  });

  it('turns escaped markup back into the characters the conversation holds, as text', () => {
    const segments = snippetSegments('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; <mark>a &lt; b</mark>');
    expect(segments).toEqual([
      { text: '<script>alert("x")</script> & ', mark: false },
      { text: 'a < b', mark: true },
    ]);
  });

  it('never interprets markup other than <mark>: unescaped tags stay text', () => {
    const segments = snippetSegments('<img src=x onerror=alert(1)><mark><b>bold</b></mark>');
    expect(segments).toEqual([
      { text: '<img src=x onerror=alert(1)>', mark: false },
      { text: '<b>bold</b>', mark: true },
    ]);
  });

  it('decodes an escaped <mark> as text, not as a highlight', () => {
    expect(snippetSegments('&lt;mark&gt;not a match&lt;/mark&gt;')).toEqual([{ text: '<mark>not a match</mark>', mark: false }]);
  });

  it('survives unbalanced and adjacent marks', () => {
    expect(snippetSegments('<mark>a</mark><mark>b</mark> c </mark>d<mark>e')).toEqual([
      { text: 'ab', mark: true },
      { text: ' c d', mark: false },
      { text: 'e', mark: true },
    ]);
    expect(snippetSegments('')).toEqual([]);
  });
});

describe('decodeEntities', () => {
  it('decodes numeric entities and leaves unknown ones as typed', () => {
    expect(decodeEntities('&#39;&#x27;&#128512;&bogus;&#0;')).toBe("''😀&bogus;&#0;");
  });
});
