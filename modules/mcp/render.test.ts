import { describe, expect, it } from 'vitest';
import { messageText, plainSnippet } from './render.ts';

describe('plainSnippet', () => {
  it('turns highlight marks into bold and unescapes HTML entities', () => {
    expect(plainSnippet('use <mark>kubectl</mark> &amp; check &lt;pod&gt; &quot;events&quot; it&#39;s')).toBe('use **kubectl** & check <pod> "events" it\'s');
  });
});

describe('messageText', () => {
  const part = (text: string) => ({ type: 'text' as const, text, format: 'markdown' as const, position: 0, blobSha: null });

  it('joins parts as text a model reads: code fenced, images and files by name', () => {
    const { text, truncated } = messageText(
      [part('Here is the fix:'), { type: 'code', code: 'kubectl get pods', language: 'bash', position: 1, blobSha: null }, { type: 'image', alt: 'diagram', position: 2, blobSha: 'ab' }, { type: 'file', name: 'notes.pdf', position: 3, blobSha: null }],
      1000,
    );
    expect(text).toBe('Here is the fix:\n\n```bash\nkubectl get pods\n```\n\n[image: diagram]\n\n[file: notes.pdf]');
    expect(truncated).toBe(false);
  });

  it('cuts long messages and says how much was left out', () => {
    const { text, truncated } = messageText([part('x'.repeat(250))], 200);
    expect(truncated).toBe(true);
    expect(text).toBe(`${'x'.repeat(200)}… [50 more characters]`);
  });
});
