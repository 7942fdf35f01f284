import { Redis, type RedisOptions } from 'ioredis';

/**
 * One Redis connection per role, configured as BullMQ requires (docs/platform-facts.md):
 * - worker: `maxRetriesPerRequest: null`, so blocking commands wait through a Redis restart;
 * - queue: `enableOfflineQueue: false`, so producers (the bot) fail fast instead of piling up commands;
 * - general: stores, locks and audit; ioredis defaults.
 */
export type RedisRole = 'worker' | 'queue' | 'general';

export function createRedis(url: string, role: RedisRole): Redis {
  const options: RedisOptions = { connectionName: `deckhand-${role}` };
  if (role === 'worker') options.maxRetriesPerRequest = null;
  if (role === 'queue') options.enableOfflineQueue = false;
  return new Redis(url, options);
}
