import type { EventEmitter } from 'node:events';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../../logger.js';

/**
 * One Redis connection per role, configured as BullMQ requires (docs/platform-facts.md):
 * - worker: `maxRetriesPerRequest: null`, so blocking commands wait through a Redis restart;
 * - queue: `enableOfflineQueue: false`, so producers (the bot) fail fast instead of piling up commands;
 * - general: stores, locks and audit; ioredis defaults.
 * Every connection gets an error listener (logRedisErrors); BullMQ's own connections get theirs from their queue
 * or worker.
 */
export type RedisRole = 'worker' | 'queue' | 'general';

export function createRedis(url: string, role: RedisRole, log?: Logger): Redis {
  const options: RedisOptions = { connectionName: `deckhand-${role}` };
  if (role === 'worker') options.maxRetriesPerRequest = null;
  if (role === 'queue') options.enableOfflineQueue = false;
  const redis = new Redis(url, options);
  logRedisErrors(redis, log, `redis ${role} connection`);
  return redis;
}

/** What may be logged of a Redis error: never the command or its arguments (AUTH and HELLO carry the password). */
export function redisErrorFields(err: unknown): { message: string; code?: string } {
  if (!(err instanceof Error)) return { message: String(err) };
  const code = (err as { code?: unknown }).code;
  return { message: err.message, ...(typeof code === 'string' ? { code } : {}) };
}

/**
 * Listens for `error` on an ioredis client or a BullMQ queue or worker. Without a listener ioredis and BullMQ print
 * the whole error to stderr, whatever the log level, with the failed command's arguments: `HELLO 3 AUTH <user>
 * <password>` when Redis rejects the password. Each distinct message is logged once until the connection is ready
 * again, so a reconnect loop does not flood the log. Without a logger the errors are handled and dropped.
 */
export function logRedisErrors(emitter: EventEmitter, log: Logger | undefined, source: string): void {
  const logged = new Set<string>();
  emitter.on('error', (err: unknown) => {
    const fields = redisErrorFields(err);
    if (logged.has(fields.message)) return;
    logged.add(fields.message);
    log?.error({ redisError: fields, source }, `${source}: ${fields.message}`);
  });
  emitter.on('ready', () => logged.clear());
}
