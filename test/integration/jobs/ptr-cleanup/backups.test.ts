import { Redis } from 'ioredis';
import { BACKUP_TTL_SECONDS, backupsOf, RedisRecordBackups } from '../../../../src/jobs/ptr-cleanup/backups.js';
import type { SavedBatch } from '../../../../src/jobs/ptr-cleanup/model.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from '../../../helpers/redis-prefix.js';

const batch = (key: string, state: SavedBatch['state']): SavedBatch => ({
  zoneId: 'Z1',
  zoneName: '10.in-addr.arpa.',
  key,
  state,
  records: [['1.0.0.10.in-addr.arpa.', 37, ['a.', 'b.']]],
});

describe('saved records', () => {
  const redis = new Redis(REDIS_URL);
  const prefix = uniquePrefix('ptr-backups');
  afterAll(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('keeps one entry per batch (the confirmed copy replaces the pending one), in batch order, for 30 days', async () => {
    const backups = new RedisRecordBackups(redis, prefix);
    await backups.save('p-1', batch('Z1/10', 'deleted'));
    await backups.save('p-1', batch('Z1/2', 'pending'));
    await backups.save('p-1', batch('Z1/2', 'deleted'));
    expect((await backups.load('p-1')).map((b) => `${b.key} ${b.state}`)).toEqual(['Z1/2 deleted', 'Z1/10 deleted']);
    const ttl = await redis.ttl(`${prefix}:ptr-backup:p-1`);
    expect(ttl).toBeGreaterThan(BACKUP_TTL_SECONDS - 60);
    expect(await backups.load('p-unknown')).toEqual([]);
  });

  it("a run's store keeps its records under the kind context's prefix", async () => {
    const backups = backupsOf({ redis, redisPrefix: prefix });
    await backups.save('p-2', batch('Z1/0', 'pending'));
    expect(await backups.load('p-2')).toEqual([batch('Z1/0', 'pending')]);
    expect(await new RedisRecordBackups(redis, prefix).load('p-2')).toHaveLength(1);
  });
});
