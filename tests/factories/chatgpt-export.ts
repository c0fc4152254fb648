/**
 * Builds ChatGPT data exports (`conversations.json`: conversations with a `mapping` tree) for tests
 * and benchmarks: a hidden system root, alternating user/assistant turns, optional edited branches
 * and code blocks.
 */
export interface ExportOptions {
  conversations: number;
  /** Visible messages per conversation (user + assistant). */
  messagesPer: number;
  /** Every n-th conversation gets an edited user message (a second branch). 0: none. */
  branchEvery?: number;
  /** Prefix of conversation ids (keep distinct exports apart). */
  idPrefix?: string;
}

const WORDS = 'the of and to in is you that it he was for on are as with his they at be this have from or one had by word but not what all were we when your can said there use an each which she do how their if will up other about out many then them these so some her would make like him into time has look two more write go see number no way could people my than first water been call who oil its now find long down day did get come made may part'.split(' ');

function sentence(seed: number, length: number): string {
  const words: string[] = [];
  for (let i = 0; i < length; i++) words.push(WORDS[(seed * 31 + i * 17) % WORDS.length] as string);
  return `${words.join(' ')}.`;
}

function node(id: string, parent: string | null, children: string[], message: unknown) {
  return { id, message, parent, children };
}

function message(id: string, role: 'user' | 'assistant' | 'system', text: string, time: number, model?: string) {
  return {
    id,
    author: { role, name: null, metadata: {} },
    create_time: time,
    update_time: null,
    content: { content_type: 'text', parts: [text] },
    status: 'finished_successfully',
    end_turn: role === 'assistant' ? true : null,
    weight: role === 'system' ? 0 : 1,
    metadata: role === 'system' ? { is_visually_hidden_from_conversation: true } : model ? { model_slug: model } : {},
    recipient: 'all',
  };
}

/** One conversation in ChatGPT's export shape. */
export function chatgptConversation(index: number, options: ExportOptions): Record<string, unknown> {
  const id = `${options.idPrefix ?? 'conv'}-${index}`;
  const base = 1_700_000_000 + index * 3600;
  const mapping: Record<string, ReturnType<typeof node>> = {};
  mapping[`${id}-root`] = node(`${id}-root`, null, [`${id}-sys`], null);
  mapping[`${id}-sys`] = node(`${id}-sys`, `${id}-root`, [], message(`${id}-sys`, 'system', '', base));
  let parent = `${id}-sys`;
  for (let m = 0; m < options.messagesPer; m++) {
    const mid = `${id}-m${m}`;
    const role = m % 2 === 0 ? 'user' : 'assistant';
    const text =
      role === 'user'
        ? `Question ${index}.${m}: ${sentence(index + m, 12)}`
        : `${sentence(index * 7 + m, 40)}\n\n\`\`\`python\ndef answer_${index}_${m}():\n    return ${index + m}\n\`\`\`\n\n${sentence(index + m * 3, 25)}`;
    mapping[mid] = node(mid, parent, [], message(mid, role, text, base + m, role === 'assistant' && m % 4 !== 1 ? 'gpt-4o' : undefined));
    mapping[parent]?.children.push(mid);
    parent = mid;
  }
  if (options.branchEvery && index % options.branchEvery === 0 && options.messagesPer >= 2) {
    const edited = `${id}-m0-edit`;
    mapping[edited] = node(edited, `${id}-sys`, [], message(edited, 'user', `Edited question ${index}: ${sentence(index, 8)}`, base + 100));
    mapping[`${id}-sys`]?.children.push(edited);
  }
  return { id, conversation_id: id, title: `Conversation ${index}`, create_time: base, update_time: base + options.messagesPer, mapping, current_node: parent, default_model_slug: 'gpt-4o' };
}

/** A whole `conversations.json` as a string. */
export function chatgptExportJson(options: ExportOptions): string {
  const parts: string[] = [];
  for (let i = 0; i < options.conversations; i++) parts.push(JSON.stringify(chatgptConversation(i, options)));
  return `[${parts.join(',')}]`;
}

/** A conversation given as its turns (user first, then alternating), for `turnsExportJson`. */
export interface TurnsConversation {
  id: string;
  title: string;
  turns: string[];
}

/**
 * `conversations.json` in ChatGPT's export format for hand-written conversations: ids `<prefix>-<id>`,
 * message ids `<prefix>-<id>-<turn>`, conversation `start + index` days after a fixed date, turns a minute apart.
 */
export function turnsExportJson(prefix: string, library: readonly TurnsConversation[], start = 0): string {
  return JSON.stringify(
    library.map((conv, index) => {
      const id = `${prefix}-${conv.id}`;
      const base = 1_750_000_000 + (start + index) * 86_400;
      const mapping: Record<string, unknown> = { [`${id}-root`]: { id: `${id}-root`, parent: null, children: [`${id}-0`], message: null } };
      conv.turns.forEach((text, i) => {
        const mid = `${id}-${i}`;
        mapping[mid] = {
          id: mid,
          parent: i === 0 ? `${id}-root` : `${id}-${i - 1}`,
          children: i + 1 < conv.turns.length ? [`${id}-${i + 1}`] : [],
          message: { id: mid, author: { role: i % 2 === 0 ? 'user' : 'assistant' }, create_time: base + i * 60, content: { content_type: 'text', parts: [text] }, status: 'finished_successfully', metadata: {} },
        };
      });
      return { id, conversation_id: id, title: conv.title, create_time: base, update_time: base + 600, mapping, current_node: `${id}-${conv.turns.length - 1}` };
    }),
  );
}
