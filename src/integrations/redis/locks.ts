/**
 * Per-target locks (docs/ARCHITECTURE.md principle 3): `SET NX PX` with an owner token; extend and release
 * compare the token inside Lua, so a holder whose lock expired can never release someone else's.
 * The stored value is `<token>\n<description>`, so a refusal can say who holds the target.
 */
import type { RedisClient } from './connections.js';
import type { StoredPlan } from './plan-store.js';

export type AcquireResult = { ok: true } | { ok: false; heldBy: string };

/** Default lease for a run's lock; the worker extends it while the job is alive. */
export const RUN_LOCK_TTL_MS = 15 * 60_000;

/** What a refused approval or run is told about the run holding its target. */
/** Who holds a target and what they are doing, for refusals: "<@U1>'s rollout (6 outdated nodes…; plan `p-…`)". */
export function lockHolderDescription(plan: Pick<StoredPlan, 'id' | 'kind' | 'requestedBy' | 'summary'>): string {
  const what = plan.summary.length > 150 ? `${plan.summary.slice(0, 149)}…` : plan.summary;
  return `<@${plan.requestedBy}>'s ${plan.kind} (${what.replace(/\n/g, ' ')}; plan \`${plan.id}\`)`;
}

const SEPARATOR = '\n';

const RELEASE = `
local value = redis.call('GET', KEYS[1])
if value and string.sub(value, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. '\\n' then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

const EXTEND = `
local value = redis.call('GET', KEYS[1])
if value and string.sub(value, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. '\\n' then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`;

export class TargetLocks {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  /** Acquiring again with the same token succeeds and refreshes the lease (a resumed run re-takes its own lock). */
  async acquire(target: string, holder: { token: string; description: string }, ttlMs: number): Promise<AcquireResult> {
    if (holder.token.includes(SEPARATOR)) throw new Error('lock token must not contain a newline');
    const key = this.key(target);
    const set = await this.redis.set(key, `${holder.token}${SEPARATOR}${holder.description}`, 'PX', ttlMs, 'NX');
    if (set === 'OK') return { ok: true };
    if (await this.extend(target, holder.token, ttlMs)) return { ok: true };
    const heldBy = await this.holder(target);
    // The holder may have released between our SET and GET: one more try settles it.
    if (heldBy === undefined) return this.acquire(target, holder, ttlMs);
    return { ok: false, heldBy };
  }

  async extend(target: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(EXTEND, 1, this.key(target), token, String(ttlMs))) === 1;
  }

  async release(target: string, token: string): Promise<boolean> {
    return (await this.redis.eval(RELEASE, 1, this.key(target), token)) === 1;
  }

  /** The holder's description, e.g. "plan p-abc by <@U123>", or undefined when free. */
  async holder(target: string): Promise<string | undefined> {
    const value = await this.redis.get(this.key(target));
    if (value === null) return undefined;
    const at = value.indexOf(SEPARATOR);
    return at < 0 ? value : value.slice(at + 1);
  }

  private key(target: string): string {
    return `${this.prefix}:lock:${target}`;
  }
}
