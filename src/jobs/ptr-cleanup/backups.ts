/**
 * Records saved before they are deleted, so `/deckhand ptr-cleanup restore <job-id>` can put them
 * back. One Redis hash per job (field = batch key, value = the batch as JSON), kept 30 days.
 */
import { Redis } from 'ioredis';
import type { SavedBatch } from './model.js';

export const BACKUP_TTL_SECONDS = 30 * 24 * 3600;

export interface RecordBackups {
  save(jobId: string, batch: SavedBatch): Promise<void>;
  load(jobId: string): Promise<SavedBatch[]>;
}

export class RedisRecordBackups implements RecordBackups {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(jobId: string): string {
    return `${this.prefix}:ptr-backup:${jobId}`;
  }

  async save(jobId: string, batch: SavedBatch): Promise<void> {
    await this.redis.multi().hset(this.key(jobId), batch.key, JSON.stringify(batch)).expire(this.key(jobId), BACKUP_TTL_SECONDS).exec();
  }

  async load(jobId: string): Promise<SavedBatch[]> {
    const fields = await this.redis.hgetall(this.key(jobId));
    return Object.values(fields)
      .map((json) => JSON.parse(json) as SavedBatch)
      .sort((a, b) => a.key.localeCompare(b.key, 'en', { numeric: true }));
  }
}

/**
 * The job kind is registered as a plain value, without the composition root's Redis connection, so by
 * default it connects with the same settings the process uses (REDIS_URL, DECKHAND_REDIS_PREFIX) for
 * each call: a few dozen short connections per run, and none left open to delay shutdown.
 */
export function backupsFromEnvironment(env: NodeJS.ProcessEnv = process.env): RecordBackups {
  const url = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = env.DECKHAND_REDIS_PREFIX ?? 'deckhand';
  const withRedis = async <T>(use: (backups: RecordBackups) => Promise<T>): Promise<T> => {
    const redis = new Redis(url, { connectionName: 'deckhand-ptr-backups', maxRetriesPerRequest: 3 });
    try {
      return await use(new RedisRecordBackups(redis, prefix));
    } finally {
      redis.disconnect();
    }
  };
  return {
    save: (jobId, batch) => withRedis((backups) => backups.save(jobId, batch)),
    load: (jobId) => withRedis((backups) => backups.load(jobId)),
  };
}
