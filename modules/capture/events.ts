/** Events the capture module emits (after commit). Consumers enqueue their own jobs. */
export const captureEvents = {
  /** A conversation was created or changed: `{ conversationId, ownerId }`. */
  conversationStored: 'capture.conversationStored',
  /** ACUs of a conversation were (re)generated: `{ conversationId, ownerId, count }`. */
  acusGenerated: 'capture.acusGenerated',
} as const;
