import { z } from 'zod';
import type { Logger } from 'pino';
import type { Config } from '#config';
import { PermanentJobError, UnavailableError } from '#server/errors.ts';
import { MEMORY_TYPES, memoryType } from '../schemas.ts';
import { maskSecrets } from './secrets.ts';
import type { ExtractionInput, ExtractionOutput, MemoryCandidate, MemoryExtractor } from './types.ts';

/** The provider protocols spoken. */
export type LlmProtocol = 'openai' | 'anthropic' | 'gemini';

/** What the LLM extractor needs from config. */
export interface LlmSettings {
  provider: LlmProtocol;
  model: string;
  url: string | undefined;
  apiKey: string | undefined;
  timeoutMs: number;
  retries: number;
  maxTokensPerJob: number;
  maxOutputTokens: number;
}

/** The answer every protocol must give (validated; the whole answer is refused when it does not fit). */
export const llmAnswer = z.object({
  memories: z.array(
    z.object({
      type: memoryType,
      content: z.string().min(1).max(500),
      slot: z.string().max(100).nullable().optional(),
      confidence: z.number().min(0).max(1),
      importance: z.number().min(0).max(1),
      message: z.string().min(1).max(20),
      quote: z.string().min(1).max(1000),
    }),
  ),
});

const ITEM_FIELDS = ['type', 'content', 'slot', 'confidence', 'importance', 'message', 'quote'] as const;

/** JSON Schema of the answer (OpenAI strict structured output, Anthropic tool input). */
const JSON_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['memories'],
  properties: {
    memories: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: [...ITEM_FIELDS],
        properties: {
          type: { type: 'string', enum: [...MEMORY_TYPES] },
          content: { type: 'string', description: 'Third-person statement about the user, e.g. "Prefers spaces over tabs"' },
          slot: { type: ['string', 'null'], description: 'type:key when single-valued, e.g. "preference:indentation", "fact:location", "identity:employer"; else null' },
          confidence: { type: 'number' },
          importance: { type: 'number' },
          message: { type: 'string', description: 'The label of the user message, e.g. "m3"' },
          quote: { type: 'string', description: "The user's exact words it comes from" },
        },
      },
    },
  },
} as const;

/** The same schema in Gemini's OpenAPI subset. */
const GEMINI_SCHEMA = {
  type: 'OBJECT',
  required: ['memories'],
  properties: {
    memories: {
      type: 'ARRAY',
      items: {
        type: 'OBJECT',
        required: [...ITEM_FIELDS],
        properties: {
          type: { type: 'STRING', enum: [...MEMORY_TYPES] },
          content: { type: 'STRING' },
          slot: { type: 'STRING', nullable: true },
          confidence: { type: 'NUMBER' },
          importance: { type: 'NUMBER' },
          message: { type: 'STRING' },
          quote: { type: 'STRING' },
        },
      },
    },
  },
} as const;

const SYSTEM_PROMPT = `You extract long-term memories about the USER from their own messages to an AI assistant.
Keep only durable, specific facts about the user: identity (name, job, employer), preferences, goals, skills,
relationships, life events (with dates), standing instructions for assistants, and facts (where they live, tools they use).
Skip: requests about the task at hand, questions, hypotheticals, moods or states of the moment ("I'm tired today"),
anything the assistant said, and NEVER include secrets (passwords, API keys, tokens, card or account numbers).
Write content in the third person without the word "user" ("Prefers spaces over tabs", "Lives in Berlin").
Give slot as type:key for single-valued facts (a new value replaces the old), else null.
message is the label of the user message (e.g. "m3"); quote is the user's exact words from it.
Answer with JSON only, matching the schema. An empty list is a fine answer.`;

/** Rough tokens of a text (4 characters a token): the budget is checked before each request. */
const estimateTokens = (text: string) => Math.ceil(text.length / 4);
/** Characters of one message sent at most. */
const MAX_MESSAGE_CHARS = 6000;
/** Prompt tokens of one request at most (long conversations go in several). */
const MAX_CHUNK_TOKENS = 6000;

interface CallResult {
  text: string;
  tokens: number | null;
}

/** An LLM extractor over OpenAI-compatible chat completions, Anthropic messages or Gemini generateContent. */
export class LlmExtractor implements MemoryExtractor {
  readonly id: string;
  private readonly settings: LlmSettings;
  private readonly log: Logger;

  constructor(settings: LlmSettings, log: Logger) {
    this.settings = settings;
    this.log = log;
    this.id = `llm:${settings.provider}:${settings.model}@1`;
  }

  async extract(input: ExtractionInput, signal?: AbortSignal): Promise<ExtractionOutput> {
    // Secrets never leave the process: the provider sees them masked.
    const labelled = input.messages
      .filter((m) => m.role === 'user' && m.text.trim() !== '')
      .map((m, i) => ({ label: `m${i + 1}`, message: { ...m, text: maskSecrets(m.text) } }));
    const chunks: (typeof labelled)[] = [];
    let size = 0;
    for (const item of labelled) {
      const tokens = estimateTokens(item.message.text.slice(0, MAX_MESSAGE_CHARS));
      if (chunks.length === 0 || size + tokens > MAX_CHUNK_TOKENS) {
        chunks.push([]);
        size = 0;
      }
      chunks.at(-1)!.push(item);
      size += tokens;
    }
    const byLabel = new Map(labelled.map((l) => [l.label, l.message.id]));
    const candidates: MemoryCandidate[] = [];
    let spent = 0;
    let truncated = false;
    for (const chunk of chunks) {
      const prompt = `Conversation: ${input.title}\n\nUser messages:\n\n${chunk.map((c) => `[${c.label}] ${c.message.text.slice(0, MAX_MESSAGE_CHARS)}`).join('\n\n')}`;
      const needed = estimateTokens(SYSTEM_PROMPT) + estimateTokens(prompt) + this.settings.maxOutputTokens;
      if (spent + needed > this.settings.maxTokensPerJob) {
        truncated = true;
        this.log.warn({ spent, needed, budget: this.settings.maxTokensPerJob }, 'memory extraction token budget spent; later messages not read');
        break;
      }
      const answer = await this.ask(prompt, signal);
      spent += answer.tokens;
      for (const m of answer.memories) {
        // A label that names no user message stays unmatched: the quality checks reject it.
        const messageId = byLabel.get(m.message.replace(/[[\]]/g, '').trim()) ?? '';
        candidates.push({ type: m.type, content: m.content, slot: m.slot ?? null, confidence: m.confidence, importance: m.importance, messageId, quote: m.quote });
      }
    }
    return { candidates, tokens: spent, truncated };
  }

  /** One request, validated; a malformed answer is asked again once, then the job fails. */
  private async ask(prompt: string, signal?: AbortSignal): Promise<{ memories: z.infer<typeof llmAnswer>['memories']; tokens: number }> {
    let tokens = 0;
    let problem = '';
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await this.call(prompt, signal);
      tokens += result.tokens ?? estimateTokens(SYSTEM_PROMPT + prompt + result.text);
      let json: unknown;
      try {
        json = JSON.parse(result.text.replace(/^```(?:json)?\s*|\s*```$/g, ''));
      } catch {
        problem = 'the answer is not JSON';
        continue;
      }
      const parsed = llmAnswer.safeParse(json);
      if (parsed.success) return { memories: parsed.data.memories, tokens };
      problem = `the answer does not match the schema (${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`;
    }
    throw new PermanentJobError(`The ${this.settings.provider} model ${this.settings.model} gave an unusable answer twice: ${problem}`, { code: 'MEMORY_LLM_BAD_OUTPUT' });
  }

  /** Sends one request with retries on 429, 5xx, timeouts and network errors. */
  private async call(prompt: string, signal?: AbortSignal): Promise<CallResult> {
    const request = this.request(prompt);
    let lastError = '';
    for (let attempt = 0; attempt <= this.settings.retries; attempt++) {
      if (signal?.aborted) throw new UnavailableError('MEMORY_LLM_ABORTED', 'Memory extraction was stopped (shutdown)');
      let response: Response;
      try {
        response = await fetch(request.url, { method: 'POST', headers: request.headers, body: JSON.stringify(request.body), signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(this.settings.timeoutMs)]) : AbortSignal.timeout(this.settings.timeoutMs) });
      } catch (error) {
        lastError = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${this.settings.timeoutMs} ms` : `network error (${error instanceof Error ? error.message : String(error)})`;
        await this.backoff(attempt, null, signal);
        continue;
      }
      if (response.ok) {
        const body: unknown = await response.json().catch(() => null);
        return this.read(body);
      }
      const detail = this.redact((await response.text().catch(() => '')).slice(0, 300));
      if (response.status === 429 || response.status >= 500) {
        lastError = `HTTP ${response.status}${detail ? `: ${detail}` : ''}`;
        if (attempt < this.settings.retries) await this.backoff(attempt, response.headers.get('retry-after'), signal);
        continue;
      }
      throw new PermanentJobError(`The ${this.settings.provider} API refused the request (HTTP ${response.status})${detail ? `: ${detail}` : ''}`, { code: 'MEMORY_LLM_REJECTED' });
    }
    throw new UnavailableError('MEMORY_LLM_UNAVAILABLE', `The ${this.settings.provider} API failed after ${this.settings.retries + 1} attempts: ${lastError}`);
  }

  private async backoff(attempt: number, retryAfter: string | null, signal?: AbortSignal): Promise<void> {
    const seconds = retryAfter !== null && /^\d+(?:\.\d+)?$/.test(retryAfter.trim()) ? Number(retryAfter) : null;
    const ms = seconds !== null ? Math.min(seconds * 1000, 30_000) : Math.min(500 * 2 ** attempt, 8000) * (0.75 + Math.random() * 0.5);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
  }

  /** The key never appears in logs or errors, even when an API echoes it. */
  private redact(text: string): string {
    const key = this.settings.apiKey;
    return key ? text.split(key).join('[key]') : text;
  }

  private request(prompt: string): { url: string; headers: Record<string, string>; body: unknown } {
    const { provider, model, apiKey, maxOutputTokens } = this.settings;
    const base = (this.settings.url ?? '').replace(/\/+$/, '');
    const json = { 'content-type': 'application/json' };
    switch (provider) {
      case 'openai':
        return {
          url: `${base}/chat/completions`,
          headers: { ...json, ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
          body: {
            model,
            max_tokens: maxOutputTokens,
            temperature: 0,
            messages: [
              { role: 'system', content: SYSTEM_PROMPT },
              { role: 'user', content: prompt },
            ],
            response_format: { type: 'json_schema', json_schema: { name: 'memories', strict: true, schema: JSON_SCHEMA } },
          },
        };
      case 'anthropic': {
        const root = base || 'https://api.anthropic.com';
        return {
          url: root.endsWith('/v1') ? `${root}/messages` : `${root}/v1/messages`,
          headers: { ...json, 'anthropic-version': '2023-06-01', ...(apiKey ? { 'x-api-key': apiKey } : {}) },
          body: {
            model,
            max_tokens: maxOutputTokens,
            temperature: 0,
            system: SYSTEM_PROMPT,
            messages: [{ role: 'user', content: prompt }],
            tools: [{ name: 'record_memories', description: 'Records the memories found about the user.', input_schema: JSON_SCHEMA }],
            tool_choice: { type: 'tool', name: 'record_memories' },
          },
        };
      }
      case 'gemini': {
        const root = base || 'https://generativelanguage.googleapis.com';
        const versioned = /\/v1(?:beta)?$/.test(root) ? root : `${root}/v1beta`;
        return {
          url: `${versioned}/models/${encodeURIComponent(model)}:generateContent`,
          headers: { ...json, ...(apiKey ? { 'x-goog-api-key': apiKey } : {}) },
          body: {
            systemInstruction: { parts: [{ text: SYSTEM_PROMPT }] },
            contents: [{ role: 'user', parts: [{ text: prompt }] }],
            generationConfig: { temperature: 0, maxOutputTokens, responseMimeType: 'application/json', responseSchema: GEMINI_SCHEMA },
          },
        };
      }
    }
  }

  /** The answer's JSON text and token usage, per protocol. */
  private read(body: unknown): CallResult {
    const b = (body ?? {}) as Record<string, unknown>;
    switch (this.settings.provider) {
      case 'openai': {
        const parsed = z.object({ choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1), usage: z.object({ total_tokens: z.number() }).optional() }).safeParse(b);
        return parsed.success ? { text: parsed.data.choices[0]!.message.content ?? '', tokens: parsed.data.usage?.total_tokens ?? null } : { text: '', tokens: null };
      }
      case 'anthropic': {
        const parsed = z.object({ content: z.array(z.object({ type: z.string(), input: z.unknown().optional(), text: z.string().optional() })), usage: z.object({ input_tokens: z.number(), output_tokens: z.number() }).optional() }).safeParse(b);
        if (!parsed.success) return { text: '', tokens: null };
        const tool = parsed.data.content.find((c) => c.type === 'tool_use');
        const text = tool ? JSON.stringify(tool.input) : parsed.data.content.map((c) => c.text ?? '').join('');
        return { text, tokens: parsed.data.usage ? parsed.data.usage.input_tokens + parsed.data.usage.output_tokens : null };
      }
      case 'gemini': {
        const parsed = z.object({ candidates: z.array(z.object({ content: z.object({ parts: z.array(z.object({ text: z.string().optional() })) }) })).min(1), usageMetadata: z.object({ totalTokenCount: z.number() }).optional() }).safeParse(b);
        return parsed.success ? { text: parsed.data.candidates[0]!.content.parts.map((p) => p.text ?? '').join(''), tokens: parsed.data.usageMetadata?.totalTokenCount ?? null } : { text: '', tokens: null };
      }
    }
  }
}

/** The LLM settings from config, or an error naming what is missing. */
export function llmSettings(config: Config): LlmSettings {
  const { provider, model } = config.llm;
  if (provider === 'none' || !model) throw new Error('MEMORY_EXTRACTOR=llm needs LLM_PROVIDER and LLM_MODEL');
  return { ...config.llm, provider, model };
}
