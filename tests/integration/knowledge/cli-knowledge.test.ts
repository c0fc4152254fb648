import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../helpers/cli.ts';
import { freshDataDir } from '../../helpers/server.ts';
import { exportJson } from './library.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'vivim-cli-knowledge-'));
const dataDir = freshDataDir();
afterAll(() => {
  for (const dir of [scratch, dataDir]) rmSync(dir, { recursive: true, force: true });
});

describe('vivim topics / vivim entities', () => {
  it('lists topics and entities of the data dir (the Librarian catches up inline), as JSON or text, and refuses a bad type', { timeout: 300_000 }, async () => {
    const env = { VIVIM_DATA_DIR: dataDir };
    expect((await runCli(['user', 'create', '--email', 'me@example.com', '--password-stdin'], env, 60_000, 'correct horse battery\n')).code).toBe(0);
    const file = path.join(scratch, 'conversations.json');
    writeFileSync(file, exportJson('cli'));
    expect((await runCli(['import', file, '--json'], env, 120_000)).code).toBe(0);

    const topics = await runCli(['topics', '--json'], env, 120_000);
    expect(topics.code, topics.stderr).toBe(0);
    const list = JSON.parse(topics.stdout) as { label: string; conversationCount: number; conversations: { sourceConversationId: string }[] }[];
    const k8s = list.find((t) => t.conversations.some((c) => c.sourceConversationId === 'cli-k8s1'));
    expect(k8s?.conversationCount).toBe(2);

    const technologies = await runCli(['entities', '--type', 'technology', '--json'], env, 60_000);
    expect(technologies.code, technologies.stderr).toBe(0);
    const items = JSON.parse(technologies.stdout) as { name: string; type: string; aliases: string[] }[];
    expect(items.every((e) => e.type === 'technology')).toBe(true);
    expect(items.find((e) => e.name === 'PostgreSQL')?.aliases).toEqual(expect.arrayContaining(['Postgres', 'pg']));

    const human = await runCli(['entities'], env, 60_000);
    expect(human.stdout).toMatch(/person\s+\d+×\s+Maria Santos/);

    const bad = await runCli(['entities', '--type', 'alien', '--json'], env, 60_000);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).error).toBeTruthy();
  });
});
