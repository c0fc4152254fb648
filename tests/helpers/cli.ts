import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const VIVIM_BIN = fileURLToPath(new URL('../../bin/vivim.js', import.meta.url));

/** Environment for a spawned vivim: the test's own PATH etc., plus the given variables. */
function envWith(env: Record<string, string>): NodeJS.ProcessEnv {
  // Embeddings off unless asked for (see testConfig in server.ts).
  return { ...process.env, LOG_LEVEL: 'warn', NODE_ENV: 'test', EMBEDDING_PROVIDER: 'off', ...env };
}

/** Runs `vivim …` to completion on Node 22 (this test's own runtime). */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 60_000, stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VIVIM_BIN, ...args], { env: envWith(env), stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end(stdin ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`vivim ${args.join(' ')} timed out\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `vivim start` and resolves once /ready answers 200. */
export async function spawnServer(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [VIVIM_BIN, 'start'], { env: envWith({ LOG_LEVEL: 'info', ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 60_000);
    const check = () => {
      const match = /"url":"(http:\/\/[^"]+)".*"msg":"vivim ready"/.exec(stderr);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stderr?.on('data', check);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${stderr}`)));
  });
  return { child, url, stderr: () => stderr };
}
