import { describe, expect, it } from 'vitest';
import { bundleFile, citationHref, LAYERS, meter } from './context-bundle';

describe('citationHref', () => {
  it('links a message to its anchor, a conversation to its page, a memory to the memories page', () => {
    expect(citationHref({ kind: 'message', id: 'm1', conversationId: 'c1', messageId: 'm1' })).toBe('/conversations/c1#m-m1');
    expect(citationHref({ kind: 'acu', id: 'a1', conversationId: 'c1', messageId: 'm2' })).toBe('/conversations/c1#m-m2');
    expect(citationHref({ kind: 'conversation', id: 'c1', conversationId: 'c1', messageId: null })).toBe('/conversations/c1');
    expect(citationHref({ kind: 'memory', id: 'x1', conversationId: 'c1', messageId: 'm1' })).toBe('/memories#memory-x1');
    expect(citationHref({ kind: 'instruction', id: null, conversationId: null, messageId: null })).toBeNull();
  });
});

describe('meter', () => {
  it('is the share of the budget used, clamped, with a level', () => {
    expect(meter(500, 2000)).toEqual({ fraction: 0.25, level: 'good' });
    expect(meter(100, 2000).level).toBe('low');
    expect(meter(1990, 2000).level).toBe('full');
    expect(meter(3000, 2000).fraction).toBe(1);
    expect(meter(10, 0).fraction).toBe(0);
  });
});

describe('layers and files', () => {
  it('names all seven layers in order and a file per format', () => {
    expect(LAYERS.map((l) => l.layer)).toEqual(['L0', 'L1', 'L2', 'L3', 'L4', 'L5', 'L6']);
    expect(bundleFile('xml')).toEqual({ name: 'vivim-context.xml', type: 'application/xml' });
    expect(bundleFile('markdown').name).toBe('vivim-context.md');
  });
});
