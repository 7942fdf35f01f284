import { randomBytes } from 'node:crypto';
import { Cluster, Redis as IORedis } from 'ioredis';
import type { RedisClient } from '../../src/integrations/redis/connections.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A key prefix no other test (or helper process) shares on the common Redis; hash-tagged like the production
 * default, so every suite would meet a CROSSSLOT error on Redis Cluster.
 */
export function uniquePrefix(name: string): string {
  return `{dh-test-${name}-${process.pid}-${randomBytes(4).toString('hex')}}`;
}

/** The keys matching a pattern: on a Cluster, from every primary (KEYS on a Cluster client asks one node). */
export async function keysMatching(redis: RedisClient, pattern: string): Promise<string[]> {
  const found: string[] = [];
  for (const node of redis instanceof Cluster ? redis.nodes('master') : [redis]) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
  }
  return found;
}

/** Deletes only the keys under this test's prefix (never FLUSHDB: the Redis is shared). */
export async function deleteKeys(redis: RedisClient, prefix: string): Promise<void> {
  const keys = await keysMatching(redis, `${prefix}:*`);
  // One prefix is one hash tag: the keys share a slot, so one DEL takes them all.
  if (keys.length > 0) await redis.del(...keys);
}

export interface TestRedis {
  redis: IORedis;
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
