import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { providerManifest, type ProviderPlugin, type ProviderRegistry, type ProviderStatus } from './sdk/index.ts';

/** A candidate plugin: a module already imported, or an npm package name to import. */
export type PluginSource = { kind: 'builtin'; plugin: unknown } | { kind: 'package'; name: string };

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function importPackage(name: string, cwd: string): Promise<unknown> {
  // Resolve from the project root so packages installed beside VIVIM are found.
  const require = createRequire(pathToFileURL(`${cwd}/package.json`));
  const resolved = require.resolve(name);
  const module = (await import(pathToFileURL(resolved).href)) as { default?: unknown };
  return module.default ?? module;
}

/**
 * Loads providers: built-ins plus npm packages named in VIVIM_PLUGINS. A plugin that fails to
 * import, has an invalid manifest or reuses an id is reported in `status()` and skipped.
 */
export async function loadProviders(
  sources: readonly PluginSource[],
  options: { log: Logger; cwd?: string },
): Promise<ProviderRegistry> {
  const providers = new Map<string, ProviderPlugin>();
  const statuses: ProviderStatus[] = [];
  for (const source of sources) {
    const label = source.kind === 'builtin' ? 'builtin' : `package:${source.name}`;
    let candidate: unknown;
    try {
      candidate = source.kind === 'builtin' ? source.plugin : await importPackage(source.name, options.cwd ?? process.cwd());
    } catch (error) {
      statuses.push({ id: undefined, source: label, loaded: false, error: `cannot be imported: ${describe(error)}` });
      options.log.warn({ source: label, err: describe(error) }, 'provider plugin skipped');
      continue;
    }
    const parsed = providerManifest.safeParse(candidate);
    const id = (candidate as { id?: unknown } | null)?.id;
    if (!parsed.success) {
      const error = `invalid manifest: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'plugin'} ${i.message}`).join('; ')}`;
      statuses.push({ id: typeof id === 'string' ? id : undefined, source: label, loaded: false, error });
      options.log.warn({ source: label, error }, 'provider plugin skipped');
      continue;
    }
    const plugin = candidate as ProviderPlugin;
    if (providers.has(plugin.id)) {
      const error = `duplicate id '${plugin.id}' (already loaded)`;
      statuses.push({ id: plugin.id, source: label, loaded: false, error });
      options.log.warn({ source: label, error }, 'provider plugin skipped');
      continue;
    }
    providers.set(plugin.id, plugin);
    statuses.push({ id: plugin.id, source: label, loaded: true });
  }
  const list = [...providers.values()];
  return {
    list: () => list,
    get: (id) => providers.get(id),
    forUrl(url, options = {}) {
      for (const provider of list) {
        if (!provider.hosts.includes(url.hostname)) continue;
        try {
          const match = provider.matchShareUrl(url) ?? (options.allowConversationUrls ? provider.matchConversationUrl?.(url) : null);
          if (match) return { provider, sourceId: match.sourceId };
        } catch {
          // A matcher that throws is treated as "no match" (plugin code is untrusted input).
        }
      }
      return undefined;
    },
    status: () => statuses,
  };
}
