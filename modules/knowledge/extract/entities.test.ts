import { describe, expect, it } from 'vitest';
import { cleanName, dictionaryTechs, extractEntities, installedPackages, projectNames, repositories } from './entities.ts';
import { entityKey, plainProse } from './text.ts';

const message = (markdown: string, code: { language?: string; code: string }[] = [], messageId = 'm1') => ({ messageId, markdown, prose: plainProse(markdown), code });
/** Mentions by key (counts summed over written forms). */
function names(markdown: string, code: { language?: string; code: string }[] = []) {
  const found: Record<string, { name: string; type: string; count: number }> = {};
  for (const m of extractEntities([message(markdown, code)])) {
    const entry = found[m.key] ?? { name: m.name, type: m.type, count: 0 };
    entry.count += m.count;
    found[m.key] = entry;
  }
  return found;
}

describe('entityKey', () => {
  it('merges case, punctuation, accents and possessives', () => {
    expect(entityKey("Postgres's")).toBe('postgres');
    expect(entityKey('Open-AI')).toBe(entityKey('OpenAI'));
    expect(entityKey('Pérez')).toBe('perez');
    expect(entityKey('C++')).not.toBe(entityKey('C#'));
  });
});

describe('dictionaryTechs', () => {
  it('maps aliases to one canonical name', () => {
    expect(dictionaryTechs('We moved from pg to Postgres and PostgreSQL 16, then wrote JS and JavaScript.').map((t) => t.canonical)).toEqual(['PostgreSQL', 'PostgreSQL', 'PostgreSQL', 'JavaScript', 'JavaScript']);
  });

  it('takes ambiguous words only as written and never at a sentence start', () => {
    expect(dictionaryTechs('I like to go for a run. Rust never sleeps.').map((t) => t.canonical)).toEqual([]);
    expect(dictionaryTechs('We rewrote the parser in Rust and the CLI in Go.').map((t) => t.canonical)).toEqual(['Rust', 'Go']);
  });

  it('prefers the longest alias (React Native over React)', () => {
    expect(dictionaryTechs('An app in React Native.').map((t) => t.canonical)).toEqual(['React Native']);
  });
});

describe('patterns', () => {
  it('finds installed packages, repositories and project names', () => {
    expect(installedPackages('run `npm install zod@4 -D @trpc/server` then pip install numpy==2.1')).toEqual(['zod', '@trpc/server', 'numpy']);
    expect(repositories('see https://github.com/owenservera/SingleFile-VIVIM.git for it')).toEqual([{ repo: 'owenservera/SingleFile-VIVIM', name: 'SingleFile-VIVIM' }]);
    expect(projectNames('My app called Tasklet is slow. The OpenScroll project moved. Our startup Acme Rockets grew.')).toEqual(['Tasklet', 'OpenScroll', 'Acme Rockets']);
  });

  it('cleans names and refuses pronouns and stop words', () => {
    expect(cleanName("Owen's")).toBe('Owen');
    expect(cleanName('the Google')).toBe('Google');
    expect(cleanName('We')).toBeNull();
    expect(cleanName('x')).toBeNull();
    expect(cleanName('Vision. Transform')).toBeNull();
  });
});

describe('extractEntities', () => {
  it('finds people, organizations, places and technologies in prose, code labels and backticks', () => {
    const found = names('I met Sarah Connor at Google in Berlin. We use Postgres with `psql` and the `zod` library.', [{ language: 'ts', code: 'const x = 1;' }]);
    expect(found.sarahconnor).toMatchObject({ type: 'person' });
    expect(found.google).toMatchObject({ type: 'organization', name: 'Google' });
    expect(found.berlin).toMatchObject({ type: 'place' });
    expect(found.postgresql).toMatchObject({ type: 'technology', count: 2 });
    expect(found.typescript).toMatchObject({ type: 'technology' });
    expect(found.zod).toMatchObject({ type: 'technology' });
  });

  it('knows AI models and their makers even when compromise does not', () => {
    const found = names('What do you think about Claude and ChatGPT? Anthropic and OpenAI both ship fast.');
    expect(found.claude?.type).toBe('technology');
    expect(found.chatgpt?.type).toBe('technology');
    expect(found.anthropic?.type).toBe('organization');
    expect(found.openai?.type).toBe('organization');
  });

  it('drops capitalized common words and headings', () => {
    const found = names('## Private Beach\nThe private beach is near. Data Stream Animation.\nThe data stream animation loops.');
    expect(Object.keys(found)).toEqual([]);
  });

  it('counts per message and written form', () => {
    const mentions = extractEntities([message('Kubernetes and k8s, then Kubernetes again.', [], 'a'), message('kubectl again', [], 'b')]);
    expect(mentions.map((m) => [m.key, m.messageId, m.name, m.count])).toEqual([['kubernetes', 'a', 'Kubernetes', 2], ['kubernetes', 'a', 'k8s', 1], ['kubernetes', 'b', 'kubectl', 1]]);
  });
});
