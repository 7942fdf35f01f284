import { randomBytes } from 'node:crypto';
import { Redis as IORedis, type Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test (or helper process) shares on the common Redis. */
export function uniquePrefix(name: string): string {
  return `dh-test-${name}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Deletes only the keys under this test's prefix (never FLUSHDB: the Redis is shared). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

export interface TestRedis {
  redis: Redis;
  prefix: string;
  /** Deletes this prefix's keys (if the connection was ever used) and disconnects. */
  close(): Promise<void>;
}

/** A connection and prefix for a kind context; it connects only when a kind uses it. */
export function testRedis(name: string): TestRedis {
  const redis = new IORedis(REDIS_URL, { lazyConnect: true });
  const prefix = uniquePrefix(name);
  return {
    redis,
    prefix,
    async close() {
      if (redis.status === 'ready') await deleteKeys(redis, prefix);
      redis.disconnect();
    },
  };
}
