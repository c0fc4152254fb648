import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { VivimAuditLog } from './kernel-entities.ts';

/** One security event. */
export interface AuditEvent {
  actorId?: string | null;
  action: string;
  targetId?: string | null;
  ip?: string | null;
  details?: Record<string, unknown>;
}

/** Append-only audit log of security events (sign-ins, keys, admin actions). */
export class AuditLog {
  private readonly em: () => EntityManager;
  private readonly log: Logger;

  constructor(em: () => EntityManager, log: Logger) {
    this.em = em;
    this.log = log;
  }

  /** Records an event; a failure to record is logged, never thrown at the caller. */
  async record(event: AuditEvent): Promise<void> {
    try {
      const em = this.em();
      em.create(VivimAuditLog, {
        actorId: event.actorId ?? null,
        action: event.action,
        targetId: event.targetId ?? null,
        ip: event.ip ?? null,
        details: event.details ?? null,
        createdAt: new Date(),
      });
      await em.flush();
    } catch (err) {
      this.log.error({ err, action: event.action }, 'audit event not recorded');
    }
  }

  /** Newest events first. */
  async list(limit: number): Promise<{ id: string; actorId: string | null; action: string; targetId: string | null; ip: string | null; details: unknown; createdAt: Date }[]> {
    const rows = await this.em().find(VivimAuditLog, {}, { orderBy: { id: 'desc' }, limit });
    return rows.map((r) => ({ id: String(r.id), actorId: r.actorId ?? null, action: r.action, targetId: r.targetId ?? null, ip: r.ip ?? null, details: r.details ?? null, createdAt: r.createdAt }));
  }
}
