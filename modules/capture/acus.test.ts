import { describe, expect, it } from 'vitest';
import { cutAcus } from './acus.ts';

describe('cutAcus', () => {
  it('cuts questions, answers, code, lists, decisions and definitions, linked to their messages', () => {
    const acus = cutAcus([
      { id: 'u1', role: 'user', hidden: false, parts: [{ type: 'text', text: 'How do I reverse a list in Python?', format: 'plain' }] },
      {
        id: 'a1',
        role: 'assistant',
        hidden: false,
        parts: [
          { type: 'text', text: 'Sure!\n\nA list is a mutable sequence of values that keeps their order.\n\n- use `reversed()`\n- or slice with `[::-1]`\n\nWe will go with slicing because it returns a new list.', format: 'markdown' },
          { type: 'code', code: 'items = [1, 2, 3]\nprint(items[::-1])', language: 'python' },
        ],
      },
      { id: 'u2', role: 'user', hidden: false, parts: [{ type: 'text', text: 'How do I reverse a list in Python?', format: 'plain' }] },
      { id: 's1', role: 'system', hidden: true, parts: [{ type: 'text', text: 'You are a helpful assistant.', format: 'plain' }] },
    ]);
    expect(acus.map((a) => a.type)).toEqual(['question', 'definition', 'list', 'decision', 'code']);
    expect(acus[0]).toMatchObject({ content: 'How do I reverse a list in Python?', messageIds: ['u1', 'u2'] });
    expect(acus.find((a) => a.type === 'code')).toMatchObject({ language: 'python', messageIds: ['a1'] });
    expect(acus.every((a) => a.quality > 0 && a.quality <= 1 && /^[0-9a-f]{64}$/.test(a.hash))).toBe(true);
    expect(acus.some((a) => a.content === 'Sure!')).toBe(false);
  });
});
