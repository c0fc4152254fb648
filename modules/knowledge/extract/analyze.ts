import type { IndexSource } from '#modules/capture/index.ts';
import { extractEntities, type EntityMention, type MessageText } from './entities.ts';
import { extractKeyphrases, type KeyText, type TermCount } from './keyphrases.ts';
import { plainProse } from './text.ts';

/** Bumped when extraction changes: every conversation is read again. */
export const EXTRACTOR_VERSION = 'k2';
/** Characters of one message the NLP reads (the rest of a very long answer adds little but time). */
const MAX_MESSAGE_CHARS = 12_000;
/** Characters of one conversation the NLP reads in all. */
const MAX_CONVERSATION_CHARS = 80_000;
/** Characters of ACU text the keyphrase pass reads per conversation. */
const MAX_ACU_CHARS = 16_000;

/** Everything the Librarian keeps of one conversation. */
export interface ConversationAnalysis {
  mentions: EntityMention[];
  terms: TermCount[];
  messageCount: number;
  lastSeenAt: string | null;
}

/** The text of a message as the extractors read it (text parts as markdown, tables as rows, code apart). */
function messageText(message: IndexSource['messages'][number]): MessageText {
  const markdown: string[] = [];
  const code: MessageText['code'] = [];
  for (const part of message.parts) {
    if (part.type === 'text') markdown.push(part.text);
    else if (part.type === 'code') code.push({ language: part.language, code: part.code.slice(0, MAX_MESSAGE_CHARS) });
    else if (part.type === 'table') markdown.push(part.rows.map((row) => row.join(', ')).join('.\n'));
  }
  const text = markdown.join('\n\n').slice(0, MAX_MESSAGE_CHARS);
  return { messageId: message.id, markdown: text, prose: plainProse(text), code };
}

/** ACUs (code aside) as keyphrase texts, at most MAX_ACU_CHARS in all. */
function acuTexts(acus: IndexSource['acus']): KeyText[] {
  const texts: KeyText[] = [];
  let budget = MAX_ACU_CHARS;
  for (const acu of acus) {
    if (acu.type === 'code' || budget <= 0) continue;
    const text = plainProse(acu.content.slice(0, Math.min(4000, budget)));
    budget -= text.length;
    texts.push({ messageId: acu.messageIds[0] ?? null, text, weight: 1 });
  }
  return texts;
}

/** Reads one conversation: its entities (title and every visible message) and candidate keyphrases (title, user messages, ACUs). */
export function analyzeConversation(source: IndexSource): ConversationAnalysis {
  const visible = source.messages.filter((m) => !m.hidden);
  const texts: MessageText[] = [{ messageId: null, markdown: source.conversation.title, prose: plainProse(source.conversation.title), code: [] }];
  let budget = MAX_CONVERSATION_CHARS;
  for (const message of visible) {
    if (budget <= 0) break;
    const text = messageText(message);
    budget -= text.markdown.length;
    texts.push(text);
  }
  const proseOf = new Map(texts.map((t) => [t.messageId, t.prose]));
  const keyTexts: KeyText[] = [
    { messageId: null, text: proseOf.get(null) ?? '', weight: 3 },
    ...visible.filter((m) => m.role === 'user').map((m) => ({ messageId: m.id, text: proseOf.get(m.id) ?? '', weight: 1 })),
    ...acuTexts(source.acus),
  ];
  const dates = visible.map((m) => m.createdAt).filter((d): d is string => d !== null);
  const lastSeenAt = dates.length > 0 ? dates.reduce((a, b) => (a > b ? a : b)) : source.conversation.createdAt;
  return { mentions: extractEntities(texts), terms: extractKeyphrases(keyTexts), messageCount: visible.length, lastSeenAt };
}
