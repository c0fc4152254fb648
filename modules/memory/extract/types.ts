import type { MemoryType } from '../schemas.ts';

/** One message of the conversation being read (text only: code, tables and images are left out). */
export interface ExtractionMessage {
  id: string;
  role: string;
  text: string;
  createdAt: string | null;
}

/** What an extractor reads: one conversation's messages on the current branch, in order. */
export interface ExtractionInput {
  conversationId: string;
  title: string;
  messages: ExtractionMessage[];
}

/** A memory an extractor proposes; quality checks and reconciliation decide what becomes of it. */
export interface MemoryCandidate {
  type: MemoryType;
  /** Third-person statement ("Prefers spaces over tabs"). */
  content: string;
  /** `<type>:<key>` when the memory is the value of a single-valued slot (`fact:location`), else null. */
  slot: string | null;
  confidence: number;
  importance: number;
  /** The user message it comes from. */
  messageId: string;
  /** The user's own words it was drawn from. */
  quote: string;
}

/** What a run of an extractor reports besides its candidates. */
export interface ExtractionOutput {
  candidates: MemoryCandidate[];
  /** LLM tokens spent (0 offline). */
  tokens: number;
  /** True when the token budget ran out before the end of the conversation. */
  truncated: boolean;
}

/** Proposes candidate memories from a conversation. */
export interface MemoryExtractor {
  /** Stable id including a version (`offline@1`): a new id re-extracts every conversation. */
  readonly id: string;
  extract(input: ExtractionInput, signal?: AbortSignal): Promise<ExtractionOutput>;
}
