import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConversationDetail, ConversationSummary } from './api-types';
import type { LibraryFilters } from './library-query';
import { deleteOfflineCache, libraryOrder, matchesFilters, OfflineCache } from './offline-cache';

const NONE: LibraryFilters = { q: '', provider: '', tag: '', from: '', to: '' };

/** A summary as it arrives over JSON: dates are ISO strings at run time. */
function summary(id: string, overrides: Partial<Record<keyof ConversationSummary, unknown>> = {}): ConversationSummary {
  return {
    id,
    provider: 'chatgpt',
    sourceConversationId: `src-${id}`,
    sourceUrl: null,
    title: `Conversation ${id}`,
    model: null,
    createdAt: '2024-03-10T12:00:00.000Z',
    updatedAt: null,
    capturedAt: '2024-03-11T12:00:00.000Z',
    modifiedAt: '2024-03-11T12:00:00.000Z',
    messageCount: 2,
    tags: [],
    origin: 'import',
    contentHash: 'h',
    ...overrides,
  } as unknown as ConversationSummary;
}

function detail(id: string, text: string): ConversationDetail {
  const message = { id: `${id}-m1`, parentId: null, role: 'user', hidden: false, parts: [{ type: 'text', text }] };
  return { ...summary(id), currentLeafId: message.id, messages: [message] } as unknown as ConversationDetail;
}

const opened: OfflineCache[] = [];
async function open(user: string): Promise<OfflineCache> {
  const cache = await OfflineCache.open(user);
  opened.push(cache);
  return cache;
}

afterEach(async () => {
  for (const cache of opened.splice(0)) cache.close();
  await deleteOfflineCache('u1');
  await deleteOfflineCache('u2');
});

describe('matchesFilters', () => {
  const row = summary('a', { title: 'Rust lifetimes', provider: 'claude', tags: ['work'], createdAt: '2024-03-10T12:00:00.000Z' });

  it('applies the title, provider and tag filters like the server (case-insensitive title, lower-cased tag)', () => {
    expect(matchesFilters(row, NONE)).toBe(true);
    expect(matchesFilters(row, { ...NONE, q: ' LIFE ' })).toBe(true);
    expect(matchesFilters(row, { ...NONE, q: 'python' })).toBe(false);
    expect(matchesFilters(row, { ...NONE, provider: 'chatgpt' })).toBe(false);
    expect(matchesFilters(row, { ...NONE, tag: 'Work' })).toBe(true);
    expect(matchesFilters(row, { ...NONE, tag: 'home' })).toBe(false);
  });

  it('includes the whole "to" day and falls back to the capture date', () => {
    const local = new Date(row.createdAt as unknown as string);
    const day = `${local.getFullYear()}-${String(local.getMonth() + 1).padStart(2, '0')}-${String(local.getDate()).padStart(2, '0')}`;
    expect(matchesFilters(row, { ...NONE, from: day, to: day })).toBe(true);
    expect(matchesFilters(row, { ...NONE, from: '2024-04-01' })).toBe(false);
    const undated = summary('b', { createdAt: null, capturedAt: '2025-01-15T12:00:00.000Z' });
    expect(matchesFilters(undated, { ...NONE, from: '2025-01-01', to: '2025-01-31' })).toBe(true);
  });
});

describe('libraryOrder', () => {
  it('sorts by modification time, newest first, then by id descending', () => {
    const rows = [summary('a', { modifiedAt: '2024-01-01T00:00:00Z' }), summary('c', { modifiedAt: '2024-02-01T00:00:00Z' }), summary('b', { modifiedAt: '2024-02-01T00:00:00Z' })];
    expect(rows.sort(libraryOrder).map((r) => r.id)).toEqual(['c', 'b', 'a']);
  });
});

describe('OfflineCache', () => {
  it('keeps the library rows and reads them back filtered, in library order', async () => {
    const cache = await open('u1');
    await cache.saveSummaries([summary('a', { modifiedAt: '2024-01-01T00:00:00Z', title: 'Old notes' }), summary('b', { modifiedAt: '2024-05-01T00:00:00Z', title: 'New notes' }), summary('c', { title: 'Other' })], 1);
    expect((await cache.readSummaries(NONE)).map((s) => s.id)).toEqual(['b', 'c', 'a']);
    expect((await cache.readSummaries({ ...NONE, q: 'notes' })).map((s) => s.id)).toEqual(['b', 'a']);
    // Dates stay as they came (ISO strings), so the page reads them the same way online and offline.
    expect((await cache.readSummaries(NONE))[0]?.modifiedAt).toBe('2024-05-01T00:00:00Z');
  });

  it('saves an opened conversation with its messages, survives reopening, and lists it as saved', async () => {
    const first = await open('u1');
    const savedAt = await first.saveConversation(detail('x', 'Hello offline'), 1234);
    expect(savedAt).toBe(1234);
    first.close();
    const again = await open('u1');
    const saved = await again.readConversation('x');
    expect(saved?.savedAt).toBe(1234);
    expect(saved?.detail.messages[0]?.parts).toEqual([{ type: 'text', text: 'Hello offline' }]);
    expect([...(await again.savedIds())]).toEqual(['x']);
    // Opening a conversation also puts it in the offline library.
    expect((await again.readSummaries(NONE)).map((s) => s.id)).toEqual(['x']);
    expect(await again.readConversation('missing')).toBeUndefined();
  });

  it('prunes rows a full sync no longer saw, with their saved conversations', async () => {
    const cache = await open('u1');
    await cache.saveSummaries([summary('kept'), summary('gone')], 100);
    await cache.saveConversation(detail('gone', 'bye'), 100);
    await cache.saveSummaries([summary('kept')], 200);
    expect(await cache.pruneSummaries(200)).toBe(1);
    expect((await cache.readSummaries(NONE)).map((s) => s.id)).toEqual(['kept']);
    expect(await cache.readConversation('gone')).toBeUndefined();
  });

  it('removes deleted conversations and keeps accounts apart; deleting an account drops its copy', async () => {
    const mine = await open('u1');
    const theirs = await open('u2');
    await mine.saveConversation(detail('a', 'mine'));
    await mine.saveConversation(detail('b', 'mine too'));
    await theirs.saveConversation(detail('c', 'theirs'));
    await mine.remove(['a']);
    expect([...(await mine.savedIds())]).toEqual(['b']);
    expect([...(await theirs.savedIds())]).toEqual(['c']);
    mine.close();
    await deleteOfflineCache('u1');
    const reopened = await open('u1');
    expect((await reopened.savedIds()).size).toBe(0);
  });
});
