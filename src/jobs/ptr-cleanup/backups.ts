/**
 * Records saved before they are deleted, so `/deckhand ptr-cleanup restore <job-id>` can put them
 * back. One Redis hash per job (field = batch key, value = the batch as JSON), kept 30 days.
 */
import type { RedisClient } from '../../integrations/redis/connections.js';
import type { KindContext } from '../kind.js';
import type { SavedBatch } from './model.js';

export const BACKUP_TTL_SECONDS = 30 * 24 * 3600;

export interface RecordBackups {
  save(jobId: string, batch: SavedBatch): Promise<void>;
  load(jobId: string): Promise<SavedBatch[]>;
}

export class RedisRecordBackups implements RecordBackups {
  constructor(
    private readonly redis: RedisClient,
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

/** The run's store: the kind context's Redis connection and key prefix. */
export function backupsOf(ctx: Pick<KindContext, 'redis' | 'redisPrefix'>): RecordBackups {
  return new RedisRecordBackups(ctx.redis, ctx.redisPrefix);
}
