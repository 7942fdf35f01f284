import type { EventEmitter } from 'node:events';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Logger } from '../../logger.js';

/** A client of any of the three deployments; both classes share the command API the stores use. */
export type RedisClient = Redis | Cluster;

export interface RedisHost {
  host: string;
  port: number;
}

/** TLS to Redis: on when present; `ca` is the PEM of REDIS_TLS_CA_FILE (a private CA), else the system's CAs. */
export interface RedisTls {
  caFile?: string;
  ca?: string;
}

/** How to reach Redis, as users deploy it (README "Redis"); validated by src/config.ts. */
export type RedisConnection =
  | { mode: 'standalone'; url: string; tls?: RedisTls }
  | { mode: 'sentinel'; sentinels: RedisHost[]; masterName: string; password?: string; sentinelPassword?: string; tls?: RedisTls }
  | { mode: 'cluster'; nodes: RedisHost[]; password?: string; tls?: RedisTls };

/**
 * One Redis connection per role, configured as BullMQ requires (docs/platform-facts.md):
 * - worker: `maxRetriesPerRequest: null`, so blocking commands wait through a Redis restart or failover;
 * - queue: `enableOfflineQueue: false`, so producers (the bot) fail fast instead of piling up commands;
 * - general: stores, locks and audit; ioredis defaults.
 * Every connection gets an error listener (logRedisErrors); BullMQ's own connections get theirs from their queue
 * or worker. A plain string is a standalone URL.
 */
export type RedisRole = 'worker' | 'queue' | 'general';

export function createRedis(target: RedisConnection | string, role: RedisRole, log?: Logger): RedisClient {
  const connection: RedisConnection = typeof target === 'string' ? { mode: 'standalone', url: target } : target;
  const options: RedisOptions = { connectionName: `deckhand-${role}` };
  if (role === 'worker') options.maxRetriesPerRequest = null;
  const tls = connection.tls ? { ...(connection.tls.ca ? { ca: connection.tls.ca } : {}) } : undefined;
  let redis: RedisClient;
  if (connection.mode === 'cluster') {
    const clusterOptions: ClusterOptions = {
      redisOptions: { ...options, ...(connection.password ? { password: connection.password } : {}), ...(tls ? { tls } : {}) },
      // TLS certificates name hosts, while cluster nodes announce IPs: connect by the name the seed was given.
      ...(tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
    };
    if (role === 'queue') clusterOptions.enableOfflineQueue = false;
    redis = new Cluster(connection.nodes, clusterOptions);
  } else {
    if (role === 'queue') options.enableOfflineQueue = false;
    if (connection.mode === 'sentinel') {
      redis = new Redis({
        ...options,
        sentinels: connection.sentinels,
        name: connection.masterName,
        ...(connection.password ? { password: connection.password } : {}),
        ...(connection.sentinelPassword ? { sentinelPassword: connection.sentinelPassword } : {}),
        // The same TLS settings for the Sentinels and the data nodes they name.
        ...(tls ? { tls, enableTLSForSentinelMode: true, sentinelTLS: tls } : {}),
      });
    } else {
      // A rediss:// URL turns TLS on by itself; tls adds the private CA.
      redis = new Redis(connection.url, { ...options, ...(tls ? { tls } : {}) });
    }
  }
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
