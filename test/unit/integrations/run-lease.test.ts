/** The run lease and its fenced writes against a real Redis (src/integrations/redis/run-lease.ts, audit.ts). */
import { pino } from 'pino';
import { AuditLog } from '../../../src/integrations/redis/audit.js';
import { createRedis, type RedisClient } from '../../../src/integrations/redis/connections.js';
import { LeaseLost, RunLeases } from '../../../src/integrations/redis/run-lease.js';
import { deleteKeys, uniquePrefix } from '../../helpers/redis-prefix.js';
import { REDIS_TOPOLOGIES, startRedisTopology, type RedisTopology } from '../../helpers/redis-topology.js';

describe.each(REDIS_TOPOLOGIES)('RunLeases on %s Redis', (topologyName) => {
  let topology: RedisTopology;
  let redis: RedisClient;
  let prefix: string;
  let leases: RunLeases;
  let audit: AuditLog;

  beforeAll(async () => {
    topology = await startRedisTopology(topologyName);
    redis = createRedis(topology.connection, 'general');
  });
  beforeEach(() => {
    prefix = uniquePrefix('lease');
    leases = new RunLeases(redis, prefix);
    audit = new AuditLog(redis, prefix, pino({ level: 'silent' }));
  });
  afterEach(async () => deleteKeys(redis, prefix));
  afterAll(async () => {
    await redis.quit();
    await topology.stop();
  });

  const event = { actor: 'deckhand', action: 'fixture.step', target: 'fixture/x', planId: 'p-1' };

  it('gives one execution at a time the run, each with a larger fencing token than the one before', async () => {
    const first = await leases.acquire('p-1', 10_000);
    if (!first.ok) throw new Error('first acquire refused');
    const second = await leases.acquire('p-1', 10_000);
    expect(second.ok).toBe(false);
    if (!second.ok) expect(second.heldForMs).toBeGreaterThan(9_000);
    await leases.release(first.fence);
    const third = await leases.acquire('p-1', 10_000);
    if (!third.ok) throw new Error('acquire after release refused');
    expect(third.fence.token).toBeGreaterThan(first.fence.token);
  });

  it('renews only while the BullMQ job lock is still this worker’s', async () => {
    const lease = await leases.acquire('p-1', 10_000);
    if (!lease.ok) throw new Error('acquire refused');
    const jobLock = { key: `${prefix}:job:lock`, token: 'worker-a' };
    await redis.set(jobLock.key, 'worker-a');
    expect(await leases.renew(lease.fence, 10_000, jobLock)).toBe(true);
    await redis.set(jobLock.key, 'worker-b'); // BullMQ handed the job to another worker
    expect(await leases.renew(lease.fence, 10_000, jobLock)).toBe(false);
  });

  it('a stale execution writes neither an audit entry (so no mutation) nor a checkpoint once another took the run', async () => {
    const stale = await leases.acquire('p-1', 50);
    if (!stale.ok) throw new Error('acquire refused');
    expect(await audit.append(event, stale.fence)).toMatch(/^\d+-\d+$/);
    // Frozen past its lock: its lease lapses.
    while ((await redis.exists(stale.fence.key)) === 1) await new Promise((r) => setTimeout(r, 5));
    const current = await leases.acquire('p-1', 10_000);
    if (!current.ok) throw new Error('takeover refused');
    const jobKey = `${prefix}:job`;
    await redis.hset(jobKey, 'data', '{"planId":"p-1"}');

    await expect(audit.append(event, stale.fence)).rejects.toBeInstanceOf(LeaseLost);
    await expect(leases.writeJobData(stale.fence, jobKey, { planId: 'p-1', checkpoint: { done: ['stale'] } })).rejects.toBeInstanceOf(LeaseLost);
    expect(await redis.hget(jobKey, 'data')).toBe('{"planId":"p-1"}');

    await audit.append(event, current.fence);
    await leases.writeJobData(current.fence, jobKey, { planId: 'p-1', checkpoint: { done: ['step-1'] } });
    expect(JSON.parse((await redis.hget(jobKey, 'data'))!)).toEqual({ planId: 'p-1', checkpoint: { done: ['step-1'] } });
    expect((await audit.read(10)).map((e) => e.fence)).toEqual([stale.fence.token, current.fence.token]);
  });
});
