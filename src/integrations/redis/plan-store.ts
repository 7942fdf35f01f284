/**
 * Stored plans (docs/ARCHITECTURE.md principle 3): one Redis hash per plan holding the JSON document and a
 * version number. Every write is a compare-and-set on the version inside a Lua script, so `change`
 * is atomic across bot replicas and workers without WATCH (which is per connection and unsafe on a
 * shared ioredis client). Which status may follow which is not decided here: `src/jobs/plan-lifecycle.ts`
 * owns that table and is the only caller that changes a status.
 *
 * Indexes: a sorted set per channel (newest first for `/deckhand jobs`; the set of channels, so the expiry task
 * can prune them) and a set per live status (planned, approved, running) so a worker can find runs that died.
 * Reads never write: ids of plans that expired out of Redis are skipped, and only the expiry task prunes them.
 */
import { randomBytes } from 'node:crypto';
import type { RedisClient } from './connections.js';

export type PlanStatus = 'planned' | 'approved' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'expired' | 'rejected';

export interface StoredPlan {
  id: string;
  kind: string;
  target: string;
  args: unknown;
  plan: unknown;
  fingerprint: string;
  summary: string;
  dryRun: boolean;
  requestedBy: string;
  channel: string;
  messageTs?: string;
  statusCardTs?: string;
  status: PlanStatus;
  createdAt: number;
  expiresAt: number;
  requiredApprovals: number;
  approvals: { user: string; at: number }[];
  decidedBy?: string;
  startedAt?: number;
  finishedAt?: number;
  outcome?: string;
}

/** What `change` did: `before` is the plan as this call found it, when it changed it. */
export type PlanChange = { changed: true; plan: StoredPlan; before: StoredPlan } | { changed: false; plan: StoredPlan | undefined };

export const LIVE_STATUSES = ['planned', 'approved', 'running'] as const;
export type LiveStatus = (typeof LIVE_STATUSES)[number];

/** How long a finished plan stays readable (`/deckhand status`, audit cross-reference). */
export const FINISHED_PLAN_RETENTION_MS = 7 * 24 * 3600_000;

const MAX_CAS_ATTEMPTS = 20;

/**
 * KEYS: plan hash, old status index, new status index, channel index.
 * ARGV: expected version ('' = must not exist), doc, id, createdAt, ttlMs (0 = no expiry),
 *       indexNew ('1' when the new status is live).
 * Returns 1 on success, 0 when the version did not match.
 */
const CAS_WRITE = `
local current = redis.call('HGET', KEYS[1], 'version')
if ARGV[1] == '' then
  if current then return 0 end
elseif current ~= ARGV[1] then
  return 0
end
local nextVersion = (tonumber(current) or 0) + 1
redis.call('HSET', KEYS[1], 'doc', ARGV[2], 'version', nextVersion)
if ARGV[5] == '0' then redis.call('PERSIST', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[5]) end
redis.call('SREM', KEYS[2], ARGV[3])
if ARGV[6] == '1' then redis.call('SADD', KEYS[3], ARGV[3]) end
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[3])
return 1
`;

/**
 * Short, URL- and BullMQ-jobId-safe (no ':'), roughly time-ordered. 40 random bits: with 24, two hundred ids made
 * in one millisecond collided about once in a thousand runs (create then refuses the second plan).
 */
export function newPlanId(): string {
  return `p-${Date.now().toString(36)}${randomBytes(5).toString('hex')}`;
}

function isLive(status: PlanStatus): status is LiveStatus {
  return (LIVE_STATUSES as readonly string[]).includes(status);
}

export class PlanStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async create(plan: StoredPlan): Promise<void> {
    const ok = await this.write(plan, '', plan.status);
    if (!ok) throw new Error(`plan ${plan.id} already exists`);
    // A plan's channel never changes: remembering it at creation is enough for pruneIndexes.
    await this.redis.sadd(this.channelsKey(), plan.channel);
  }

  async get(id: string): Promise<StoredPlan | undefined> {
    return (await this.read(id))?.plan;
  }

  /** Fields other than the status (message timestamps); the status changes only through `change`. */
  async update(id: string, patch: Partial<Omit<StoredPlan, 'status'>>): Promise<StoredPlan> {
    const result = await this.change(id, (plan) => ({ ...plan, ...patch }));
    if (!result.plan) throw new Error(`plan ${id} not found`);
    return result.plan;
  }

  /**
   * Atomic read-modify-write: `decide` sees the stored plan and returns its next version, or undefined to
   * leave it alone. Answers with the plan as it is afterwards, and whether this call changed it.
   */
  async change(id: string, decide: (plan: StoredPlan) => StoredPlan | undefined): Promise<PlanChange> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const current = await this.read(id);
      if (!current) return { changed: false, plan: undefined };
      const next = decide(current.plan);
      if (!next || next === current.plan) return { changed: false, plan: current.plan };
      const written = { ...next, id };
      if (await this.write(written, current.version, current.plan.status)) return { changed: true, plan: written, before: current.plan };
    }
    throw new Error(`plan ${id}: too many concurrent updates`);
  }

  /** Newest first. A pure read: ids of plans that expired out of Redis are skipped (pruneIndexes removes them). */
  async listByChannel(channel: string, limit: number): Promise<StoredPlan[]> {
    const ids = await this.redis.zrevrange(this.channelKey(channel), 0, Math.max(0, limit * 2 - 1));
    const plans: StoredPlan[] = [];
    for (const id of ids) {
      const plan = await this.get(id);
      if (plan) plans.push(plan);
    }
    return plans.slice(0, limit);
  }

  /**
   * Plans currently in a live status (planned, approved, running), e.g. to find runs that died. A pure read: ids
   * of plans that expired out of Redis (an undecided plan nobody expired in time) are skipped (pruneIndexes removes them).
   */
  async listByStatus(status: LiveStatus): Promise<StoredPlan[]> {
    const ids = await this.redis.smembers(this.statusKey(status));
    const plans: StoredPlan[] = [];
    for (const id of ids) {
      const plan = await this.get(id);
      if (plan?.status === status) plans.push(plan);
    }
    return plans;
  }

  /** Removes ids of plans that expired out of Redis from the per-channel and live-status indexes; answers how many. */
  async pruneIndexes(now: number): Promise<number> {
    return (await this.pruneChannelIndexes(now)) + (await this.pruneStatusIndexes());
  }

  /**
   * Prunes at most once per `everyMs` across all replicas, whichever asks first (a Redis key with that TTL): ids of
   * expired plans pile up slowly, and reads skip them, so checking every index on every expiry tick is waste.
   * Answers how many ids went, or undefined when it was not yet due.
   */
  async pruneIndexesIfDue(now: number, everyMs: number): Promise<number | undefined> {
    const due = await this.redis.set(this.pruneDueKey(), '1', 'PX', everyMs, 'NX');
    return due ? this.pruneIndexes(now) : undefined;
  }

  /** No plan expires sooner than FINISHED_PLAN_RETENTION_MS after its creation, so only ids older than that are checked. */
  private async pruneChannelIndexes(now: number): Promise<number> {
    let pruned = 0;
    for (const channel of await this.redis.smembers(this.channelsKey())) {
      const key = this.channelKey(channel);
      const old = await this.redis.zrangebyscore(key, '-inf', `(${now - FINISHED_PLAN_RETENTION_MS}`);
      const gone = await this.goneIds(old);
      if (gone.length > 0) pruned += await this.redis.zrem(key, ...gone);
    }
    return pruned;
  }

  /** Live statuses hold few plans (undecided ones expire within the approval window), so every id is checked. */
  private async pruneStatusIndexes(): Promise<number> {
    let pruned = 0;
    for (const status of LIVE_STATUSES) {
      const key = this.statusKey(status);
      const gone = await this.goneIds(await this.redis.smembers(key));
      if (gone.length > 0) pruned += await this.redis.srem(key, ...gone);
    }
    return pruned;
  }

  private async goneIds(ids: string[]): Promise<string[]> {
    const gone = [];
    for (const id of ids) if (!(await this.redis.exists(this.planKey(id)))) gone.push(id);
    return gone;
  }

  private async read(id: string): Promise<{ plan: StoredPlan; version: string } | undefined> {
    const [doc, version] = await this.redis.hmget(this.planKey(id), 'doc', 'version');
    if (!doc || !version) return undefined;
    return { plan: JSON.parse(doc) as StoredPlan, version };
  }

  private async write(plan: StoredPlan, expectedVersion: string, previousStatus: PlanStatus): Promise<boolean> {
    const result = await this.redis.eval(
      CAS_WRITE,
      4,
      this.planKey(plan.id),
      this.statusKey(previousStatus),
      this.statusKey(plan.status),
      this.channelKey(plan.channel),
      expectedVersion,
      JSON.stringify(plan),
      plan.id,
      String(plan.createdAt),
      String(this.ttlMs(plan)),
      isLive(plan.status) ? '1' : '0',
    );
    return result === 1;
  }

  /** Never expire approved or running plans; planned ones outlive their approval window; finished ones are kept a while. */
  private ttlMs(plan: StoredPlan): number {
    if (plan.status === 'approved' || plan.status === 'running') return 0;
    if (plan.status === 'planned') return Math.max(1, plan.expiresAt - Date.now()) + FINISHED_PLAN_RETENTION_MS;
    return FINISHED_PLAN_RETENTION_MS;
  }

  private planKey(id: string): string {
    return `${this.prefix}:plan:${id}`;
  }

  private statusKey(status: PlanStatus): string {
    return `${this.prefix}:plans:status:${status}`;
  }

  private channelsKey(): string {
    return `${this.prefix}:plans:channels`;
  }

  private pruneDueKey(): string {
    return `${this.prefix}:plans:indexes:pruned`;
  }

  private channelKey(channel: string): string {
    return `${this.prefix}:plans:channel:${channel}`;
  }
}
