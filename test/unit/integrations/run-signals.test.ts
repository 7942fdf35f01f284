import { createRedis, type RedisClient } from '../../../src/integrations/redis/connections.js';
import { RunSignals } from '../../../src/integrations/redis/run-signals.js';
import { deleteKeys, keysMatching, uniquePrefix } from '../../helpers/redis-prefix.js';
import { REDIS_TOPOLOGIES, startRedisTopology, type RedisTopology } from '../../helpers/redis-topology.js';

describe.each(REDIS_TOPOLOGIES)('RunSignals on %s Redis', (topologyName) => {
  let topology: RedisTopology;
  let redis: RedisClient;
  let prefix: string;
  let signals: RunSignals;

  beforeAll(async () => {
    topology = await startRedisTopology(topologyName);
    redis = createRedis(topology.connection, 'general');
  });
  beforeEach(() => {
    prefix = uniquePrefix('signals');
    signals = new RunSignals(redis, prefix);
  });
  afterEach(async () => deleteKeys(redis, prefix));
  afterAll(async () => {
    await redis.quit();
    await topology.stop();
  });

  it('reports who cancelled first', async () => {
    expect(await signals.cancelRequested('p-1')).toBeUndefined();
    await signals.requestCancel('p-1', 'U1');
    await signals.requestCancel('p-1', 'U2');
    expect(await signals.cancelRequested('p-1')).toBe('U1');
    expect(await signals.cancelRequested('p-2')).toBeUndefined();
  });

  it('pauses and resumes', async () => {
    expect(await signals.isPaused('p-1')).toBe(false);
    await signals.setPaused('p-1', true, 'U1');
    expect(await signals.isPaused('p-1')).toBe(true);
    await signals.setPaused('p-1', false, 'U1');
    expect(await signals.isPaused('p-1')).toBe(false);
  });

  it('keeps only the first answer to a question', async () => {
    const results = await Promise.all([signals.answer('p-1', 'q1', 'wait', 'U1'), signals.answer('p-1', 'q1', 'skip', 'U2')]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const answer = await signals.getAnswer('p-1', 'q1');
    expect(answer).toEqual(results[0] ? { choice: 'wait', by: 'U1' } : { choice: 'skip', by: 'U2' });
    expect(await signals.getAnswer('p-1', 'q2')).toBeUndefined();
  });

  it('keeps signals until the run ends, then forgets them (no expiry: a pause outlasts a day)', async () => {
    await signals.requestCancel('p-1', 'U1');
    await signals.setPaused('p-1', true, 'U1');
    await signals.answer('p-1', 'q1', 'wait', 'U1');
    const keys = await keysMatching(redis, `${prefix}:run:p-1:*`);
    expect(keys).toHaveLength(3);
    for (const key of keys) expect(await redis.pttl(key)).toBe(-1);
    await signals.forget('p-1');
    expect(await keysMatching(redis, `${prefix}:run:p-1:*`)).toEqual([]);
    expect(await signals.isPaused('p-1')).toBe(false);
  });
});
