import type { ConversationDetail } from '#modules/capture/schemas.ts';

type Part = ConversationDetail['messages'][number]['parts'][number];

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** A search snippet (HTML-escaped, `<mark>` around matches) as plain text with the matches in **bold**. */
export function plainSnippet(snippet: string): string {
  return snippet.replace(/<\/?mark>/g, '**').replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity] ?? entity);
}

/** One content part as text a model reads (markdown-ish; images and files by name only). */
function partText(part: Part): string {
  switch (part.type) {
    case 'text':
      return part.text;
    case 'reasoning':
      return `[reasoning]\n${part.text}`;
    case 'code':
      return `\`\`\`${part.language ?? ''}\n${part.code}\n\`\`\``;
    case 'mermaid':
      return `\`\`\`mermaid\n${part.source}\n\`\`\``;
    case 'math':
      return part.display ? `$$${part.tex}$$` : `$${part.tex}$`;
    case 'table':
      return part.rows.map((row) => `| ${row.join(' | ')} |`).join('\n');
    case 'image':
      return `[image${part.alt ? `: ${part.alt}` : ''}]`;
    case 'file':
      return `[file: ${part.name}]`;
    case 'citation':
      return `[source: ${part.title ?? part.url} <${part.url}>]`;
    case 'tool_call':
      return `[tool call ${part.name}] ${JSON.stringify(part.arguments)}`;
    case 'tool_result':
      return `[tool result${part.isError ? ' (error)' : ''}] ${part.content}`;
  }
}

/** A message's parts joined as text, cut to `maxChars` (with a marker saying how much was left out). */
export function messageText(parts: readonly Part[], maxChars: number): { text: string; truncated: boolean } {
  const full = parts.map(partText).filter((text) => text.trim() !== '').join('\n\n');
  if (full.length <= maxChars) return { text: full, truncated: false };
  return { text: `${full.slice(0, maxChars)}… [${full.length - maxChars} more characters]`, truncated: true };
}
