import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, openAsBlob, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeZip } from '#plugins/providers/sdk/testing/zip.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

/*
 * A Claude export with projects: tests/fixtures/claude-export-projects (synthetic, in the layout
 * of Claude's export; the shared fixtures hold no Claude export). Conversations of a project are
 * tagged with its name.
 */

const FIXTURE = fileURLToPath(new URL('../../fixtures/claude-export-projects/', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'vivim-claude-projects-'));
let t: TestServer;
let alice: { cookie: string; userId: string };
beforeAll(async () => {
  t = await startTestServer({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '1000', CAPTURE_RATE_LIMIT_PER_MINUTE: '1000' } });
  alice = await t.signUp('alice@example.com');
});
afterAll(async () => {
  await t?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function exportZip(name: string, files: string[]): string {
  const target = path.join(dir, name);
  writeZip(target, Object.fromEntries(files.map((file) => [`data-2025-03-02/${file}`, readFileSync(path.join(FIXTURE, file))])));
  return target;
}

async function importFile(target: string) {
  const form = new FormData();
  form.append('file', await openAsBlob(target), path.basename(target));
  const response = await fetch(`${t.url}/api/v1/import`, { method: 'POST', headers: { cookie: alice.cookie, origin: 'http://localhost:3000' }, body: form });
  const started = (await response.json()) as { importId: string; jobId: string };
  expect(response.status).toBe(202);
  await t.server.runtime.jobs.waitFor(started.jobId, 60_000);
  return (await t.call('GET', `/api/v1/imports/${started.importId}`, { cookie: alice.cookie })).body;
}

const byTitle = async () => {
  const items = (await t.call('GET', '/api/v1/conversations?provider=claude&limit=50', { cookie: alice.cookie })).body.items as { id: string; title: string; tags: string[] }[];
  return Object.fromEntries(items.map((c) => [c.title, c]));
};

describe('Claude export projects', () => {
  it("tags each project's conversations with the project's name (by project_uuid or project.uuid)", async () => {
    const report = await importFile(exportZip('claude.zip', ['conversations.json', 'projects.json', 'users.json']));
    expect(report).toMatchObject({ status: 'done', provider: 'claude', conversations: 3, errors: [] });
    const conversations = await byTitle();
    // Lower-cased, as the tags users set are.
    expect(conversations['Shields curve for fine sand']?.tags).toEqual(['thesis: river sediments']);
    expect(conversations['Getting started']?.tags).toEqual(['how to use claude']);
    expect(conversations['Unrelated question']?.tags).toEqual([]);
    const tagged = (await t.call('GET', `/api/v1/conversations?tag=${encodeURIComponent('thesis: river sediments')}`, { cookie: alice.cookie })).body.items;
    expect(tagged.map((c: { title: string }) => c.title)).toEqual(['Shields curve for fine sand']);
  });

  it("keeps the user's own tags when the export is imported again, adding the project's only once", async () => {
    const shields = (await byTitle())['Shields curve for fine sand'];
    await t.call('PUT', `/api/v1/conversations/${shields?.id}/tags`, { cookie: alice.cookie, body: { tags: ['mine', 'Thesis: river sediments'] } });
    const report = await importFile(exportZip('claude-again.zip', ['conversations.json', 'projects.json', 'users.json']));
    expect(report).toMatchObject({ status: 'done', conversations: 0, unchanged: 3 });
    expect((await byTitle())['Shields curve for fine sand']?.tags).toEqual(['mine', 'thesis: river sediments']);
  });

  it('imports an export without projects.json untagged but for the project named in the conversation itself', async () => {
    await t.call('DELETE', `/api/v1/conversations/${(await byTitle())['Shields curve for fine sand']?.id}`, { cookie: alice.cookie });
    const report = await importFile(exportZip('no-projects.zip', ['conversations.json', 'users.json']));
    expect(report).toMatchObject({ status: 'done', conversations: 1, unchanged: 2 });
    expect((await byTitle())['Shields curve for fine sand']?.tags).toEqual([]);
  });
});
