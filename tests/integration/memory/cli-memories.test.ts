import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../helpers/cli.ts';
import { freshDataDir } from '../../helpers/server.ts';

const FIRST = fileURLToPath(new URL('../../fixtures/memory/first.json', import.meta.url));
const dataDir = freshDataDir();
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('vivim memories', () => {
  it('lists (extracting what was imported), adds, filters by type and forgets, in JSON and for people', async () => {
    const env = { VIVIM_DATA_DIR: dataDir };
    await runCli(['user', 'create', '--email', 'me@example.com', '--password-stdin'], env, 60_000, 'correct horse battery\n');
    expect((await runCli(['import', FIRST, '--json'], env)).code).toBe(0);

    const listed = await runCli(['memories', 'list', '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    const items = JSON.parse(listed.stdout) as { id: string; type: string; content: string }[];
    expect(items.map((m) => m.content)).toContain('Name is Maya Lopez');

    const added = await runCli(['memories', 'add', 'Prefers', 'metric', 'units', '--type', 'preference', '--pin', '--json'], env);
    expect(added.code, added.stderr).toBe(0);
    const memory = JSON.parse(added.stdout) as { id: string; type: string; content: string; pinned: boolean; source: string };
    expect(memory).toMatchObject({ type: 'preference', content: 'Prefers metric units', pinned: true, source: 'manual' });

    const human = await runCli(['memories', 'list', '--type', 'preference,identity'], env);
    expect(human.stdout).toMatch(/^[0-9a-f-]{36} {2}identity +Name is Maya Lopez$/m);
    expect(human.stdout).toMatch(/^[0-9a-f-]{36} {2}preference +📌 Prefers metric units$/m);
    expect(human.stdout).not.toMatch(/Lives in Lisbon/);

    // Only the memories drawn from one conversation; a malformed id is refused in words, not as a zod dump.
    const conversationId = (JSON.parse(listed.stdout) as { provenance: { conversationId: string }[] }[])[0]!.provenance[0]!.conversationId;
    const drawn = await runCli(['memories', 'list', '--conversation', conversationId, '--json'], env);
    expect(drawn.code, drawn.stderr).toBe(0);
    const drawnItems = JSON.parse(drawn.stdout) as { content: string }[];
    expect(drawnItems.map((m) => m.content)).toContain('Name is Maya Lopez');
    expect(drawnItems.map((m) => m.content)).not.toContain('Prefers metric units');
    const malformed = await runCli(['memories', 'list', '--conversation', 'not-a-uuid'], env);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toBe('vivim: conversationId: Invalid UUID (BAD_REQUEST)\n');

    const forgot = await runCli(['memories', 'forget', memory.id, '--json'], env);
    expect(JSON.parse(forgot.stdout)).toEqual({ id: memory.id, forgotten: true });
    const again = await runCli(['memories', 'forget', memory.id], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('No such memory');
  }, 360_000);
});
