import { defineEntity, p } from '@mikro-orm/core';

export const CaptureConversation = defineEntity({
  name: 'CaptureConversation',
  tableName: 'capture_conversation',
  uniques: [{ properties: ['ownerId', 'provider', 'sourceId'] }],
  indexes: [{ properties: ['ownerId', 'capturedAt'] }, { properties: ['ownerId', 'provider'] }],
  properties: {
    id: p.uuid().primary(),
    ownerId: p.uuid(),
    provider: p.text(),
    /** The provider's own conversation id (sourceConversationId). */
    sourceId: p.text(),
    sourceUrl: p.text().nullable(),
    title: p.text(),
    model: p.text().nullable(),
    /** When the provider says the conversation started / last changed. */
    createdAt: p.datetime().nullable(),
    updatedAt: p.datetime().nullable(),
    /** When VIVIM first stored it / last changed it. */
    capturedAt: p.datetime().defaultRaw('now()'),
    modifiedAt: p.datetime().defaultRaw('now()'),
    /** sha256 of the normalized content: equal hash, nothing changed. */
    contentHash: p.text(),
    currentLeafId: p.uuid().nullable(),
    messageCount: p.integer().default(0),
    tags: p.array().default([]),
    visibility: p.text().default('private'),
    /** How it arrived: 'capture' (share link), 'upload' (page from the user's browser) or 'import' (export file). */
    origin: p.text().default('capture'),
  },
});

export const CaptureMessage = defineEntity({
  name: 'CaptureMessage',
  tableName: 'capture_message',
  uniques: [{ properties: ['conversation', 'sourceId'] }],
  indexes: [{ properties: ['ownerId'] }, { properties: ['parentId'] }],
  properties: {
    id: p.uuid().primary(),
    conversation: () => p.manyToOne(CaptureConversation).deleteRule('cascade'),
    ownerId: p.uuid(),
    /** The provider's own message id (sourceMessageId). */
    sourceId: p.text(),
    parentId: p.uuid().nullable(),
    /** Order among siblings (0 = first version of an edited message). */
    branchIndex: p.integer().default(0),
    /** Order in the conversation (document order of the provider's tree). */
    position: p.integer(),
    isOnCurrentBranch: p.boolean().default(true),
    role: p.text(),
    model: p.text().nullable(),
    createdAt: p.datetime().nullable(),
    hidden: p.boolean().default(false),
    /**
     * The content parts in order, as normalized by the provider (validated by the SDK schema);
     * images and files carry `blobSha` when stored under `<dataDir>/blobs`. Kept inline: parts are
     * always read with their message, and one row per message keeps bulk imports fast.
     */
    parts: p.json<Record<string, unknown>[]>(),
    /** Plain text of the message (for search and ACUs). */
    text: p.text(),
    contentHash: p.text(),
  },
});

export const CaptureBlob = defineEntity({
  name: 'CaptureBlob',
  tableName: 'capture_blob',
  uniques: [{ properties: ['ownerId', 'sha256'] }],
  properties: {
    id: p.uuid().primary(),
    ownerId: p.uuid(),
    sha256: p.text(),
    mimeType: p.text().nullable(),
    size: p.bigint('number'),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});

export const CaptureAcu = defineEntity({
  name: 'CaptureAcu',
  tableName: 'capture_acu',
  uniques: [{ properties: ['conversation', 'hash'] }],
  indexes: [{ properties: ['ownerId', 'type'] }],
  properties: {
    id: p.uuid().primary(),
    conversation: () => p.manyToOne(CaptureConversation).deleteRule('cascade'),
    ownerId: p.uuid(),
    /** question, answer, code, decision, fact, instruction, definition, list */
    type: p.text(),
    content: p.text(),
    language: p.text().nullable(),
    quality: p.double(),
    /** sha256 of the normalized content (dedupe). */
    hash: p.text(),
    messageIds: p.array(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});

export const CaptureImport = defineEntity({
  name: 'CaptureImport',
  tableName: 'capture_import',
  indexes: [{ properties: ['ownerId', 'createdAt'] }],
  properties: {
    id: p.uuid().primary(),
    ownerId: p.uuid(),
    fileName: p.text(),
    /** Where the upload is kept until the import finishes. */
    path: p.text(),
    provider: p.text().nullable(),
    status: p.text(),
    jobId: p.text().nullable(),
    /** Conversations handled so far, in export order: a resumed import skips them. */
    processed: p.integer().default(0),
    conversations: p.integer().default(0),
    messages: p.integer().default(0),
    unchanged: p.integer().default(0),
    errors: p.json<{ source: string; code: string; message: string }[]>(),
    createdAt: p.datetime().defaultRaw('now()'),
    finishedAt: p.datetime().nullable(),
  },
});

export const captureEntities = [CaptureConversation, CaptureMessage, CaptureBlob, CaptureAcu, CaptureImport];
