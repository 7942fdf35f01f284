/**
 * The default key prefix became the hash tag `{deckhand}` (docs/adr/0011-one-hash-tag-for-redis-cluster.md). An installation that ran under the old
 * default `deckhand` keeps its plans, locks and queue there: started with the new default it would not see them
 * (a run in flight would not hold its target's lock for new plans). Checked once at start-up and said plainly.
 */
import type { RedisClient } from './connections.js';

const LEGACY_PREFIX = 'deckhand';
/** Keys every installation that ever ran has: the audit stream and BullMQ's queue metadata. */
const LEGACY_KEYS = [`${LEGACY_PREFIX}:audit`, `${LEGACY_PREFIX}:deckhand-runs:meta`];

/** Call only when the prefix is the default one (DECKHAND_REDIS_PREFIX unset). */
export async function legacyPrefixProblem(redis: RedisClient, prefix: string): Promise<string | undefined> {
  // One key per EXISTS: on a Cluster the two are in different slots.
  const found = await Promise.all(LEGACY_KEYS.map((key) => redis.exists(key)));
  if (!found.some((n) => n > 0)) return undefined;
  return `Redis holds deckhand data under the old prefix "${LEGACY_PREFIX}" but the prefix is now "${prefix}": set DECKHAND_REDIS_PREFIX=${LEGACY_PREFIX} to keep using it (README "Redis")`;
}
