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
  /** The saved batches in key order, one read each: a caller that needs them in turn never holds them all. */
  batches(jobId: string): AsyncGenerator<SavedBatch>;
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
    const saved: SavedBatch[] = [];
    for await (const batch of this.batches(jobId)) saved.push(batch);
    return saved;
  }

  async *batches(jobId: string): AsyncGenerator<SavedBatch> {
    const keys = (await this.redis.hkeys(this.key(jobId))).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    for (const key of keys) {
      const json = await this.redis.hget(this.key(jobId), key);
      if (json !== null) yield JSON.parse(json) as SavedBatch;
    }
  }
}

/** The run's store: the kind context's Redis connection and key prefix. */
export function backupsOf(ctx: Pick<KindContext, 'redis' | 'redisPrefix'>): RecordBackups {
  return new RedisRecordBackups(ctx.redis, ctx.redisPrefix);
}
