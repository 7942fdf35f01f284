import { pino } from 'pino';
import { Writable } from 'node:stream';
import { AuditLog } from '../../../src/integrations/redis/audit.js';
import { createRedis, type RedisClient } from '../../../src/integrations/redis/connections.js';
import { deleteKeys, uniquePrefix } from '../../helpers/redis-prefix.js';
import { REDIS_TOPOLOGIES, startRedisTopology, type RedisTopology } from '../../helpers/redis-topology.js';

describe.each(REDIS_TOPOLOGIES)('AuditLog on %s Redis', (topologyName) => {
  let topology: RedisTopology;
  let redis: RedisClient;
  let prefix: string;
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const log = pino({ level: 'info' }, sink);

  beforeAll(async () => {
    topology = await startRedisTopology(topologyName);
    redis = createRedis(topology.connection, 'general');
  });
  beforeEach(() => {
    prefix = uniquePrefix('audit');
    lines.length = 0;
  });
  afterEach(async () => deleteKeys(redis, prefix));
  afterAll(async () => {
    await redis.quit();
    await topology.stop();
  });

  it('appends to a stream and reads entries back oldest first', async () => {
    const audit = new AuditLog(redis, prefix, log);
    const first = await audit.append({ actor: 'U1', action: 'plan.created', target: 'asg/prod', planId: 'p-1' });
    await audit.append({ actor: 'U2', action: 'plan.approved', target: 'asg/prod', planId: 'p-1', jobId: 'p-1', details: { approvals: 1 } });
    await audit.append({ actor: 'worker', action: 'asg.terminate', target: 'asg/prod', planId: 'p-1', details: { instanceId: 'i-1' } });

    const entries = await audit.read(2);
    expect(entries.map((e) => e.action)).toEqual(['plan.approved', 'asg.terminate']);
    expect(entries[0]).toMatchObject({ actor: 'U2', target: 'asg/prod', planId: 'p-1', jobId: 'p-1', details: { approvals: 1 } });
    expect(entries[0]!.at).toBeGreaterThan(0);
    expect((await audit.read(10))[0]!.id).toBe(first);
  });

  it('logs every entry with structured fields', async () => {
    const audit = new AuditLog(redis, prefix, log);
    await audit.append({ actor: 'U1', action: 'plan.cancelled', target: 'pvc/x', planId: 'p-9' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ component: 'audit', actor: 'U1', action: 'plan.cancelled', planId: 'p-9', target: 'pvc/x' });
  });
});
