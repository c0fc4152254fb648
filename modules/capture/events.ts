/** Events the capture module emits (after commit). Consumers enqueue their own jobs. */
export const captureEvents = {
  /** A conversation was created or changed: `{ conversationId, ownerId }`. */
  conversationStored: 'capture.conversationStored',
  /** ACUs of a conversation were (re)generated: `{ conversationId, ownerId, count }`. */
  acusGenerated: 'capture.acusGenerated',
  /** A conversation was deleted (messages, ACUs and blobs with it): `{ conversationId, ownerId }`. */
  conversationDeleted: 'capture.conversationDeleted',
} as const;
