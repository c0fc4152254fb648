import type { ConversationDetail, MessageOutput } from '../schemas.ts';

const fence = (code: string) => '`'.repeat(Math.max(3, ...[...code.matchAll(/`+/g)].map((m) => m[0].length + 1)));

function partToMarkdown(part: MessageOutput['parts'][number]): string {
  switch (part.type) {
    case 'text':
      return part.text;
    case 'reasoning':
      return `<details><summary>Reasoning</summary>\n\n${part.text}\n\n</details>`;
    case 'code': {
      const f = fence(part.code);
      return `${f}${part.language ?? ''}\n${part.code}\n${f}`;
    }
    case 'mermaid':
      return `${fence(part.source)}mermaid\n${part.source}\n${fence(part.source)}`;
    case 'math':
      return part.display ? `$$\n${part.tex}\n$$` : `$${part.tex}$`;
    case 'table': {
      const [head, ...body] = part.rows;
      if (!head) return '';
      const escape = (cell: string) => cell.replace(/\|/g, '\\|');
      const header = part.header ? head : head.map(() => '');
      const rows = part.header ? body : part.rows;
      return [`| ${header.map(escape).join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(escape).join(' | ')} |`)].join('\n');
    }
    case 'image':
      return `![${part.alt ?? 'image'}](${part.blobSha ? `blob:${part.blobSha}` : (part.url ?? '')})`;
    case 'file':
      return `[${part.name}](${part.blobSha ? `blob:${part.blobSha}` : (part.url ?? '')})`;
    case 'citation':
      return `> Source: [${part.title ?? part.url}](${part.url})${part.snippet ? ` — ${part.snippet}` : ''}`;
    case 'tool_call':
      return `**Tool call** \`${part.name}\`\n\n\`\`\`json\n${JSON.stringify(part.arguments, null, 2)}\n\`\`\``;
    case 'tool_result':
      return `**Tool result**${part.isError ? ' (error)' : ''}\n\n${fence(part.content)}\n${part.content}\n${fence(part.content)}`;
  }
}

const ROLE = { user: 'You', assistant: 'Assistant', system: 'System', tool: 'Tool' } as Record<string, string>;

/** The conversation as Markdown (selected branch) or JSON (everything, with provider ids). */
export function exportConversation(conversation: ConversationDetail, format: 'markdown' | 'json'): { fileName: string; contentType: string; content: string } {
  const base = conversation.title.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'conversation';
  if (format === 'json') {
    return { fileName: `${base}.json`, contentType: 'application/json', content: JSON.stringify(conversation, null, 2) };
  }
  const lines = [`# ${conversation.title}`, '', `*${conversation.provider}${conversation.model ? ` · ${conversation.model}` : ''}${conversation.sourceUrl ? ` · ${conversation.sourceUrl}` : ''}*`, ''];
  for (const message of conversation.messages) {
    if (message.hidden) continue;
    lines.push(`## ${ROLE[message.role] ?? message.role}${message.model ? ` (${message.model})` : ''}`, '');
    for (const part of message.parts) lines.push(partToMarkdown(part), '');
  }
  return { fileName: `${base}.md`, contentType: 'text/markdown; charset=utf-8', content: `${lines.join('\n').trim()}\n` };
}
