import { afterAll, describe, expect, it } from 'vitest';
import { migrationsList } from '#database/migrations/index.ts';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, spawnServer } from '../../helpers/cli.ts';
import { freshDataDir } from '../../helpers/server.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const track = (dir: string) => (dirs.push(dir), dir);

describe('vivim CLI', () => {
  it('exits 78 and lists every invalid variable', async () => {
    const result = await runCli(['user', 'create', '--email', 'a@example.com', '--password', 'correct horse battery'], { PORT: 'http', LOG_LEVEL: 'chatty', VIVIM_DATA_DIR: track(mkdtempSync(path.join(tmpdir(), 'vivim-cli-'))) });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('Invalid configuration (2 problems)');
    expect(result.stderr).toContain('PORT: must be a whole number');
    expect(result.stderr).toContain('LOG_LEVEL:');
  });

  it('migrates a new data dir, then reports it up to date', async () => {
    const dir = track(mkdtempSync(path.join(tmpdir(), 'vivim-cli-')));
    const first = await runCli(['migrate', '--json'], { VIVIM_DATA_DIR: dir });
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).applied).toEqual(migrationsList.map((m) => m.name));
    const second = await runCli(['migrate', '--json'], { VIVIM_DATA_DIR: dir });
    expect(JSON.parse(second.stdout)).toEqual({ applied: [] });
  });

  it('creates users and API keys on the data dir itself, printing one JSON document', async () => {
    const dir = track(freshDataDir());
    const user = await runCli(['user', 'create', '--email', 'Cli@Example.com', '--password', 'correct horse battery', '--json'], { VIVIM_DATA_DIR: dir });
    expect(user.code).toBe(0);
    expect(JSON.parse(user.stdout)).toMatchObject({ email: 'cli@example.com', isAdmin: true });
    const key = await runCli(['apikey', 'create', '--email', 'cli@example.com', '--name', 'ci', '--json'], { VIVIM_DATA_DIR: dir });
    expect(key.code).toBe(0);
    const parsed = JSON.parse(key.stdout);
    expect(Object.keys(parsed).sort()).toEqual(['id', 'key', 'scopes']);
    expect(parsed.key).toMatch(/^vivim_/);
    const duplicate = await runCli(['user', 'create', '--email', 'cli@example.com', '--password', 'correct horse battery', '--json'], { VIVIM_DATA_DIR: dir });
    expect(duplicate.code).toBe(1);
    expect(JSON.parse(duplicate.stdout)).toEqual({ error: { code: 'AUTH_EMAIL_TAKEN', message: 'An account with this email already exists' } });
    const list = await runCli(['apikey', 'list', '--email', 'cli@example.com', '--json'], { VIVIM_DATA_DIR: dir });
    expect(JSON.parse(list.stdout)).toHaveLength(1);
    const revoke = await runCli(['apikey', 'revoke', '--email', 'cli@example.com', '--id', parsed.id, '--json'], { VIVIM_DATA_DIR: dir });
    expect(JSON.parse(revoke.stdout).revokedAt).not.toBeNull();
  });

  it('talks to the running server that holds the data dir, and the server stops cleanly on SIGTERM', async () => {
    const dir = track(freshDataDir());
    const server = await spawnServer({ VIVIM_DATA_DIR: dir, PORT: '0' });
    try {
      const user = await runCli(['user', 'create', '--email', 'live@example.com', '--password', 'correct horse battery', '--json'], { VIVIM_DATA_DIR: dir });
      expect(user.code).toBe(0);
      const key = JSON.parse((await runCli(['apikey', 'create', '--email', 'live@example.com', '--json'], { VIVIM_DATA_DIR: dir })).stdout);
      const me = await fetch(`${server.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${key.key}` } });
      expect(await me.json()).toMatchObject({ email: 'live@example.com' });
      const doctor = await runCli(['doctor', '--json'], { VIVIM_DATA_DIR: dir });
      const report = JSON.parse(doctor.stdout);
      expect(report.checks.find((c: { name: string }) => c.name === 'database')).toMatchObject({ ok: true });
      expect(report.checks.find((c: { name: string }) => c.name === 'node')).toMatchObject({ ok: true });
    } finally {
      const started = Date.now();
      server.child.kill('SIGTERM');
      const code = await new Promise<number | null>((resolve) => server.child.on('exit', resolve));
      expect(code).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(server.stderr()).toContain('"msg":"stopped"');
    }
    expect(existsSync(path.join(dir, 'vivim.lock'))).toBe(false);
    expect(existsSync(path.join(dir, 'cli.token'))).toBe(false);
  });

  it('takes the password from stdin or $VIVIM_PASSWORD, and warns when it is on the command line', async () => {
    const dir = track(freshDataDir());
    const stdin = await runCli(['user', 'create', '--email', 'stdin@example.com', '--password-stdin', '--json'], { VIVIM_DATA_DIR: dir }, 60_000, 'correct horse battery\n');
    expect([stdin.code, stdin.stderr]).toEqual([0, '']);
    expect(JSON.parse(stdin.stdout)).toMatchObject({ email: 'stdin@example.com' });
    const env = await runCli(['user', 'create', '--email', 'env@example.com', '--json'], { VIVIM_DATA_DIR: dir, VIVIM_PASSWORD: 'correct horse battery' });
    expect([env.code, env.stderr]).toEqual([0, '']);
    const argv = await runCli(['user', 'create', '--email', 'argv@example.com', '--password', 'correct horse battery', '--json'], { VIVIM_DATA_DIR: dir });
    expect(argv.code).toBe(0);
    expect(argv.stderr).toContain('warning: --password is visible');
    expect(JSON.parse(argv.stdout)).toMatchObject({ email: 'argv@example.com' });
    const none = await runCli(['user', 'create', '--email', 'none@example.com', '--json'], { VIVIM_DATA_DIR: dir });
    expect(none.code).toBe(1);
    expect(JSON.parse(none.stdout).error.code).toBe('PASSWORD_REQUIRED');
  });
});
