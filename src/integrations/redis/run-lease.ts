/**
 * One execution of a run at a time (docs/adr/0006-run-lease-and-durable-cleanup.md).
 *
 * An execution takes the run's lease before it touches anything: `SET` with an expiry, holding a fencing
 * token from a per-run counter that only grows, so a later execution always holds a larger token than an
 * earlier one. The lease is renewed only while the execution still holds its BullMQ job lock (both are
 * compared inside one Lua script), so losing either loses both. Every mutation's audit entry and every
 * checkpoint write compare the token inside Lua too (`fencedAppend` in audit.ts, `writeJobData` here): an
 * execution that was frozen while another took the run over finds a different token and stops before it
 * sends anything.
 */
import type { RedisClient } from './connections.js';

/** The run belongs to another execution now (or to nobody): this one must stop without touching anything. */
export class LeaseLost extends Error {
  override name = 'LeaseLost';
  constructor(planId: string) {
    super(`this execution no longer owns run ${planId}`);
  }
}

/** What fenced writes compare: the lease key and the token this execution holds. */
export interface Fence {
  planId: string;
  key: string;
  token: number;
}

export type LeaseResult = { ok: true; fence: Fence } | { ok: false; heldForMs: number };

const ACQUIRE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return {0, redis.call('PTTL', KEYS[1])} end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token, 'PX', ARGV[1])
return {1, token}
`;

// KEYS[2] is the BullMQ job lock; without one (a dead run's cleanup) only the lease is compared.
const RENEW = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if KEYS[2] and redis.call('GET', KEYS[2]) ~= ARGV[3] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

// BullMQ keeps a job's data in the job hash's `data` field (its own updateData script writes the same).
const WRITE_JOB_DATA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('HSET', KEYS[2], 'data', ARGV[2]) end
return 1
`;

/** The BullMQ job lock an execution holds: its key and its worker token. */
export interface JobLock {
  key: string;
  token: string;
}

export class RunLeases {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  /** Takes the run's lease with the next fencing token, or says how long another execution still holds it. */
  async acquire(planId: string, ttlMs: number): Promise<LeaseResult> {
    const key = this.key(planId);
    const [ok, value] = (await this.redis.eval(ACQUIRE, 2, key, `${key}:fence`, String(ttlMs))) as [number, number];
    return ok === 1 ? { ok: true, fence: { planId, key, token: value } } : { ok: false, heldForMs: Math.max(value, 0) };
  }

  /** False once another execution took the run, the lease lapsed, or (with `jobLock`) BullMQ's lock is not ours. */
  async renew(fence: Fence, ttlMs: number, jobLock?: JobLock): Promise<boolean> {
    const keys = jobLock ? [fence.key, jobLock.key] : [fence.key];
    return (await this.redis.eval(RENEW, keys.length, ...keys, String(fence.token), String(ttlMs), jobLock?.token ?? '')) === 1;
  }

  async release(fence: Fence): Promise<void> {
    await this.redis.eval(RELEASE, 1, fence.key, String(fence.token));
  }

  /** Writes a BullMQ job's data only while `fence` holds the run; throws LeaseLost otherwise. */
  async writeJobData(fence: Fence, jobKey: string, data: unknown): Promise<void> {
    const written = await this.redis.eval(WRITE_JOB_DATA, 2, fence.key, jobKey, String(fence.token), JSON.stringify(data));
    if (written !== 1) throw new LeaseLost(fence.planId);
  }

  /** The run is over: its lease and its token counter go (a stale execution finds no lease and stops). */
  async forget(planId: string): Promise<void> {
    const key = this.key(planId);
    await this.redis.del(key, `${key}:fence`);
  }

  private key(planId: string): string {
    return `${this.prefix}:run:${planId}:lease`;
  }
}
