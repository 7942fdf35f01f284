/**
 * The audit trail (docs/ARCHITECTURE.md principle 8): every command, plan, approval, rejection, cancel and
 * infrastructure mutation is appended to one Redis stream and logged with the same fields.
 * The stream is capped (approximately) so it cannot grow without bound; ship it elsewhere for
 * long-term retention.
 */
import type { RedisClient } from './connections.js';
import type { Logger } from '../../logger.js';
import { LeaseLost, type Fence } from './run-lease.js';

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
  /** The fencing token of the run execution that wrote it (run-lease.ts). */
  fence?: number;
}

const MAX_ENTRIES = 100_000;

// The entry is written only while the run's lease holds the execution's token (run-lease.ts).
const FENCED_XADD = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))
`;

export class AuditLog {
  private readonly log: Logger;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    log: Logger,
  ) {
    this.log = log.child({ component: 'audit' });
  }

  /**
   * Returns the stream entry id. With `fence` (a run's mutation) the entry is written only while that
   * execution holds the run, and LeaseLost is thrown otherwise, so the mutation is never sent.
   */
  async append(event: AuditEvent, fence?: Fence): Promise<string> {
    const at = Date.now();
    const fields = ['actor', event.actor, 'action', event.action, 'target', event.target, 'at', String(at)];
    if (event.planId) fields.push('planId', event.planId);
    if (event.jobId) fields.push('jobId', event.jobId);
    if (fence) fields.push('fence', String(fence.token));
    if (event.details) fields.push('details', JSON.stringify(event.details));
    const id = fence
      ? ((await this.redis.eval(FENCED_XADD, 2, fence.key, this.key(), String(fence.token), String(MAX_ENTRIES), ...fields)) as string | null)
      : await this.redis.xadd(this.key(), 'MAXLEN', '~', String(MAX_ENTRIES), '*', ...fields);
    if (!id) throw new LeaseLost(fence!.planId);
    this.log.info({ audit: true, auditId: id, fence: fence?.token, ...event }, `audit ${event.action}`);
    return id;
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
  if (f.has('fence')) entry.fence = Number(f.get('fence'));
  if (f.has('details')) entry.details = JSON.parse(f.get('details')!) as Record<string, unknown>;
  return entry;
}
