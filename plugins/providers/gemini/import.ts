import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { htmlToParts, loadHtml, replaceWithCode, textOf, type CheerioAPI, type Selection } from '../sdk/html.ts';
import { streamJsonArray } from '../sdk/json.ts';
import { collapseBreakRuns, MAX_ELEMENT_CHILDREN, widestElement } from '../sdk/page.ts';
import { capturedConversation, type CapturedMessage, type ContentPart, type ExportFile, type ImportedItem, type ProviderLog } from '../sdk/index.ts';
import { geminiMath } from './math.ts';

/*
 * Google Takeout → "My Activity" → "Gemini Apps": Takeout/My Activity/Gemini Apps/MyActivity.json
 * (or MyActivity.html when HTML was chosen), newest first. Each activity is one prompt and its
 * answer: {header: 'Gemini Apps', title: 'Prompted <prompt>', time, safeHtmlItem: [{html}],
 * attachedFiles?, subtitles?, products, activityControls}. Takeout keeps no conversation id, so
 * each activity becomes its own conversation, identified by a hash of its time and prompt.
 */

type Json = Record<string, unknown>;

const PROMPTED = /^Prompted[\s\u00a0]+/;
const GEMINI_HEADER = /gemini|bard/i;
const IMAGE_EXTENSION = /\.(png|jpe?g|gif|webp|heic|heif|bmp|svg)$/i;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function isActivityFile(entry: string): boolean {
  return /^myactivity\.(json|html?)$/i.test(path.posix.basename(entry));
}

/** The My Activity files to read: named MyActivity.json/.html in a zip, or the uploaded file itself. */
function activityEntries(file: ExportFile): string[] {
  const named = file.entries.filter(isActivityFile);
  if (named.length) return named;
  return file.entries.length === 1 ? [...file.entries] : [];
}

function isJsonHead(head: string): boolean {
  return head.trimStart().startsWith('[');
}

/** A `"header": "…"` string (its closing quote is left for the next search to start at). */
const JSON_HEADER = /"header"\s*:\s*"([^"]*)(?=")/gi;
const HEADER_CELL = /class="header-cell/gi;
/** What follows a header cell's `>` in a Gemini cell. */
const GEMINI_CELL_START = /\s*<p[^>]*>\s*(?:Gemini|Bard)/iy;

/**
 * True when the head holds `/"header"\s*:\s*"[^"]*(?:Gemini|Bard)[^"]*"/i`. Each header string is
 * read once: the pattern would go back over the rest of an unclosed string from each "Bard" in it.
 */
function hasGeminiJsonHeader(head: string): boolean {
  for (const match of head.matchAll(JSON_HEADER)) if (/Gemini|Bard/i.test(match[1]!)) return true;
  return false;
}

/**
 * True when the head holds `/class="header-cell[^>]*>\s*<p[^>]*>\s*(?:Gemini|Bard)/i`, in one pass:
 * the header cells before one `>` all share what follows it, so it is read once for them.
 */
function hasGeminiHeaderCell(head: string): boolean {
  HEADER_CELL.lastIndex = 0;
  while (HEADER_CELL.exec(head)) {
    const tagEnd = head.indexOf('>', HEADER_CELL.lastIndex);
    if (tagEnd === -1) return false;
    GEMINI_CELL_START.lastIndex = tagEnd + 1;
    if (GEMINI_CELL_START.test(head)) return true;
    HEADER_CELL.lastIndex = tagEnd + 1;
  }
  return false;
}

/** A Gemini Apps activity file, by content: JSON items with a Gemini header, or the HTML cells. */
export function looksLikeGeminiActivity(head: string): boolean {
  if (isJsonHead(head)) return hasGeminiJsonHeader(head) && /"title"\s*:/.test(head);
  return /class="outer-cell/.test(head) && hasGeminiHeaderCell(head);
}

async function geminiEntries(file: ExportFile): Promise<{ entry: string; json: boolean }[]> {
  const found: { entry: string; json: boolean }[] = [];
  for (const entry of activityEntries(file)) {
    let head: string;
    try {
      head = await file.head(entry, 64 * 1024);
    } catch {
      continue;
    }
    if (looksLikeGeminiActivity(head)) found.push({ entry, json: isJsonHead(head) });
  }
  // The same activity in both formats: read the JSON only.
  const jsonFolders = new Set(found.filter((f) => f.json).map((f) => path.posix.dirname(f.entry)));
  return found.filter((f) => f.json || !jsonFolders.has(path.posix.dirname(f.entry)));
}

export async function detectGeminiExport(file: ExportFile): Promise<boolean> {
  return (await geminiEntries(file)).length > 0;
}

/** UTC offsets (hours) of the zone abbreviations Takeout prints in its HTML dates. */
const ZONES: Record<string, number> = {
  UTC: 0, GMT: 0, WET: 0, WEST: 1, BST: 1, CET: 1, CEST: 2, EET: 2, EEST: 3, MSK: 3, IST: 5.5, SGT: 8, HKT: 8, AWST: 8, JST: 9, KST: 9, ACST: 9.5, AEST: 10, AEDT: 11, NZST: 12, NZDT: 13,
  HST: -10, AKST: -9, AKDT: -8, PST: -8, PDT: -7, MST: -7, MDT: -6, CST: -6, CDT: -5, EST: -5, EDT: -4, AST: -4, ADT: -3,
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
/** `\s*(?:([AP]M)\s*)?` is `\s*([AP]M)?\s*` with no two blank runs side by side (their cost is the square of a long run's length). */
const HTML_DATE = /^([A-Za-z]{3,9})\.? (\d{1,2}), (\d{4}),? (\d{1,2}):(\d{2}):(\d{2})\s*(?:([AP]M)\s*)?([A-Z]{2,5}|(?:GMT|UTC)[+-]\d{1,2}(?::?\d{2})?)?$/i;

/** A Takeout HTML date ("Jan 15, 2025, 10:20:30 AM CET") in UTC; undefined for unknown zones or languages. */
export function parseTakeoutDate(raw: string): Date | undefined {
  const match = HTML_DATE.exec(raw.replace(/[\u00a0\u202f]/g, ' ').trim());
  if (!match) return undefined;
  const [, monthName = '', day = '', year = '', hour = '', minute = '', second = '', meridiem, zone] = match;
  const month = MONTHS.indexOf(monthName.slice(0, 3).toLowerCase());
  if (month < 0 || !zone) return undefined;
  let offset = ZONES[zone.toUpperCase()];
  const numeric = /^(?:GMT|UTC)([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(zone);
  if (numeric) offset = (numeric[1] === '-' ? -1 : 1) * (Number(numeric[2]) + Number(numeric[3] ?? 0) / 60);
  if (offset === undefined) return undefined;
  let hours = Number(hour) % 12;
  if (!meridiem) hours = Number(hour);
  else if (meridiem.toUpperCase() === 'PM') hours += 12;
  const utc = Date.UTC(Number(year), month, Number(day), hours, Number(minute), Number(second)) - offset * 3_600_000;
  return Number.isNaN(utc) ? undefined : new Date(utc);
}

/** The activity's id: same for the JSON and HTML variants when the HTML date's zone is known. */
function activityId(time: Date | undefined, rawTime: string, prompt: string): string {
  const instant = time ? `${time.toISOString().slice(0, 19)}Z` : rawTime;
  return `activity-${createHash('sha256').update(`${instant}\n${prompt}`).digest('hex').slice(0, 32)}`;
}

function titleOf(prompt: string): string {
  const line = prompt.split('\n').find((l) => l.trim())?.trim() ?? '';
  return line.length > 80 ? `${line.slice(0, 79).trimEnd()}…` : line;
}

function prepare($: CheerioAPI, container: Selection): void {
  container.find('code-block, .code-block').each((_, el) => {
    const block = $(el);
    if (!block.parents().length || block.parents('code-block, .code-block').length) return;
    const label = textOf(block.find('.code-block-decoration span').first());
    const code = block.find('pre code, pre').first();
    if (code.length) replaceWithCode($, block, code.text().replace(/\n$/, ''), label && !/^code snippet$/i.test(label) ? label.toLowerCase() : undefined);
  });
}

/** Why HTML is refused before parsing (an element wider than any real answer), or undefined. */
function tooWideMessage(html: string): string | undefined {
  if (widestElement(html, MAX_ELEMENT_CHILDREN) <= MAX_ELEMENT_CHILDREN) return undefined;
  return `the activity has an element with more than ${MAX_ELEMENT_CHILDREN} children (the limit for one element): no real answer does`;
}

function answerParts(html: string): ContentPart[] {
  const $ = loadHtml(collapseBreakRuns(html));
  return htmlToParts($, $('body'), { drop: ['button', 'mat-icon', 'script', 'style'], prepare: (container) => prepare($, container), math: geminiMath });
}

/** Parts for the files attached to a prompt: the zip's copy when Takeout included it. */
function attachmentParts(names: string[], folder: string, entries: ReadonlySet<string>): ContentPart[] {
  return names.map((name): ContentPart => {
    const entry = path.posix.join(folder, name);
    const inZip = entries.has(entry) ? { entry } : {};
    return IMAGE_EXTENSION.test(name) ? { type: 'image', alt: name, ...inZip } : { type: 'file', name, ...inZip };
  });
}

interface Activity {
  prompt: string;
  rawTime: string;
  time: Date | undefined;
  answerHtml: string | undefined;
  attachments: string[];
}

function toConversation(activity: Activity, source: string, folder: string, entries: ReadonlySet<string>): ImportedItem {
  const id = activityId(activity.time, activity.rawTime, activity.prompt);
  const createdAt = activity.time ? { createdAt: activity.time } : {};
  const prompt: CapturedMessage = {
    sourceId: `${id}:prompt`,
    parentSourceId: null,
    role: 'user',
    hidden: false,
    ...createdAt,
    parts: [...attachmentParts(activity.attachments, folder, entries), ...(activity.prompt ? [{ type: 'text', text: activity.prompt, format: 'plain' } as const] : [])],
  };
  const messages: CapturedMessage[] = [prompt];
  if (activity.answerHtml !== undefined) {
    const tooWide = tooWideMessage(activity.answerHtml);
    if (tooWide) return { ok: false, source, code: 'INVALID_CONTENT', message: tooWide };
    messages.push({ sourceId: `${id}:response`, parentSourceId: prompt.sourceId, role: 'assistant', hidden: false, ...createdAt, parts: answerParts(activity.answerHtml) });
  }
  const parsed = capturedConversation.safeParse({
    provider: 'gemini',
    sourceId: id,
    title: titleOf(activity.prompt) || 'Untitled conversation',
    ...(activity.time ? { createdAt: activity.time, updatedAt: activity.time } : {}),
    messages,
  });
  if (!parsed.success) return { ok: false, source, code: 'INVALID_CONTENT', message: `the activity does not validate: ${parsed.error.message}` };
  return { ok: true, conversation: parsed.data };
}

function fileNames(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) => {
    const name = typeof item === 'string' ? item : isObject(item) ? (stringOf(item.name) ?? stringOf(item.fileName) ?? stringOf(item.file_name)) : undefined;
    return name ? [name] : [];
  });
}

/** One item of MyActivity.json; null when it is not a prompt (feedback, settings…), logged. */
export function convertJsonActivity(raw: unknown, source: string, folder: string, entries: ReadonlySet<string>, log: ProviderLog): ImportedItem | null {
  if (!isObject(raw)) return { ok: false, source, code: 'INVALID_CONTENT', message: 'the activity is not an object' };
  const header = stringOf(raw.header);
  if (header !== undefined && !GEMINI_HEADER.test(header)) {
    log.debug({ source, header }, 'gemini takeout: activity of another product skipped');
    return null;
  }
  const title = stringOf(raw.title);
  if (!title) return { ok: false, source, code: 'INVALID_CONTENT', message: 'the activity has no title' };
  if (!PROMPTED.test(title)) {
    log.info({ source, title: title.slice(0, 80) }, 'gemini takeout: activity without a prompt skipped');
    return null;
  }
  const rawTime = stringOf(raw.time);
  const time = rawTime ? new Date(rawTime) : undefined;
  if (!rawTime || !time || Number.isNaN(time.getTime())) return { ok: false, source, code: 'INVALID_CONTENT', message: `the activity has no valid time (${JSON.stringify(raw.time)})` };
  const htmls = Array.isArray(raw.safeHtmlItem) ? raw.safeHtmlItem.flatMap((item) => (isObject(item) && typeof item.html === 'string' ? [item.html] : [])) : [];
  return toConversation(
    { prompt: title.replace(PROMPTED, ''), rawTime, time, answerHtml: htmls.length ? htmls.join('\n') : undefined, attachments: fileNames(raw.attachedFiles) },
    source,
    folder,
    entries,
  );
}

/**
 * True when a line of the text holds a year, then a time: `/\d{4}.*\d{1,2}:\d{2}:\d{2}/`, whose `.*`
 * is retried from each of a long digit run's digits (its square). Here the time is looked for
 * once, after the line's first four digits (the earliest any year can end).
 */
function isDateLine(text: string): boolean {
  return text.split(/[\n\r\u2028\u2029]/).some((line) => {
    const year = /\d{4}/.exec(line);
    return year !== null && /\d:\d{2}:\d{2}/.test(line.slice(year.index + 4));
  });
}

/**
 * The HTML without the `<br>`s (and blanks between them) it starts and ends with:
 * `html.replace(/^(\s*<br>)+|(<br>\s*)+$/g, '')`, with the end read backwards once (the pattern
 * retries `(<br>\s*)+$` from each `<br>` of a long run that does not end the text).
 */
function withoutEdgeBreaks(html: string): string {
  const text = html.replace(/^(?:\s*<br>)+/, '');
  let end = text.length;
  for (let at = end; ; ) {
    while (at > 0 && /\s/.test(text[at - 1]!)) at--;
    if (!text.endsWith('<br>', at)) break;
    at -= 4;
    end = at;
  }
  return text.slice(0, end);
}

/** One `outer-cell` of MyActivity.html; null when it is not a Gemini prompt. */
export function convertHtmlActivity(rawCell: string, source: string, folder: string, entries: ReadonlySet<string>, log: ProviderLog): ImportedItem | null {
  // Checked on the raw text, before anything is parsed: a `<br>` flood collapses, a wide element is refused.
  const cell = collapseBreakRuns(rawCell);
  const tooWide = tooWideMessage(cell);
  if (tooWide) return { ok: false, source, code: 'INVALID_CONTENT', message: tooWide };
  const $ = loadHtml(cell);
  const header = textOf($('.header-cell').first());
  if (!GEMINI_HEADER.test(header)) {
    log.debug({ source, header }, 'gemini takeout: activity of another product skipped');
    return null;
  }
  const content = $('.content-cell').first();
  // The cell reads: "Prompted <prompt>" <br> <date> <br> <answer html…>; a prompt may span lines.
  const segments: string[][] = [[]];
  content.contents().each((_, node) => {
    if (node.type === 'tag' && node.name === 'br') segments.push([]);
    else segments[segments.length - 1]!.push($.html(node));
  });
  const dateIndex = segments.findIndex((segment, index) => index > 0 && isDateLine(loadHtml(segment.join('')).root().text()) && !/<(p|div|ul|ol|pre|table|h\d)\b/i.test(segment.join('')));
  const firstLine = loadHtml(segments[0]?.join('') ?? '').root().text();
  if (!PROMPTED.test(firstLine) || dateIndex < 1) {
    log.info({ source, title: firstLine.slice(0, 80) }, 'gemini takeout: activity without a prompt skipped');
    return null;
  }
  const promptLines = segments.slice(0, dateIndex).map((segment) => loadHtml(segment.join('')).root().text());
  const prompt = promptLines.join('\n').replace(PROMPTED, '');
  const rawTime = loadHtml(segments[dateIndex]!.join('')).root().text().trim();
  const answer = loadHtml(segments.slice(dateIndex + 1).map((segment) => segment.join('')).join('<br>'));
  // Attached files are linked by their name, relative to the activity file.
  const attachments: string[] = [];
  answer('a[href]').each((_, el) => {
    const href = answer(el).attr('href') ?? '';
    if (/^[a-z][a-z0-9+.-]*:|^\/\/|^#/i.test(href)) return;
    attachments.push(decodeURIComponent(href));
    answer(el).remove();
  });
  answer('body').contents().filter((_, node) => node.type === 'text' && /^\s*Attached \d+ files?\.?\s*$/i.test(answer(node).text())).remove();
  const answerHtml = withoutEdgeBreaks(answer('body').html() ?? '').trim();
  return toConversation({ prompt, rawTime, time: parseTakeoutDate(rawTime), answerHtml: answerHtml || undefined, attachments }, source, folder, entries);
}

const CELL_START = '<div class="outer-cell';

/** Streams the outer-cell blocks of a My Activity HTML file without loading it whole. */
async function* htmlCells(input: Readable): AsyncGenerator<string> {
  let buffer = '';
  let started = false;
  input.setEncoding('utf8');
  for await (const chunk of input as AsyncIterable<string>) {
    buffer += chunk;
    for (;;) {
      const first = buffer.indexOf(CELL_START);
      if (first < 0) {
        if (!started) buffer = buffer.slice(-CELL_START.length);
        break;
      }
      const next = buffer.indexOf(CELL_START, first + CELL_START.length);
      if (next < 0) {
        buffer = buffer.slice(first);
        started = true;
        break;
      }
      yield buffer.slice(first, next);
      buffer = buffer.slice(next);
    }
  }
  if (started && buffer.startsWith(CELL_START)) yield buffer.replace(/<\/body>[\s\S]*$/i, '');
}

export async function* importGeminiExport(file: ExportFile, log: ProviderLog): AsyncGenerator<ImportedItem> {
  const entries = new Set(file.entries);
  const found = await geminiEntries(file);
  if (!found.length) {
    yield { ok: false, source: file.fileName, code: 'INVALID_CONTENT', message: 'no Gemini Apps activity (MyActivity.json / MyActivity.html) in this export' };
    return;
  }
  for (const { entry, json } of found) {
    const folder = path.posix.dirname(entry);
    let count = 0;
    let index = 0;
    try {
      if (json) {
        for await (const { index: i, value } of streamJsonArray(await file.open(entry))) {
          index = i;
          const item = convertJsonActivity(value, `${entry}[${i}]`, folder, entries, log);
          if (item) {
            if (item.ok) count++;
            yield item;
          }
        }
      } else {
        for await (const cell of htmlCells(await file.open(entry))) {
          const item = convertHtmlActivity(cell, `${entry}[${index}]`, folder, entries, log);
          index++;
          if (item) {
            if (item.ok) count++;
            yield item;
          }
        }
      }
    } catch (error) {
      yield { ok: false, source: entry, code: 'INVALID_CONTENT', message: `${entry} could not be read past item ${index}: ${(error as Error).message}` };
    }
    log.info({ entry, conversations: count }, 'gemini takeout read');
  }
}
