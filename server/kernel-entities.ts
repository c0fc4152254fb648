import { defineEntity, p } from '@mikro-orm/core';

/** Status of every job enqueued through JobQueue; outlives graphile-worker's own row. */
export const VivimJob = defineEntity({
  name: 'VivimJob',
  tableName: 'vivim_job',
  indexes: [{ properties: ['ownerId', 'createdAt'] }],
  properties: {
    id: p.bigint('string').primary().autoincrement(false),
    task: p.text(),
    ownerId: p.uuid().nullable(),
    state: p.text(),
    step: p.text().nullable(),
    percent: p.double().nullable(),
    message: p.text().nullable(),
    attempts: p.integer().default(0),
    maxAttempts: p.integer().default(5),
    error: p.text().nullable(),
    /** Stable code of the failure (e.g. CAPTURE_NOT_FOUND), for clients to branch on. */
    errorCode: p.text().nullable(),
    result: p.json().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});

/** Security-relevant events (sign-ins, key changes, admin actions), append-only. */
export const VivimAuditLog = defineEntity({
  name: 'VivimAuditLog',
  tableName: 'vivim_audit_log',
  indexes: [{ properties: ['createdAt'] }, { properties: ['actorId'] }],
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    actorId: p.uuid().nullable(),
    action: p.text(),
    targetId: p.text().nullable(),
    ip: p.text().nullable(),
    details: p.json().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});

export const kernelEntities = [VivimJob, VivimAuditLog];
