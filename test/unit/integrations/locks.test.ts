import { createRedis, type RedisClient } from '../../../src/integrations/redis/connections.js';
import { TargetLocks } from '../../../src/integrations/redis/locks.js';
import { deleteKeys, uniquePrefix } from '../../helpers/redis-prefix.js';
import { REDIS_TOPOLOGIES, startRedisTopology, type RedisTopology } from '../../helpers/redis-topology.js';

describe.each(REDIS_TOPOLOGIES)('TargetLocks on %s Redis', (topologyName) => {
  let topology: RedisTopology;
  let redis: RedisClient;
  let prefix: string;
  let locks: TargetLocks;
  const alice = { token: 'p-aaa', description: 'plan p-aaa by <@UALICE>' };
  const bob = { token: 'p-bbb', description: 'plan p-bbb by <@UBOB>' };

  beforeAll(async () => {
    topology = await startRedisTopology(topologyName);
    redis = createRedis(topology.connection, 'general');
  });
  beforeEach(() => {
    prefix = uniquePrefix('locks');
    locks = new TargetLocks(redis, prefix);
  });
  afterEach(async () => deleteKeys(redis, prefix));
  afterAll(async () => {
    await redis.quit();
    await topology.stop();
  });

  it('lets one holder in and names it to everyone else', async () => {
    expect(await locks.acquire('asg/prod', alice, 60_000)).toEqual({ ok: true });
    expect(await locks.acquire('asg/prod', bob, 60_000)).toEqual({ ok: false, heldBy: 'plan p-aaa by <@UALICE>' });
    expect(await locks.holder('asg/prod')).toBe('plan p-aaa by <@UALICE>');
    expect(await locks.acquire('asg/other', bob, 60_000)).toEqual({ ok: true });
  });

  it('gives exactly one of many concurrent contenders the lock', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => locks.acquire('pvc/data', { token: `p-${i}`, description: `plan p-${i}` }, 60_000)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });

  it('re-acquiring with the same token succeeds (a resumed run)', async () => {
    await locks.acquire('asg/prod', alice, 60_000);
    expect(await locks.acquire('asg/prod', alice, 60_000)).toEqual({ ok: true });
  });

  it('releases and extends only for the owner token', async () => {
    await locks.acquire('asg/prod', alice, 60_000);
    expect(await locks.release('asg/prod', bob.token)).toBe(false);
    expect(await locks.extend('asg/prod', bob.token, 120_000)).toBe(false);
    // A token that is a prefix of the owner's must not match either.
    expect(await locks.release('asg/prod', 'p-aa')).toBe(false);
    expect(await locks.extend('asg/prod', alice.token, 120_000)).toBe(true);
    expect(await redis.pttl(`${prefix}:lock:asg/prod`)).toBeGreaterThan(60_000);
    expect(await locks.release('asg/prod', alice.token)).toBe(true);
    expect(await locks.holder('asg/prod')).toBeUndefined();
    expect(await locks.acquire('asg/prod', bob, 60_000)).toEqual({ ok: true });
  });

  it('frees the target when the lease runs out', async () => {
    await locks.acquire('asg/prod', alice, 50);
    await new Promise((r) => setTimeout(r, 80));
    expect(await locks.acquire('asg/prod', bob, 60_000)).toEqual({ ok: true });
    expect(await locks.release('asg/prod', alice.token)).toBe(false);
  });
});
