import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chatgptExportJson } from '../../factories/chatgpt-export.ts';
import { runCli } from '../../helpers/cli.ts';
import { freshDataDir } from '../../helpers/server.ts';
import { tokenCounter } from '#modules/context/tokenizer.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'vivim-cli-context-'));
const dataDir = freshDataDir();
afterAll(() => {
  for (const dir of [scratch, dataDir]) rmSync(dir, { recursive: true, force: true });
});

describe('vivim context', () => {
  it('prints the REST document with --json, the text with a token summary otherwise, and clear errors', async () => {
    const env = { VIVIM_DATA_DIR: dataDir, EMBEDDING_PROVIDER: 'off' };
    await runCli(['user', 'create', '--email', 'me@example.com', '--password-stdin'], env, 60_000, 'correct horse battery\n');
    const file = path.join(scratch, 'export.json');
    writeFileSync(file, chatgptExportJson({ conversations: 12, messagesPer: 4 }));
    expect((await runCli(['import', file, '--json'], env)).code).toBe(0);

    const json = await runCli(['context', 'Question', '7.2:', 'what', 'did', 'I', 'ask?', '--budget', '500', '--json'], env);
    expect(json.code, json.stderr).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(Object.keys(doc).sort()).toEqual(['budget', 'cached', 'intent', 'model', 'sections', 'text', 'tokenizer', 'tookMs', 'totalTokens']);
    expect(doc.totalTokens).toBeLessThanOrEqual(500);
    expect(doc.totalTokens).toBe((await tokenCounter(undefined)).count(doc.text));
    const items = doc.sections.flatMap((s: { items: unknown[] }) => s.items);
    expect(items).toContainEqual(expect.objectContaining({ kind: 'message', sourceConversationId: 'conv-7', sourceMessageId: 'conv-7-m2' }));

    const human = await runCli(['context', 'def answer_3_1', '--format', 'xml', '--model', 'claude-sonnet-4', '--budget', '300'], env);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^<vivim_context>\n[\s\S]*<\/vivim_context>\n$/);
    expect(human.stderr).toMatch(/^\d+ of 300 tokens \(estimate:o200k_base\*1\.3; intent coding/m);

    const bad = await runCli(['context', 'hello', '--budget', '10', '--json'], env);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).error.message).toContain('at least 64');
  }, 240_000);
});
