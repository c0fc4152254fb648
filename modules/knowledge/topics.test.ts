import { describe, expect, it } from 'vitest';
import { extractKeyphrases, phraseWords } from './extract/keyphrases.ts';
import { clusterTopics, type ConversationTerms } from './topics.ts';

const conversation = (id: string, texts: string[], lastSeenAt = '2026-01-01T00:00:00.000Z'): ConversationTerms => ({
  conversationId: id,
  terms: extractKeyphrases(texts.map((text, i) => ({ messageId: `${id}-${i}`, text, weight: i === 0 ? 3 : 1 }))),
  lastSeenAt,
  messageCount: texts.length,
});

describe('keyphrases', () => {
  it('normalizes noun phrases: stop words trimmed, last word singular', () => {
    expect(phraseWords('my kubernetes deployment rollouts.')).toEqual({ key: ['kubernetes', 'deployment', 'rollout'], label: ['kubernetes', 'deployment', 'rollouts'] });
    expect(phraseWords('the')).toBeNull();
  });

  it('weights the title and keeps phrases and their words', () => {
    const terms = extractKeyphrases([
      { messageId: null, text: 'Sourdough starter questions', weight: 3 },
      { messageId: 'm1', text: 'How often should I feed my sourdough starter?', weight: 1 },
    ]);
    const keys = terms.map((t) => t.t);
    expect(keys).toContain('sourdough starter');
    expect(keys).toContain('sourdough');
    expect(terms.find((t) => t.t === 'sourdough starter')?.m).toBe(1);
  });
});

describe('clusterTopics', () => {
  const corpus = [
    conversation('k1', ['Kubernetes rollout stuck', 'My kubernetes rollout is stuck, the readiness probe fails.']),
    conversation('k2', ['Readiness probe for a worker', 'How should a readiness probe look for a kubernetes worker?'], '2026-02-01T00:00:00.000Z'),
    conversation('b1', ['Sourdough starter questions', 'How often should I feed my sourdough starter?']),
    conversation('b2', ['Sourdough starter smells', 'My sourdough starter smells like acetone.']),
    conversation('t1', ['A week in Lisbon', 'Which neighbourhoods of Lisbon are best?']),
  ];

  it('groups conversations that share keyphrases and gives the rest a topic of their own', () => {
    const topics = clusterTopics(corpus);
    const members = topics.map((t) => t.conversations.map((c) => c.conversationId).sort().join(','));
    expect(members).toContain('k1,k2');
    expect(members).toContain('b1,b2');
    expect(members).toContain('t1');
    const bread = topics.find((t) => t.conversations.some((c) => c.conversationId === 'b1'))!;
    expect(bread.label.toLowerCase()).toContain('sourdough');
    const k8s = topics.find((t) => t.conversations.some((c) => c.conversationId === 'k1'))!;
    expect(k8s.lastSeenAt).toBe('2026-02-01T00:00:00.000Z');
  });

  it('is deterministic (the same corpus gives the same topics)', () => {
    expect(clusterTopics(corpus)).toEqual(clusterTopics([...corpus].reverse()));
  });

  it('has nothing to say about an empty library', () => {
    expect(clusterTopics([])).toEqual([]);
  });
});
