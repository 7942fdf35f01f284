/**
 * The audit trail (docs/ARCHITECTURE.md principle 8): every command, plan, approval, rejection, cancel and
 * infrastructure mutation is appended to one Redis stream and logged with the same fields.
 * The stream is capped (approximately) so it cannot grow without bound; ship it elsewhere for
 * long-term retention.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../../logger.js';

export interface AuditEvent {
  actor: string;
  action: string;
  target: string;
  planId?: string;
  jobId?: string;
  details?: Record<string, unknown>;
}

export interface AuditEntry extends AuditEvent {
  /** Stream entry id (`<ms>-<seq>`). */
  id: string;
  at: number;
}

const MAX_ENTRIES = 100_000;

export class AuditLog {
  private readonly log: Logger;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    log: Logger,
  ) {
    this.log = log.child({ component: 'audit' });
  }

  /** Returns the stream entry id. */
  async append(event: AuditEvent): Promise<string> {
    const at = Date.now();
    const fields = ['actor', event.actor, 'action', event.action, 'target', event.target, 'at', String(at)];
    if (event.planId) fields.push('planId', event.planId);
    if (event.jobId) fields.push('jobId', event.jobId);
    if (event.details) fields.push('details', JSON.stringify(event.details));
    const id = await this.redis.xadd(this.key(), 'MAXLEN', '~', String(MAX_ENTRIES), '*', ...fields);
    this.log.info({ audit: true, auditId: id, ...event }, `audit ${event.action}`);
    return id!;
  }

  /** The newest `count` entries, oldest first. */
  async read(count: number): Promise<AuditEntry[]> {
    const rows = await this.redis.xrevrange(this.key(), '+', '-', 'COUNT', count);
    return rows.reverse().map(([id, flat]) => toEntry(id, flat));
  }

  /** Entries appended between two times (ms, inclusive), oldest first, at most `count`: stream ids start with the ms. */
  async between(fromMs: number, toMs: number, count: number): Promise<AuditEntry[]> {
    const rows = await this.redis.xrange(this.key(), String(Math.floor(fromMs)), String(Math.floor(toMs)), 'COUNT', count);
    return rows.map(([id, flat]) => toEntry(id, flat));
  }

  private key(): string {
    return `${this.prefix}:audit`;
  }
}

function toEntry(id: string, flat: string[]): AuditEntry {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) f.set(flat[i]!, flat[i + 1]!);
  const entry: AuditEntry = { id, at: Number(f.get('at')), actor: f.get('actor') ?? '', action: f.get('action') ?? '', target: f.get('target') ?? '' };
  if (f.has('planId')) entry.planId = f.get('planId');
  if (f.has('jobId')) entry.jobId = f.get('jobId');
  if (f.has('details')) entry.details = JSON.parse(f.get('details')!) as Record<string, unknown>;
  return entry;
}
