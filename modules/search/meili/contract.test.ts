/**
 * The LexicalEngine contract against a REAL Meilisearch, run only when MEILI_URL is set
 * (e.g. `MEILI_URL=http://127.0.0.1:7700 MEILI_API_KEY=masterKey npx vitest run modules/search/meili`).
 * Each run uses its own index (`vivim_contract_<random>`) and deletes it afterwards. The same contract
 * also runs, always, against a naive in-memory engine (bottom of the file) to check the contract itself.
 */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { describe } from 'vitest';
import type { IndexedDoc, LexicalEngine, LexicalHit, ParsedQuery, SearchFilters } from '../engine.ts';
import { describeLexicalEngineContract } from './contract.ts';
import { MeiliEngine } from './engine.ts';

const url = process.env.MEILI_URL;
const apiKey = process.env.MEILI_API_KEY || undefined;

describe.runIf(Boolean(url))('MeiliEngine against a real Meilisearch (MEILI_URL)', () => {
  const indexUid = `vivim_contract_${Date.now()}_${randomBytes(4).toString('hex')}`;
  describeLexicalEngineContract(
    'meilisearch',
    async () => new MeiliEngine({ url: url as string, apiKey, indexUid, log: pino({ level: 'silent' }) }),
    {
      teardown: async (engine) => {
        await (engine as MeiliEngine).dropIndex();
      },
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Self-test of the contract: a naive in-memory engine (exact words, one typo allowed from five
// letters, AND of terms) must pass it, which checks that the fixtures and expectations agree with
// each other without any server.
// ---------------------------------------------------------------------------------------------

const normalize = (text: string) =>
  text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);

function withinOneEdit(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  let j = 0;
  let edits = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    if (++edits > 1) return false;
    if (a.length > b.length) i++;
    else if (a.length < b.length) j++;
    else {
      i++;
      j++;
    }
  }
  return edits + (a.length - i) + (b.length - j) <= 1;
}

class InMemoryEngine implements LexicalEngine {
  readonly name = 'postgres' as const;
  private docs = new Map<string, IndexedDoc>();
  async init(): Promise<void> {}
  async upsert(docs: IndexedDoc[]): Promise<void> {
    for (const doc of docs) this.docs.set(doc.id, doc);
  }
  async remove(docIds: string[]): Promise<void> {
    for (const id of docIds) this.docs.delete(id);
  }
  async removeOwner(ownerId: string): Promise<void> {
    for (const [id, doc] of this.docs) if (doc.ownerId === ownerId) this.docs.delete(id);
  }
  async search(query: ParsedQuery, filters: SearchFilters, limit: number): Promise<LexicalHit[]> {
    if (query.terms.length === 0 && query.phrases.length === 0) return [];
    const time = (iso: string | null | undefined) => (iso ? Date.parse(iso) : NaN);
    const hits: LexicalHit[] = [];
    for (const doc of this.docs.values()) {
      if (doc.ownerId !== filters.ownerId) continue;
      if (filters.kinds?.length && !filters.kinds.includes(doc.kind) && !(filters.kinds.includes('acu') && doc.acuId)) continue;
      if (filters.providers?.length && !filters.providers.includes(doc.provider ?? '')) continue;
      if (filters.roles?.length && !filters.roles.includes(doc.role ?? '')) continue;
      if (filters.conversationId && doc.conversationId !== filters.conversationId) continue;
      if (filters.from && !(time(doc.createdAt) >= time(filters.from))) continue;
      if (filters.to && !(time(doc.createdAt) <= time(filters.to))) continue;
      const fields = [doc.title, doc.body, doc.code, doc.context].map(normalize);
      const words = fields.flat();
      const has = (term: string) => words.some((w) => w === term || (term.length >= 5 && withinOneEdit(w, term)));
      const hasPhrase = (phrase: string[]) => fields.some((f) => f.some((_, i) => phrase.every((p, k) => f[i + k] === p)));
      if (!query.terms.every(has) || !query.phrases.every(hasPhrase)) continue;
      if (query.excluded.some((x) => words.includes(x))) continue;
      hits.push({ docId: doc.id, score: query.terms.filter((t) => words.includes(t)).length + query.phrases.length, snippet: null });
    }
    return hits.sort((x, y) => y.score - x.score).slice(0, limit);
  }
  async health(): Promise<{ ok: boolean; detail: string; documents?: number }> {
    return { ok: true, detail: 'in memory', documents: this.docs.size };
  }
}

describeLexicalEngineContract('in-memory reference engine (self-test of the contract, no server)', async () => new InMemoryEngine());
