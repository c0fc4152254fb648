import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { openExportFile } from '../sdk/export-file.ts';
import type { ImportedItem } from '../sdk/index.ts';
import gemini from './index.ts';
import { parseTakeoutDate } from './import.ts';
import { writeZip } from '../sdk/testing/zip.ts';

/*
 * Generated Google Takeout archives following Takeout's "My Activity" layout:
 * Takeout/My Activity/<product>/MyActivity.json (array of {header, title, time, products,
 * activityControls, safeHtmlItem, attachedFiles}) or MyActivity.html (Material Design Lite
 * "outer-cell" blocks). Answer HTML and attachment links are inferred, not copied from a real export.
 */

const log = pino({ level: 'silent' });
const dir = mkdtempSync(path.join(tmpdir(), 'vivim-gemini-takeout-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FOLDER = 'Takeout/My Activity/Gemini Apps';
const common = { header: 'Gemini Apps', products: ['Gemini Apps'], activityControls: ['Gemini Apps Activity'] };

const activities: unknown[] = [
  {
    ...common,
    title: 'Prompted Sort [3, 1, 2] in Python\nand show the complexity',
    time: '2025-01-15T09:20:30.123Z',
    safeHtmlItem: [
      {
        html: '<p>Use <code>sorted</code>, which runs in <span class="math-inline" data-math="O(n \\log n)">O(n log n)</span>:</p><pre><code class="language-python">print(sorted([3, 1, 2]))</code></pre><table><thead><tr><th>Input</th><th>Output</th></tr></thead><tbody><tr><td>[3, 1, 2]</td><td>[1, 2, 3]</td></tr></tbody></table><ul><li>stable</li><li>in C</li></ul>',
      },
    ],
  },
  { ...common, title: 'Prompted What is on this whiteboard?', time: '2025-01-14T18:00:00Z', attachedFiles: ['whiteboard.png', 'notes.pdf'], safeHtmlItem: [{ html: '<p>A sorting diagram.</p>' }] },
  { ...common, title: 'Gave feedback: Good response', time: '2025-01-14T17:59:00Z' },
  { ...common, title: 'Prompted Broken time', time: 'yesterday' },
  { ...common, title: 'Prompted A prompt whose answer was not kept', time: '2025-01-13T08:00:00Z' },
  42,
];

const searchActivity = [{ header: 'Search', title: 'Searched for sorting', time: '2025-01-15T09:00:00Z', products: ['Search'] }];

function htmlCell(header: string, body: string): string {
  return `<div class="outer-cell mdl-cell mdl-cell--12-col mdl-shadow--2dp"><div class="mdl-grid"><div class="header-cell mdl-cell mdl-cell--12-col"><p class="mdl-typography--title">${header}<br></p></div><div class="content-cell mdl-cell mdl-cell--6-col mdl-typography--body-1">${body}</div><div class="content-cell mdl-cell mdl-cell--6-col mdl-typography--body-1 mdl-typography--text-right"></div><div class="content-cell mdl-cell mdl-cell--12-col mdl-typography--caption"><b>Products:</b><br>&emsp;Gemini Apps<br><b>Why is this here?</b><br>&emsp;This activity was saved to your Google Account because the following settings were on:&nbsp;Gemini Apps Activity.&nbsp;You can control these settings &nbsp;<a href="https://myaccount.google.com/activitycontrols">here</a>.</div></div></div>`;
}

const activityHtml = `<html><head><meta charset="UTF-8"><title>My Activity</title><style>.mdl-grid{display:flex}</style></head><body><div class="mdl-grid">${[
  htmlCell(
    'Gemini Apps',
    'Prompted&nbsp;Sort [3, 1, 2] in Python<br>and show the complexity<br>Jan 15, 2025, 10:20:30\u202fAM CET<br><p>Use <code>sorted</code>, which runs in <span class="math-inline" data-math="O(n \\log n)">O(n log n)</span>:</p><pre><code class="language-python">print(sorted([3, 1, 2]))</code></pre>',
  ),
  htmlCell('Gemini Apps', 'Prompted&nbsp;What is on this whiteboard?<br>Jan 14, 2025, 7:00:00\u202fPM CET<br>Attached 1 file.<br><a href="whiteboard.png">whiteboard.png</a><br><p>A sorting diagram.</p>'),
  htmlCell('Gemini Apps', 'Used Gemini Apps<br>Jan 14, 2025, 6:59:00\u202fPM CET<br>'),
].join('')}</div></body></html>`;

async function importAll(file: string): Promise<{ detected: boolean; items: ImportedItem[] }> {
  const exportFile = await openExportFile(file);
  try {
    const detected = await gemini.detectExport(exportFile);
    const items: ImportedItem[] = [];
    for await (const item of gemini.importExport(exportFile, log)) items.push(item);
    return { detected, items };
  } finally {
    exportFile.close();
  }
}

function zipOf(name: string, entries: Record<string, string | Buffer>): string {
  const file = path.join(dir, name);
  writeZip(file, entries);
  return file;
}

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

describe('gemini takeout import (JSON)', () => {
  const takeout = zipOf('takeout-20250116T000000Z-001.zip', {
    'Takeout/archive_browser.html': '<html><body>Archive</body></html>',
    [`${FOLDER}/MyActivity.json`]: JSON.stringify(activities),
    [`${FOLDER}/whiteboard.png`]: PNG,
    'Takeout/My Activity/Search/MyActivity.json': JSON.stringify(searchActivity),
  });

  it('detects Gemini Apps activity by content and makes one conversation per prompt', async () => {
    const { detected, items } = await importAll(takeout);
    expect(detected).toBe(true);
    expect(items.map((item) => (item.ok ? item.conversation.title : `failed:${item.source}`))).toEqual([
      'Sort [3, 1, 2] in Python',
      'What is on this whiteboard?',
      `failed:${FOLDER}/MyActivity.json[3]`,
      'A prompt whose answer was not kept',
      `failed:${FOLDER}/MyActivity.json[5]`,
    ]);
    expect(items[2]).toMatchObject({ ok: false, code: 'INVALID_CONTENT', message: 'the activity has no valid time ("yesterday")' });
    expect(items[4]).toMatchObject({ ok: false, code: 'INVALID_CONTENT', message: 'the activity is not an object' });
  });

  it('keeps the exact prompt and turns the answer HTML into parts', async () => {
    const { items } = await importAll(takeout);
    const first = items[0];
    if (!first?.ok) throw new Error('first activity failed');
    const { conversation } = first;
    expect(conversation.sourceId).toMatch(/^activity-[0-9a-f]{32}$/);
    expect(conversation).toEqual({
      provider: 'gemini',
      sourceId: conversation.sourceId,
      title: 'Sort [3, 1, 2] in Python',
      createdAt: new Date('2025-01-15T09:20:30.123Z'),
      updatedAt: new Date('2025-01-15T09:20:30.123Z'),
      messages: [
        {
          sourceId: `${conversation.sourceId}:prompt`,
          parentSourceId: null,
          role: 'user',
          hidden: false,
          createdAt: new Date('2025-01-15T09:20:30.123Z'),
          parts: [{ type: 'text', text: 'Sort [3, 1, 2] in Python\nand show the complexity', format: 'plain' }],
        },
        {
          sourceId: `${conversation.sourceId}:response`,
          parentSourceId: `${conversation.sourceId}:prompt`,
          role: 'assistant',
          hidden: false,
          createdAt: new Date('2025-01-15T09:20:30.123Z'),
          parts: [
            { type: 'text', text: 'Use `sorted`, which runs in $O(n \\log n)$:', format: 'markdown' },
            { type: 'code', code: 'print(sorted([3, 1, 2]))', language: 'python' },
            // Table cells are markdown (the SDK converts them with turndown): brackets come escaped.
            { type: 'table', rows: [['Input', 'Output'], ['\\[3, 1, 2\\]', '\\[1, 2, 3\\]']], header: true },
            { type: 'text', text: '-   stable\n-   in C', format: 'markdown' },
          ],
        },
      ],
    });
  });

  it('links attached files to their copy in the zip', async () => {
    const { items } = await importAll(takeout);
    const second = items[1];
    if (!second?.ok) throw new Error('second activity failed');
    expect(second.conversation.messages[0]!.parts).toEqual([
      { type: 'image', alt: 'whiteboard.png', entry: `${FOLDER}/whiteboard.png` },
      { type: 'file', name: 'notes.pdf' },
      { type: 'text', text: 'What is on this whiteboard?', format: 'plain' },
    ]);
  });

  it('keeps a prompt whose answer Takeout did not store as a one-message conversation', async () => {
    const { items } = await importAll(takeout);
    const lonely = items[3];
    if (!lonely?.ok) throw new Error('activity failed');
    expect(lonely.conversation.messages.map((m) => m.role)).toEqual(['user']);
  });

  it('gives each activity the same id on every import', async () => {
    const ids = async () => (await importAll(takeout)).items.flatMap((item) => (item.ok ? [item.conversation.sourceId] : []));
    const once = await ids();
    expect(await ids()).toEqual(once);
    expect(new Set(once).size).toBe(once.length);
  });

  it('imports a MyActivity.json uploaded on its own', async () => {
    const file = path.join(dir, 'MyActivity.json');
    writeFileSync(file, JSON.stringify(activities.slice(0, 2)));
    const { detected, items } = await importAll(file);
    expect(detected).toBe(true);
    expect(items.map((item) => item.ok)).toEqual([true, true]);
    // No zip: the attachment is named but has no entry.
    expect(items[1]).toMatchObject({ ok: true, conversation: { messages: [{ parts: [{ type: 'image', alt: 'whiteboard.png' }, { type: 'file', name: 'notes.pdf' }, { type: 'text' }] }, {}] } });
  });

  it('reports a truncated MyActivity.json after the activities it could read', async () => {
    const whole = JSON.stringify(activities.slice(0, 2));
    const file = zipOf('truncated.zip', { [`${FOLDER}/MyActivity.json`]: whole.slice(0, whole.indexOf('whiteboard')) });
    const { detected, items } = await importAll(file);
    expect(detected).toBe(true);
    expect(items.map((item) => item.ok)).toEqual([true, false]);
    expect(items[1]).toMatchObject({ ok: false, source: `${FOLDER}/MyActivity.json`, code: 'INVALID_CONTENT' });
  });

  it('does not claim other exports: other Takeout products, a Claude export', async () => {
    const searchOnly = zipOf('search-takeout.zip', { 'Takeout/My Activity/Search/MyActivity.json': JSON.stringify(searchActivity) });
    const claude = zipOf('claude.zip', { 'conversations.json': JSON.stringify([{ uuid: 'x', name: '', chat_messages: [] }]), 'users.json': '[]' });
    for (const file of [searchOnly, claude]) {
      const exportFile = await openExportFile(file);
      try {
        expect(await gemini.detectExport(exportFile), file).toBe(false);
      } finally {
        exportFile.close();
      }
    }
  });
});

describe('gemini takeout import (HTML)', () => {
  it('reads MyActivity.html cells, with the same ids as the JSON variant', async () => {
    const htmlTakeout = zipOf('takeout-html.zip', { [`${FOLDER}/MyActivity.html`]: activityHtml, [`${FOLDER}/whiteboard.png`]: PNG });
    const { detected, items } = await importAll(htmlTakeout);
    expect(detected).toBe(true);
    expect(items).toHaveLength(2);
    const [first, second] = items;
    if (!first?.ok || !second?.ok) throw new Error('HTML activities failed');
    expect(first.conversation.title).toBe('Sort [3, 1, 2] in Python');
    expect(first.conversation.createdAt).toEqual(new Date('2025-01-15T09:20:30.000Z'));
    expect(first.conversation.messages[0]!.parts).toEqual([{ type: 'text', text: 'Sort [3, 1, 2] in Python\nand show the complexity', format: 'plain' }]);
    expect(first.conversation.messages[1]!.parts).toEqual([
      { type: 'text', text: 'Use `sorted`, which runs in $O(n \\log n)$:', format: 'markdown' },
      { type: 'code', code: 'print(sorted([3, 1, 2]))', language: 'python' },
    ]);
    expect(second.conversation.messages[0]!.parts).toEqual([
      { type: 'image', alt: 'whiteboard.png', entry: `${FOLDER}/whiteboard.png` },
      { type: 'text', text: 'What is on this whiteboard?', format: 'plain' },
    ]);
    expect(second.conversation.messages[1]!.parts).toEqual([{ type: 'text', text: 'A sorting diagram.', format: 'markdown' }]);

    const json = await importAll(zipOf('takeout-json.zip', { [`${FOLDER}/MyActivity.json`]: JSON.stringify(activities.slice(0, 2)) }));
    expect(items.map((item) => (item.ok ? item.conversation.sourceId : ''))).toEqual(json.items.map((item) => (item.ok ? item.conversation.sourceId : '')));
  });

  it('reads only the JSON when a folder holds both formats', async () => {
    const both = zipOf('takeout-both.zip', { [`${FOLDER}/MyActivity.json`]: JSON.stringify(activities.slice(0, 1)), [`${FOLDER}/MyActivity.html`]: activityHtml });
    const { items } = await importAll(both);
    expect(items).toHaveLength(1);
  });

  it('parses Takeout HTML dates with their zone, and refuses unknown zones', () => {
    expect(parseTakeoutDate('Jan 15, 2025, 10:20:30\u202fAM CET')).toEqual(new Date('2025-01-15T09:20:30Z'));
    expect(parseTakeoutDate('Jul 4, 2025, 12:05:00 PM PDT')).toEqual(new Date('2025-07-04T19:05:00Z'));
    expect(parseTakeoutDate('Dec 31, 2024, 12:00:01 AM GMT+05:30')).toEqual(new Date('2024-12-30T18:30:01Z'));
    expect(parseTakeoutDate('Mar 3, 2025, 14:15:16 UTC')).toEqual(new Date('2025-03-03T14:15:16Z'));
    expect(parseTakeoutDate('Jan 15, 2025, 10:20:30 AM XYZT')).toBeUndefined();
    expect(parseTakeoutDate('15 janv. 2025, 10:20:30 UTC+1')).toBeUndefined();
  });
});
