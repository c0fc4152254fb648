import { describe, expect, it } from 'vitest';
import { fuse } from './fusion.ts';
import { buildDocs, docId } from './indexer.ts';
import { tsQuerySql } from './postgres-engine.ts';
import { hasPositive, parseQuery, semanticText } from './query.ts';
import { detectLang, partsToFields, vocabulary } from './text.ts';

describe('parseQuery', () => {
  it('splits terms, quoted phrases and exclusions', () => {
    expect(parseQuery('  Kubernetes "readiness probe" -helm OR pods ')).toEqual({
      raw: 'Kubernetes "readiness probe" -helm OR pods',
      terms: ['kubernetes', 'pods'],
      phrases: [['readiness', 'probe']],
      excluded: ['helm'],
    });
    expect(parseQuery('-"docker compose" node.js')).toMatchObject({ terms: ['node.js'], phrases: [], excluded: ['docker', 'compose'] });
  });

  it('refuses empty and over-long queries with typed codes; operators alone search nothing', () => {
    expect(() => parseQuery('   ')).toThrow(expect.objectContaining({ code: 'QUERY_EMPTY' }));
    expect(() => parseQuery('x'.repeat(1001))).toThrow(expect.objectContaining({ code: 'QUERY_TOO_LONG' }));
    const onlyOperators = parseQuery('- "" or -');
    expect(hasPositive(onlyOperators)).toBe(false);
    expect(semanticText(parseQuery('"exact words" more -not'))).toBe('exact words more');
  });
});

describe('tsQuerySql', () => {
  it('ORs term groups (with typo variants), ANDs phrases and negated exclusions, all as parameters', () => {
    const q = tsQuerySql(parseQuery('kubernets "rolling update" -helm'), new Map([['kubernets', ['kubernetes']]]));
    expect(q.match).toContain('phraseto_tsquery');
    expect(q.match).toContain('!!');
    expect(q.match).not.toContain('kubernetes');
    expect(q.matchParams).toEqual(['kubernets', 'kubernets', 'kubernetes', 'kubernetes', 'rolling update', 'rolling update', 'helm', 'helm']);
    expect(q.allParams).toEqual(q.matchParams);
  });
});

describe('fuse', () => {
  const lexical = [{ id: 'a', score: 2 }, { id: 'b', score: 1 }];
  const vector = [{ id: 'c', score: 0.8 }, { id: 'a', score: 0.6 }, { id: 'noise', score: 0.1 }];
  it('adds normalized scores with weights and drops vector noise below the floor', () => {
    const fused = fuse(lexical, vector, { method: 'score', lexicalWeight: 0.7, vectorWeight: 0.3, k: 60, minSimilarity: 0.3 });
    expect(fused.map((f) => f.id)).toEqual(['a', 'b', 'c']);
    expect(fused[0]).toMatchObject({ lexicalRank: 1, vectorRank: 2 });
    // a: 0.7 × 1 + 0.3 × (0.6 − 0.3) / (0.8 − 0.3)
    expect(fused[0]!.score).toBeCloseTo(0.88, 5);
  });
  it('supports weighted reciprocal-rank fusion', () => {
    const fused = fuse(lexical, vector, { method: 'rrf', lexicalWeight: 1, vectorWeight: 1, k: 60, minSimilarity: 0 });
    expect(fused[0]!.id).toBe('a');
    expect(fused.map((f) => f.id)).toContain('noise');
  });
});

describe('documents', () => {
  it('separates prose from code and keeps tables, tool calls and citations searchable', () => {
    const fields = partsToFields([
      { type: 'text', text: 'Use this:\n```python\nprint("hi")\n```\nDone.', format: 'markdown' },
      { type: 'table', rows: [['a', 'b']], header: true },
      { type: 'tool_call', name: 'web_search', arguments: { q: 'lisbon trams' } },
      { type: 'citation', url: 'https://x.test', title: 'Tram 28' },
    ]);
    expect(fields.body).toContain('Use this:');
    expect(fields.body).not.toContain('print(');
    expect(fields.body).toContain('a | b');
    expect(fields.body).toContain('Tram 28');
    expect(fields.code).toContain('print("hi")');
    expect(fields.code).toContain('web_search');
  });

  it('detects English and falls back to simple for other languages', () => {
    expect(detectLang('How do I make the rollout wait for the readiness probe?')).toBe('english');
    expect(detectLang('Comment est-ce que je peux configurer le déploiement sur le serveur ?')).toBe('simple');
    expect(detectLang('今日は天気がいいですね、散歩に行きましょう')).toBe('simple');
    expect(vocabulary('The kubernetes kubernetes pod-42 é')).toEqual(['the', 'kubernetes', 'pod']);
  });

  it('builds stable documents for a conversation: itself, visible messages with neighbours, ACUs', () => {
    const source = {
      conversation: { id: '11111111-1111-4111-8111-111111111111', ownerId: '22222222-2222-4222-8222-222222222222', provider: 'chatgpt', sourceId: 'src', title: 'T', tags: ['work'], createdAt: null, contentHash: 'h' },
      messages: [
        { id: '33333333-3333-4333-8333-333333333333', sourceId: 'sys', role: 'system', createdAt: null, position: 0, isOnCurrentBranch: true, hidden: true, parts: [{ type: 'text' as const, text: 'hidden', format: 'plain' as const }] },
        { id: '44444444-4444-4444-8444-444444444444', sourceId: 'u1', role: 'user', createdAt: '2026-01-01T00:00:00.000Z', position: 1, isOnCurrentBranch: true, hidden: false, parts: [{ type: 'text' as const, text: 'Question one', format: 'markdown' as const }] },
        { id: '55555555-5555-4555-8555-555555555555', sourceId: 'a1', role: 'assistant', createdAt: null, position: 2, isOnCurrentBranch: true, hidden: false, parts: [{ type: 'text' as const, text: 'Answer one', format: 'markdown' as const }] },
      ],
      acus: [{ id: '66666666-6666-4666-8666-666666666666', type: 'code', content: 'x = 1', language: 'python', messageIds: ['55555555-5555-4555-8555-555555555555'], createdAt: '2026-01-01T00:00:00.000Z' }],
    };
    const docs = buildDocs(source);
    expect(docs.map((d) => d.kind)).toEqual(['conversation', 'message', 'message', 'acu']);
    expect(docs[0]!.body).toContain('#work');
    expect(docs[1]).toMatchObject({ sourceMessageId: 'u1', role: 'user', context: 'Answer one' });
    expect(docs[3]).toMatchObject({ code: 'x = 1', body: '', sourceMessageId: 'a1', role: 'assistant' });
    expect(docs.map((d) => d.id)).toEqual(buildDocs(source).map((d) => d.id));
    expect(docs[1]!.acuId).toBeNull();
    expect(docId('message', 'x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('gives an ACU that repeats its whole message no document of its own: the message document stands for it', () => {
    const text = (t: string) => ({ type: 'text' as const, text: t, format: 'markdown' as const });
    const msg = (id: string, role: string, parts: unknown[]) => ({ id, sourceId: id.slice(0, 2), role, createdAt: null, position: 0, isOnCurrentBranch: true, hidden: false, parts: parts as never });
    const acu = (id: string, type: string, content: string, messageIds: string[]) => ({ id, type, content, language: null, messageIds, createdAt: '2026-01-01T00:00:00.000Z' });
    const [q, a, c, x] = ['a1111111-1111-4111-8111-111111111111', 'a2222222-2222-4222-8222-222222222222', 'a3333333-3333-4333-8333-333333333333', 'a4444444-4444-4444-8444-444444444444'];
    const source = {
      conversation: { id: '11111111-1111-4111-8111-111111111111', ownerId: '22222222-2222-4222-8222-222222222222', provider: 'claude', sourceId: 's', title: 'T', tags: [], createdAt: null, contentHash: 'h' },
      messages: [
        msg(q, 'user', [text('How do I  reverse a list\nin Python?')]),
        msg(a, 'assistant', [text('Use slicing:'), { type: 'code', code: 'items[::-1]', language: 'python' }]),
        msg(c, 'assistant', [{ type: 'code', code: 'print(1)', language: 'python' }]),
      ],
      acus: [
        acu('b1111111-1111-4111-8111-111111111111', 'question', 'How do I reverse a list in Python?', [q]),
        acu('b2222222-2222-4222-8222-222222222222', 'answer', 'Use slicing:', [a]),
        acu('b3333333-3333-4333-8333-333333333333', 'code', 'items[::-1]', [a]),
        acu('b4444444-4444-4444-8444-444444444444', 'code', 'print(1)', [c]),
        acu('b5555555-5555-4555-8555-555555555555', 'decision', 'How do I reverse a list in Python?', [q, x]),
      ],
    };
    const docs = buildDocs(source);
    const byRef = new Map(docs.map((d) => [d.refId, d]));
    // The question repeats its message (whitespace aside), the code-only answer repeats its message: folded.
    expect(byRef.get(q)!.acuId).toBe('b1111111-1111-4111-8111-111111111111');
    expect(byRef.get(c)!.acuId).toBe('b4444444-4444-4444-8444-444444444444');
    expect(byRef.has('b1111111-1111-4111-8111-111111111111')).toBe(false);
    expect(byRef.has('b4444444-4444-4444-8444-444444444444')).toBe(false);
    // Prose and code of one message are two ACUs, each only part of it; an ACU cut from two messages: kept.
    expect(byRef.get(a)!.acuId).toBeNull();
    expect(docs.filter((d) => d.kind === 'acu').map((d) => d.refId).sort()).toEqual(['b2222222-2222-4222-8222-222222222222', 'b3333333-3333-4333-8333-333333333333', 'b5555555-5555-4555-8555-555555555555']);
    // The stand-in is part of the content hash: folding or unfolding rewrites the document.
    expect(byRef.get(q)!.contentHash).not.toBe(buildDocs({ ...source, acus: [] }).find((d) => d.refId === q)!.contentHash);
  });
});
