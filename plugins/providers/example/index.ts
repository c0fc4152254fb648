import { capturedConversation, defineProvider, PROVIDER_API_VERSION, ProviderError, type CapturedMessage } from '../sdk/index.ts';

const PAYLOAD_OPEN = '<script id="example-conversation" type="application/json">';

/**
 * A small example provider for a fictional service (chat.example.com). It shows the plugin
 * shape and is what the loader tests use; real providers come with the capture issue.
 * Its share pages embed the conversation as JSON in <script id="example-conversation">.
 */
export default defineProvider({
  id: 'example',
  name: 'Example Chat',
  apiVersion: PROVIDER_API_VERSION,
  version: '1.0.0',
  hosts: ['chat.example.com'],
  matchShareUrl(url) {
    const match = /^\/share\/([A-Za-z0-9-]{6,64})$/.exec(url.pathname);
    return url.hostname === 'chat.example.com' && match?.[1] ? { sourceId: match[1] } : null;
  },
  rendering: 'static',
  extract({ url, html }) {
    // Found with indexOf, not a `…([\s\S]*?)<\/script>` regex: that rescans the rest of the page from each unclosed tag.
    const start = html.indexOf(PAYLOAD_OPEN);
    const end = start === -1 ? -1 : html.indexOf('</script>', start + PAYLOAD_OPEN.length);
    const payload = end === -1 ? undefined : html.slice(start + PAYLOAD_OPEN.length, end);
    if (!payload) throw new ProviderError('EXTRACTION_FAILED', 'embedded-json', 'the page holds no example-conversation payload');
    const raw = JSON.parse(payload) as { id: string; title?: string; turns: { id: string; role: string; text: string }[] };
    let parent: string | null = null;
    const messages: CapturedMessage[] = raw.turns.map((turn) => {
      const message = { sourceId: turn.id, parentSourceId: parent, role: turn.role, parts: [{ type: 'text', text: turn.text }] };
      parent = turn.id;
      return message as CapturedMessage;
    });
    return capturedConversation.parse({ provider: 'example', sourceId: raw.id, sourceUrl: url.href, title: raw.title, messages });
  },
  fixtures: [{ name: 'two-turns', url: 'https://chat.example.com/share/abc123', file: 'fixtures/two-turns.html' }],
});
