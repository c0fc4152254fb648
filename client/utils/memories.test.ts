import { describe, expect, it } from 'vitest';
import { actionLabel, groupByType, MEMORY_TYPES, memoriesFrom, percent, provenanceHref, typeLabel, type Memory } from './memories';

function memory(id: string, type: Memory['type'], pinned = false): Memory {
  return { id, type, content: `memory ${id}`, confidence: 0.9, importance: 0.5, pinned, source: 'extracted', validFrom: null, validTo: null, supersededBy: null, provenance: [], createdAt: '2024-01-01T00:00:00Z', updatedAt: '2024-01-01T00:00:00Z' };
}

describe('groupByType', () => {
  it('sections memories in the page order, pinned first, without empty types', () => {
    const groups = groupByType([memory('a', 'fact'), memory('b', 'preference'), memory('c', 'fact', true), memory('d', 'identity')]);
    expect(groups.map((g) => g.type)).toEqual(['identity', 'preference', 'fact']);
    expect(groups.find((g) => g.type === 'fact')?.items.map((m) => m.id)).toEqual(['c', 'a']);
  });

  it('covers every type the server has', () => {
    expect(MEMORY_TYPES.map((t) => t.type).sort()).toEqual(['event', 'fact', 'goal', 'identity', 'instruction', 'preference', 'relationship', 'skill']);
    expect(typeLabel('relationship')).toBe('People');
    expect(typeLabel('unknown')).toBe('unknown');
  });
});

describe('provenanceHref', () => {
  it('links to the message anchor of the conversation page', () => {
    expect(provenanceHref({ conversationId: 'c1', messageId: 'm 2' })).toBe('/conversations/c1#m-m%202');
  });
});

describe('percent', () => {
  it('rounds and clamps', () => {
    expect(percent(0.824)).toBe('82%');
    expect(percent(1.4)).toBe('100%');
    expect(percent(-1)).toBe('0%');
  });
});

describe('memoriesFrom', () => {
  it('keeps the memories with a source in the conversation', () => {
    const source = (conversationId: string) => ({ conversationId, messageId: 'm', sourceConversationId: null, sourceMessageId: null, provider: null, quote: '' });
    const here = { ...memory('a', 'fact'), provenance: [source('other'), source('c1')] };
    const elsewhere = { ...memory('b', 'fact'), provenance: [source('other')] };
    expect(memoriesFrom([here, elsewhere, memory('c', 'goal')], 'c1').map((m) => m.id)).toEqual(['a']);
  });
});

describe('actionLabel', () => {
  it('says what a revision did, or the server name for an unknown action', () => {
    expect(actionLabel('EDIT')).toBe('Edited');
    expect(actionLabel('SUPERSEDE')).toBe('Replaced');
    expect(actionLabel('MERGE' as never)).toBe('MERGE');
  });
});
