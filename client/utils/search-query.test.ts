import { describe, expect, it } from 'vitest';
import { parseSearchQuery, resultHref, toSearchInput, toSearchQuery } from './search-query.ts';

describe('parseSearchQuery', () => {
  it('reads lists given comma-separated or repeated, and drops unknown kinds, roles and bad dates', () => {
    const state = parseSearchQuery({ q: 'monads', kind: ['message,bogus', 'acu'], role: 'user,robot', provider: 'claude,chatgpt', from: '2026-01-02', to: 'yesterday', collapse: '1' });
    expect(state).toEqual({ q: 'monads', kind: ['message', 'acu'], provider: ['claude', 'chatgpt'], role: ['user'], from: '2026-01-02', to: '', collapse: true });
  });

  it('gives an empty state for an empty query', () => {
    expect(parseSearchQuery({})).toEqual({ q: '', kind: [], provider: [], role: [], from: '', to: '', collapse: false });
  });
});

describe('toSearchQuery', () => {
  it('round-trips through the URL and leaves empty parts out', () => {
    const state = parseSearchQuery({ q: ' a b ', kind: 'conversation', collapse: '1' });
    expect(toSearchQuery(state)).toEqual({ q: 'a b', kind: 'conversation', collapse: '1' });
    expect(parseSearchQuery(toSearchQuery(state))).toEqual({ ...state, q: 'a b' });
  });
});

describe('toSearchInput', () => {
  it('makes the end date inclusive and passes the cursor', () => {
    const input = toSearchInput(parseSearchQuery({ q: 'x', to: '2026-03-01', role: 'assistant' }), 'abc');
    expect(input).toEqual({ q: 'x', limit: 20, cursor: 'abc', role: ['assistant'], to: '2026-03-01T23:59:59.999Z', collapse: false });
  });
});

describe('resultHref', () => {
  it('links to the message inside its conversation, or to the conversation', () => {
    expect(resultHref({ conversationId: 'c1', messageId: 'm1' })).toBe('/conversations/c1#m-m1');
    expect(resultHref({ conversationId: 'c1', messageId: null })).toBe('/conversations/c1');
    expect(resultHref({ conversationId: null, messageId: null })).toBeNull();
  });
});
