import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipBytes } from '#plugins/providers/sdk/testing/zip.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const rich = JSON.parse(readFileSync(path.join(here, '..', '..', '..', 'plugins', 'providers', 'chatgpt', 'fixtures', 'content-types.json'), 'utf8')) as Record<string, unknown>;
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

let t: TestServer;
let alice: { cookie: string };
let bob: { cookie: string };

beforeAll(async () => {
  t = await startTestServer({ env: { EMBEDDING_PROVIDER: 'off' } });
  alice = await t.signUp('alice@example.com');
  bob = await t.signUp('bob@example.com');
  const form = new FormData();
  form.append('file', new Blob([zipBytes({ 'conversations.json': JSON.stringify([rich]), 'file-Img123-circle.png': PNG, 'file-Doc456-notes.pdf': '%PDF-1.4\n<script>alert(1)</script>' })]), 'export.zip');
  const started = await fetch(`${t.url}/api/v1/import`, { method: 'POST', headers: { cookie: alice.cookie, origin: 'http://localhost:3000' }, body: form });
  const { importId } = (await started.json()) as { importId: string };
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    if ((await t.call('GET', `/api/v1/imports/${importId}`, { cookie: alice.cookie })).body.status === 'done') break;
    await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);
afterAll(() => t?.dispose());

async function partsOf(cookie: string) {
  const list = await t.call('GET', '/api/v1/conversations', { cookie });
  const detail = await t.call('GET', `/api/v1/conversations/${list.body.items[0].id}?allBranches=true`, { cookie });
  return detail.body.messages.flatMap((m: { parts: { type: string; blobSha?: string | null }[] }) => m.parts);
}

describe('stored images and files', () => {
  it('serves an image of my conversation inline, byte for byte, cacheable and sandboxed', async () => {
    const image = (await partsOf(alice.cookie)).find((p: { type: string; blobSha?: string | null }) => p.type === 'image' && p.blobSha);
    expect(image?.blobSha).toMatch(/^[0-9a-f]{64}$/);
    const response = await fetch(`${t.url}/api/v1/blobs/${image.blobSha}`, { headers: { cookie: alice.cookie } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('cache-control')).toContain('immutable');
    expect(response.headers.get('content-security-policy')).toContain('sandbox');
    expect(Buffer.from(await response.arrayBuffer())).toEqual(PNG);
  });

  it('serves anything not a plain image as a download, never as a page', async () => {
    const file = (await partsOf(alice.cookie)).find((p: { type: string; blobSha?: string | null }) => p.type === 'file' && p.blobSha);
    const response = await fetch(`${t.url}/api/v1/blobs/${file.blobSha}`, { headers: { cookie: alice.cookie } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment/);
  });

  it("never serves another user's blob, nor to anonymous callers, nor a malformed id", async () => {
    const image = (await partsOf(alice.cookie)).find((p: { type: string; blobSha?: string | null }) => p.type === 'image' && p.blobSha);
    expect((await fetch(`${t.url}/api/v1/blobs/${image.blobSha}`, { headers: { cookie: bob.cookie } })).status).toBe(404);
    expect((await fetch(`${t.url}/api/v1/blobs/${image.blobSha}`)).status).toBe(401);
    expect((await fetch(`${t.url}/api/v1/blobs/..%2F..%2Fsecret.key`, { headers: { cookie: alice.cookie } })).status).toBe(404);
  });
});
