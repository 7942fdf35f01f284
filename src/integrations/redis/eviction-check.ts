/**
 * BullMQ requires `maxmemory-policy noeviction` (docs/platform-facts.md): under memory pressure any other policy
 * lets Redis drop job keys, locks and checkpoints silently. Checked once at start-up and said plainly.
 */
import { Cluster } from 'ioredis';
import type { RedisClient } from './connections.js';

/** Why the Redis setting is wrong or unknown, or undefined when it is `noeviction` (on every Cluster primary). */
export async function evictionPolicyProblem(redis: RedisClient): Promise<string | undefined> {
  let policy: string | undefined;
  try {
    // A Cluster client knows its primaries only once it has connected and read the slots.
    if (redis instanceof Cluster) await redis.ping();
    const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
    const policies = await Promise.all(nodes.map(async (node) => ((await node.config('GET', 'maxmemory-policy')) as string[])[1]));
    policy = policies.find((p) => p !== 'noeviction') ?? policies[0];
  } catch (err) {
    // Managed Redis services often disable CONFIG: unknown is not fine, but it need not stop deckhand.
    return `could not read Redis maxmemory-policy (${err instanceof Error ? err.message : String(err)}): make sure it is noeviction, or Redis may drop queued jobs and locks under memory pressure`;
  }
  if (policy === 'noeviction') return undefined;
  return `Redis maxmemory-policy is ${policy ?? 'unknown'}, but BullMQ needs noeviction: under memory pressure Redis may drop queued jobs, locks and checkpoints. Set it (CONFIG SET maxmemory-policy noeviction, or your provider's parameter group)`;
}
