import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { TRPCClientError } from '@trpc/client';
import { CONFIG_EXIT_CODE, ConfigError, loadConfig, type Config } from '#config';
import { DataDirLockedError } from '#database/data-dir-lock.ts';
import { apiKeyScopes } from '#common/auth.ts';
import { DomainError } from '../errors.ts';
import { createLogger } from '../logger.ts';
import { ModuleGraphError } from '../module.ts';
import { startServer } from '../main.ts';
import { startRuntime, StartupError, VERSION } from '../runtime.ts';
import { modules } from '../composition.ts';
import { openCliApi, type ContextCliInput, type SearchCliInput, findServer, type CliApi } from './api.ts';
import { runDoctor } from './doctor.ts';
import { MEMORY_TYPES, type MemoryType } from '#modules/memory/schemas.ts';
import { serveMcpOverStdio } from './mcp.ts';

interface JsonFlag {
  json?: boolean;
}

/** Loads config; quieter logs for one-shot commands unless LOG_LEVEL says otherwise. */
function config(quiet: boolean): Config {
  return loadConfig(undefined, { defaults: quiet ? { LOG_LEVEL: 'warn' } : {} });
}

function print(options: JsonFlag, value: unknown, human: string): void {
  process.stdout.write(options.json ? `${JSON.stringify(value)}\n` : `${human}\n`);
}

/** A validation error's message is its zod issues as JSON: "conversationId: Invalid UUID; limit: …" reads better. */
function readableIssues(message: string): string {
  if (!message.startsWith('[')) return message;
  try {
    const issues = JSON.parse(message) as unknown;
    if (Array.isArray(issues) && issues.length > 0 && issues.every((i) => i && typeof (i as { message?: unknown }).message === 'string')) {
      return (issues as { path?: unknown[]; message: string }[]).map((i) => `${(i.path ?? []).join('.') || 'input'}: ${i.message}`).join('; ');
    }
  } catch {
    // not JSON: the message as it is
  }
  return message;
}

/** Prints an error the way the command's output mode asks, and returns the exit code. */
function fail(error: unknown, json: boolean): number {
  let code = 'ERROR';
  let message = error instanceof Error ? error.message : String(error);
  let exit = 1;
  if (error instanceof ConfigError) {
    code = 'CONFIG_INVALID';
    exit = CONFIG_EXIT_CODE;
  } else if (error instanceof DomainError) code = error.code;
  else if (error instanceof TRPCClientError) code = (error.data as { vivimCode?: string } | undefined)?.vivimCode ?? (error.data as { code?: string } | undefined)?.code ?? 'ERROR';
  else if (error instanceof DataDirLockedError) code = 'DATA_DIR_LOCKED';
  else if (error instanceof StartupError || error instanceof ModuleGraphError) code = error.code;
  else if (error && typeof error === 'object' && 'cause' in error && error.cause instanceof DomainError) {
    code = error.cause.code;
    message = error.cause.message;
  } else if (error && typeof error === 'object' && typeof (error as { code?: unknown }).code === 'string' && /^[A-Z_]+$/.test((error as { code: string }).code)) {
    code = (error as { code: string }).code;
  }
  message = readableIssues(message);
  if (json) process.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
  else process.stderr.write(`vivim: ${message}${code !== 'ERROR' && code !== 'CONFIG_INVALID' ? ` (${code})` : ''}\n`);
  return exit;
}

/** The user a library command acts for: --email, or the only user there is. */
async function ownerEmail(api: CliApi, email: string | undefined): Promise<string> {
  if (email) return email;
  const users = await api.users();
  if (users.length === 1 && users[0]) return users[0].email;
  throw Object.assign(new Error(users.length === 0 ? 'No user yet: create one with `vivim user create`' : 'There are several users: say whose library with --email'), { code: 'EMAIL_REQUIRED' });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The password of `user create`: from stdin (`--password-stdin`), `$VIVIM_PASSWORD`, or `--password`
 * (which every local user can read in `ps` and which lands in shell history: warned about).
 */
async function passwordOf(options: { password?: string; passwordStdin: boolean }): Promise<string> {
  const sources = [options.password !== undefined, options.passwordStdin].filter(Boolean).length;
  if (sources > 1) throw Object.assign(new Error('Give the password one way: --password-stdin or --password'), { code: 'PASSWORD_AMBIGUOUS' });
  if (options.passwordStdin) {
    const password = (await readStdin()).split(/\r?\n/)[0] ?? '';
    if (!password) throw Object.assign(new Error('No password on standard input'), { code: 'PASSWORD_REQUIRED' });
    return password;
  }
  if (options.password !== undefined) {
    process.stderr.write('vivim: warning: --password is visible to other local users (ps) and kept in shell history; use --password-stdin or $VIVIM_PASSWORD\n');
    return options.password;
  }
  // A one-shot secret handed to this command, not configuration: it never belongs in config/ (nor in the frozen config object).
  // eslint-disable-next-line no-restricted-syntax
  const fromEnv = process.env.VIVIM_PASSWORD;
  if (fromEnv) return fromEnv;
  throw Object.assign(new Error('A password is required: --password-stdin (e.g. `printf %s "$PW" | vivim user create … --password-stdin`) or $VIVIM_PASSWORD'), { code: 'PASSWORD_REQUIRED' });
}

/** Runs a one-shot command against the server holding the data dir, or the data dir itself. */
async function withApi(options: JsonFlag, action: (api: CliApi) => Promise<void>): Promise<void> {
  let api: CliApi | undefined;
  try {
    const cfg = config(true);
    api = await openCliApi(cfg, createLogger(cfg));
    await action(api);
  } catch (error) {
    process.exitCode = fail(error, options.json === true);
  } finally {
    await api?.close().catch(() => undefined);
  }
}

async function start(): Promise<void> {
  let cfg: Config;
  try {
    cfg = config(false);
  } catch (error) {
    process.exit(fail(error, false));
  }
  const log = createLogger(cfg);
  try {
    const server = await startServer(cfg, { log });
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) process.exit(130);
      server.stop(signal).then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  } catch (error) {
    process.exit(fail(error, false));
  }
}

async function worker(): Promise<void> {
  const cfg = config(false);
  if (!cfg.database.url) {
    throw new StartupError('WORKER_NEEDS_DATABASE_URL', 'A separate worker needs DATABASE_URL: the embedded database belongs to the server process, which already runs jobs in-process.');
  }
  const log = createLogger(cfg);
  const runtime = await startRuntime({ config: cfg, log, modules, worker: true });
  log.info({ tasks: runtime.jobs.tasks() }, 'worker ready');
  const stop = () => runtime.stop().then(() => process.exit(0), () => process.exit(1));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** Builds the `vivim` command line. */
export function buildCli(): Command {
  const program = new Command('vivim').description('VIVIM: a home for your AI conversations').version(VERSION);
  program.command('start').description('run the server (and the in-process worker)').action(start);
  program.command('worker').description('run a job worker process (needs DATABASE_URL)').action(async () => {
    await worker().catch((error: unknown) => process.exit(fail(error, false)));
  });
  program
    .command('migrate')
    .description('apply database migrations')
    .option('--json', 'print JSON')
    .action(async (options: JsonFlag) => {
      try {
        const cfg = config(true);
        const server = findServer(cfg);
        if (server) {
          print(options, { applied: [], server: server.url }, `The server at ${server.url} holds the data dir; it applied migrations when it started.`);
          return;
        }
        const runtime = await startRuntime({ config: cfg, log: createLogger(cfg), modules, worker: false });
        await runtime.stop();
        print(options, { applied: runtime.migrationsApplied }, runtime.migrationsApplied.length ? `Applied: ${runtime.migrationsApplied.join(', ')}` : 'The database is up to date.');
      } catch (error) {
        process.exitCode = fail(error, options.json === true);
      }
    });
  const user = program.command('user').description('manage users');
  user
    .command('create')
    .description('create a user')
    .requiredOption('--email <email>')
    .option('--password <password>', 'discouraged: visible in `ps` and shell history (prefer --password-stdin or $VIVIM_PASSWORD)')
    .option('--password-stdin', 'read the password from standard input (first line)', false)
    .option('--name <name>')
    .option('--admin', 'make the user an administrator', false)
    .option('--json', 'print JSON')
    .action((options: JsonFlag & { email: string; password?: string; passwordStdin: boolean; name?: string; admin: boolean }) =>
      withApi(options, async (api) => {
        const password = await passwordOf(options);
        const created = await api.createUser({ email: options.email, password, name: options.name, isAdmin: options.admin });
        print(options, created, `Created ${created.email}${created.isAdmin ? ' (admin)' : ''}: ${created.id}`);
      }),
    );
  const apikey = program.command('apikey').description('manage API keys');
  apikey
    .command('create')
    .description("create an API key for a user (printed once)")
    .requiredOption('--email <email>')
    .option('--name <name>', 'a label', 'CLI key')
    .addOption(new Option('--scopes <scopes>', `comma-separated: ${apiKeyScopes.join(', ')}`).default('read,write'))
    .option('--json', 'print JSON')
    .action((options: JsonFlag & { email: string; name: string; scopes: string }) =>
      withApi(options, async (api) => {
        const scopes = options.scopes.split(',').map((s) => s.trim()) as CliApi extends { createApiKey(i: { scopes: infer S }): unknown } ? S : never;
        const created = await api.createApiKey({ email: options.email, name: options.name, scopes });
        print(options, { id: created.id, key: created.key, scopes: created.scopes }, `${created.key}\n(id ${created.id}; scopes ${created.scopes.join(', ')}; shown once: store it now)`);
      }),
    );
  apikey
    .command('list')
    .description("list a user's API keys")
    .requiredOption('--email <email>')
    .option('--json', 'print JSON')
    .action((options: JsonFlag & { email: string }) =>
      withApi(options, async (api) => {
        const keys = await api.listApiKeys(options.email);
        const lines = keys.map((k) => `${k.id}  ${k.prefix}…  ${k.name}  [${k.scopes.join(',')}]${k.revokedAt ? '  revoked' : ''}`);
        print(options, keys, lines.length ? lines.join('\n') : 'No API keys.');
      }),
    );
  apikey
    .command('revoke')
    .description('revoke an API key')
    .requiredOption('--email <email>')
    .requiredOption('--id <id>')
    .option('--json', 'print JSON')
    .action((options: JsonFlag & { email: string; id: string }) =>
      withApi(options, async (api) => {
        const revoked = await api.revokeApiKey({ email: options.email, id: options.id });
        print(options, revoked, `Revoked ${revoked.id}`);
      }),
    );
  program
    .command('import')
    .description('import an official export (ChatGPT zip or conversations.json, Claude, Gemini Takeout, DeepSeek, generic JSON/Markdown)')
    .argument('<file>', 'the export file')
    .option('--email <email>', 'whose library (default: the only user)')
    .option('--json', 'print JSON')
    .action((file: string, options: JsonFlag & { email?: string }) =>
      withApi(options, async (api) => {
        const result = await api.importFile(path.resolve(file), await ownerEmail(api, options.email));
        const { importId: _importId, provider: _provider, ...counts } = result;
        print(
          options,
          counts,
          `Imported ${result.conversations} conversations (${result.messages} messages) from ${result.provider ?? 'the file'}; ${result.unchanged} unchanged.` +
            (result.errors.length ? `\n${result.errors.length} could not be read:\n${result.errors.map((e) => `  - ${e.source}: ${e.code} ${e.message}`).join('\n')}` : ''),
        );
      }),
    );
  program
    .command('capture')
    .description('capture a share link')
    .argument('<url>', 'the share link')
    .option('--email <email>', 'whose library (default: the only user)')
    .option('--html <file>', 'a saved copy of the page (e.g. a private chat saved from your browser): nothing is fetched')
    .option('--json', 'print JSON')
    .action((url: string, options: JsonFlag & { email?: string; html?: string }) =>
      withApi(options, async (api) => {
        const html = options.html === undefined ? undefined : readFileSync(path.resolve(options.html), 'utf8');
        const result = await api.capture(url, await ownerEmail(api, options.email), html);
        const { changed: _changed, ...printed } = result;
        print(options, printed, `${result.changed ? 'Captured' : 'Already up to date:'} ${result.messages} messages → conversation ${result.conversationId}`);
      }),
    );
  const conversations = program.command('conversations').description('the library');
  conversations
    .command('list')
    .description('list conversations, newest first')
    .option('--email <email>', 'whose library (default: the only user)')
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'print JSON')
    .action((options: JsonFlag & { email?: string; limit: string }) =>
      withApi(options, async (api) => {
        const items = await api.conversations(await ownerEmail(api, options.email), Math.min(200, Math.max(1, Number(options.limit) || 50)));
        print(options, items, items.length ? items.map((c) => `${c.id}  ${c.provider.padEnd(10)} ${String(c.messageCount).padStart(4)} msgs  ${c.title}`).join('\n') : 'No conversations yet.');
      }),
    );
  program
    .command('search')
    .description('search your library (full-text + semantic)')
    .argument('<query...>', 'what to look for: words, "an exact phrase", -excluded')
    .option('--email <email>', 'whose library (default: the only user)')
    .option('--limit <k>', 'how many results', '10')
    .option('--kind <kinds>', 'message, acu, memory, conversation (comma-separated)')
    .option('--provider <ids>', 'only these providers (comma-separated)')
    .option('--collapse', 'one result per conversation', false)
    .option('--json', 'print JSON')
    .action((words: string[], options: JsonFlag & { email?: string; limit: string; kind?: string; provider?: string; collapse: boolean }) =>
      withApi(options, async (api) => {
        const split = (value?: string) => (value ? value.split(',').map((v) => v.trim()).filter(Boolean) : undefined);
        const result = await api.search(await ownerEmail(api, options.email), {
          q: words.join(' '),
          limit: Math.min(100, Math.max(1, Number(options.limit) || 10)),
          kind: split(options.kind) as SearchCliInput['kind'],
          provider: split(options.provider),
          collapse: options.collapse,
        });
        const { results, tookMs } = result;
        const plain = (snippet: string) => snippet.replace(/<\/?mark>/g, '*').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
        const human = results.length
          ? results
              .map((r, i) => `${String(i + 1).padStart(2)}. [${r.kind}${r.role ? `/${r.role}` : ''}] ${r.title}  (${r.provider ?? '-'}, ${r.createdAt?.slice(0, 10) ?? 'no date'}, score ${r.score})\n    ${plain(r.snippet)}\n    conversation ${r.conversationId ?? '-'} message ${r.messageId ?? '-'} (source ${r.sourceConversationId ?? '-'} / ${r.sourceMessageId ?? '-'})`)
              .join('\n') + `\n${results.length} results in ${tookMs} ms${result.semantic.used ? '' : ` (full-text only: ${result.semantic.reason})`}`
          : `No results (${tookMs} ms).`;
        print(options, { results, tookMs }, human);
      }),
    );
  program
    .command('mcp')
    .description('serve your library to an AI assistant over MCP on stdin/stdout (through the running server, if any)')
    .option('--email <email>', 'whose library (default: the only user; ignored with VIVIM_API_KEY)')
    .action(async (options: { email?: string }) => {
      try {
        const cfg = config(true);
        await serveMcpOverStdio(cfg, createLogger(cfg), { email: options.email });
      } catch (error) {
        process.exitCode = fail(error, false);
      }
    });
  program
    .command('topics')
    .description('topics of your library (conversations grouped by shared keyphrases)')
    .option('--email <email>', 'whose library (default: the only user)')
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'print JSON')
    .action((options: JsonFlag & { email?: string; limit: string }) =>
      withApi(options, async (api) => {
        const items = await api.topics(await ownerEmail(api, options.email), Math.min(200, Math.max(1, Number(options.limit) || 50)));
        const human = items.length
          ? items.map((t) => `${t.id}  ${String(t.conversationCount).padStart(4)} conv ${String(t.messageCount).padStart(5)} msgs  ${t.label}  (${t.keyphrases.join(', ')})`).join('\n')
          : 'No topics yet.';
        print(options, items, human);
      }),
    );
  program
    .command('entities')
    .description('people, projects, organizations, technologies and places named in your library')
    .option('--email <email>', 'whose library (default: the only user)')
    .option('--type <type>', 'person, project, organization, technology, place or other')
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'print JSON')
    .action((options: JsonFlag & { email?: string; type?: string; limit: string }) =>
      withApi(options, async (api) => {
        const items = await api.entities(await ownerEmail(api, options.email), {
          type: options.type as Parameters<CliApi['entities']>[1]['type'],
          limit: Math.min(200, Math.max(1, Number(options.limit) || 50)),
        });
        const human = items.length
          ? items.map((e) => `${e.id}  ${e.type.padEnd(12)} ${String(e.mentionCount).padStart(5)}×  ${e.name}${e.aliases.length ? `  (${e.aliases.join(', ')})` : ''}`).join('\n')
          : 'No entities yet.';
        print(options, items, human);
      }),
    );
  program
    .command('context')
    .description('the cited context an assistant should get for a prompt, within a token budget')
    .argument('<prompt...>', 'what you are about to ask')
    .option('--email <email>', 'whose library (default: the only user)')
    .option('--budget <n>', 'most tokens the bundle may take (64..32768)', '2000')
    .option('--format <format>', 'markdown, xml or json', 'markdown')
    .option('--model <model>', 'target model: picks the tokenizer (default o200k_base, as gpt-4o)')
    .option('--conversation <id>', 'the conversation the prompt continues (its latest turns come first)')
    .option('--json', 'print the same JSON document as POST /api/v1/context')
    .action((words: string[], options: JsonFlag & { email?: string; budget: string; format: string; model?: string; conversation?: string }) =>
      withApi(options, async (api) => {
        const result = await api.context(await ownerEmail(api, options.email), {
          prompt: words.join(' '),
          budget: Number(options.budget),
          format: options.format as ContextCliInput['format'],
          model: options.model,
          conversationId: options.conversation,
        });
        if (options.json) {
          print(options, result, '');
          return;
        }
        process.stdout.write(`${result.text}\n`);
        const layers = result.sections.map((s) => `${s.layer} ${s.tokens}`).join(', ');
        process.stderr.write(`${result.totalTokens} of ${result.budget} tokens (${result.tokenizer}; intent ${result.intent}${result.cached ? '; cached' : ''}; ${result.tookMs} ms)${layers ? `: ${layers}` : ''}\n`);
      }),
    );
  const memories = program.command('memories').description('what VIVIM remembers about you');
  memories
    .command('list')
    .description('list memories, newest first')
    .option('--email <email>', 'whose memories (default: the only user)')
    .option('--type <types>', `only these types (comma-separated): ${MEMORY_TYPES.join(', ')}`)
    .option('--all', 'include superseded memories', false)
    .option('--conversation <id>', 'only memories drawn from this conversation')
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'print JSON')
    .action((options: JsonFlag & { email?: string; type?: string; all: boolean; conversation?: string; limit: string }) =>
      withApi(options, async (api) => {
        const type = options.type ? (options.type.split(',').map((v) => v.trim()).filter(Boolean) as MemoryType[]) : undefined;
        const items = await api.memories(await ownerEmail(api, options.email), {
          type,
          includeSuperseded: options.all,
          limit: Math.min(200, Math.max(1, Number(options.limit) || 50)),
          ...(options.conversation ? { conversationId: options.conversation } : {}),
        });
        const human = items.map((m) => `${m.id}  ${m.type.padEnd(12)} ${m.pinned ? '📌 ' : ''}${m.content}${m.supersededBy ? `  (superseded by ${m.supersededBy})` : ''}`).join('\n');
        print(options, items, items.length ? human : 'No memories yet.');
      }),
    );
  memories
    .command('add')
    .description('add a memory by hand')
    .argument('<content...>', 'what to remember ("Prefers metric units")')
    .option('--email <email>', 'whose memories (default: the only user)')
    .option('--type <type>', `one of: ${MEMORY_TYPES.join(', ')}`, 'fact')
    .option('--pin', 'pin it (always in context)', false)
    .option('--json', 'print JSON')
    .action((words: string[], options: JsonFlag & { email?: string; type: string; pin: boolean }) =>
      withApi(options, async (api) => {
        const added = await api.addMemory(await ownerEmail(api, options.email), { type: options.type as MemoryType, content: words.join(' '), pinned: options.pin });
        print(options, added, `Remembered (${added.type}): ${added.content}  ${added.id}`);
      }),
    );
  memories
    .command('forget')
    .description('forget a memory (with its history; extraction will not bring it back)')
    .argument('<id>', 'the memory id')
    .option('--email <email>', 'whose memories (default: the only user)')
    .option('--json', 'print JSON')
    .action((id: string, options: JsonFlag & { email?: string }) =>
      withApi(options, async (api) => {
        const forgotten = await api.forgetMemory(await ownerEmail(api, options.email), id);
        print(options, forgotten, `Forgot ${forgotten.id}`);
      }),
    );
  program
    .command('doctor')
    .description('check Node, Chromium, the data dir, the database and plugins')
    .option('--json', 'print JSON')
    .action(async (options: JsonFlag) => {
      try {
        const cfg = config(true);
        const checks = await runDoctor(cfg, createLogger(cfg));
        const human = checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}${c.fix ? `\n      fix: ${c.fix}` : ''}`).join('\n');
        print(options, { ok: checks.every((c) => c.ok), checks }, human);
        if (!checks.every((c) => c.ok)) process.exitCode = 1;
      } catch (error) {
        process.exitCode = fail(error, options.json === true);
      }
    });
  return program;
}
