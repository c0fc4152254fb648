import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { modules } from './composition.ts';

const MODULES_DIR = fileURLToPath(new URL('../modules/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [full] : [];
  });
}

/** The service names a module declares in its `declare module '#server/services.ts'` block. */
function declaredServices(moduleDir: string): string[] {
  const index = readFileSync(path.join(moduleDir, 'index.ts'), 'utf8');
  const block = /interface AppServices \{([\s\S]*?)\n {2}\}/.exec(index)?.[1] ?? '';
  return [...block.matchAll(/^\s+(\w+)\s*:/gm)].map((m) => m[1] ?? '');
}

describe('module boundaries', () => {
  it("lists in dependsOn every other module whose service it calls (CONVENTIONS §2)", () => {
    const owner = new Map<string, string>([['authenticator', 'auth']]);
    for (const module of modules) for (const service of declaredServices(path.join(MODULES_DIR, module.name))) owner.set(service, module.name);
    for (const module of modules) {
      const used = new Set<string>();
      for (const file of sources(path.join(MODULES_DIR, module.name))) {
        for (const match of readFileSync(file, 'utf8').matchAll(/services\.(\w+)/g)) used.add(match[1] ?? '');
      }
      const needed = [...used].map((service) => owner.get(service)).filter((name): name is string => name !== undefined && name !== module.name);
      expect([...new Set(needed)].sort(), `module ${module.name}`).toEqual([...(module.dependsOn ?? [])].sort());
    }
  });

  it('gives every module folder a manifest in the composition', () => {
    const folders = readdirSync(MODULES_DIR).filter((name) => statSync(path.join(MODULES_DIR, name)).isDirectory());
    expect(folders.sort()).toEqual(modules.map((m) => m.name).sort());
  });
});
