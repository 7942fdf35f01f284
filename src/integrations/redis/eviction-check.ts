/**
 * BullMQ requires `maxmemory-policy noeviction` (docs/platform-facts.md): under memory pressure any other policy
 * lets Redis drop job keys, locks and checkpoints silently. Checked once at start-up and said plainly.
 */
import type { Redis } from 'ioredis';

/** Why the Redis setting is wrong or unknown, or undefined when it is `noeviction`. */
export async function evictionPolicyProblem(redis: Redis): Promise<string | undefined> {
  let policy: string | undefined;
  try {
    const answer = (await redis.config('GET', 'maxmemory-policy')) as string[];
    policy = answer[1];
  } catch (err) {
    // Managed Redis services often disable CONFIG: unknown is not fine, but it need not stop deckhand.
    return `could not read Redis maxmemory-policy (${err instanceof Error ? err.message : String(err)}): make sure it is noeviction, or Redis may drop queued jobs and locks under memory pressure`;
  }
  if (policy === 'noeviction') return undefined;
  return `Redis maxmemory-policy is ${policy ?? 'unknown'}, but BullMQ needs noeviction: under memory pressure Redis may drop queued jobs, locks and checkpoints. Set it (CONFIG SET maxmemory-policy noeviction, or your provider's parameter group)`;
}
