/** The start-up check of Redis' eviction policy, against real redis-server processes. */
import { Cluster, Redis } from 'ioredis';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedis } from '../../../src/integrations/redis/connections.js';
import { evictionPolicyProblem } from '../../../src/integrations/redis/eviction-check.js';
import { legacyPrefixProblem } from '../../../src/integrations/redis/legacy-prefix.js';
import { startPrivateRedis, type PrivateRedis } from '../../../sandbox/src/private-redis.js';
import { REDIS_URL } from '../../helpers/redis-prefix.js';
import { startRedisTopology } from '../../helpers/redis-topology.js';

describe('evictionPolicyProblem', () => {
  let other: PrivateRedis | undefined;
  const clients: Redis[] = [];
  const connect = (url: string) => {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    clients.push(client);
    return client;
  };
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await other?.stop();
  });

  it('is silent on the noeviction Redis the suite runs on', async () => {
    expect(await evictionPolicyProblem(connect(REDIS_URL))).toBeUndefined();
  });

  it('names the wrong policy and the fix', async () => {
    other = await startPrivateRedis();
    const client = connect(other.url);
    await client.config('SET', 'maxmemory-policy', 'allkeys-lru');
    expect(await evictionPolicyProblem(client)).toMatch(/^Redis maxmemory-policy is allkeys-lru, but BullMQ needs noeviction: .*CONFIG SET maxmemory-policy noeviction/);
  });

  it('says it could not check when CONFIG is disabled, as on managed Redis', async () => {
    // A Unix socket in a fresh directory: no port to collide with anything else on the machine.
    const dir = mkdtempSync(join(tmpdir(), 'dh-noconfig-'));
    const path = join(dir, 'redis.sock');
    const child: ChildProcess = spawn('redis-server', ['--port', '0', '--unixsocket', path, '--save', '', '--rename-command', 'CONFIG', '""']);
    try {
      const client = new Redis({ path, lazyConnect: true, maxRetriesPerRequest: 1 });
      clients.push(client);
      for (let i = 0; i < 100 && (await client.ping().catch(() => '')) !== 'PONG'; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await evictionPolicyProblem(client)).toMatch(/^could not read Redis maxmemory-policy \(.*unknown command.*\): make sure it is noeviction/i);
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checks every primary of a Redis Cluster, not whichever node answers', async () => {
    const cluster = await startRedisTopology('cluster');
    const client = createRedis(cluster.connection, 'general');
    try {
      expect(await evictionPolicyProblem(client)).toBeUndefined();
      if (!(client instanceof Cluster)) throw new Error('not a cluster client');
      const primaries = client.nodes('master');
      expect(primaries).toHaveLength(3);
      await primaries[2]!.config('SET', 'maxmemory-policy', 'volatile-lru');
      expect(await evictionPolicyProblem(client)).toMatch(/^Redis maxmemory-policy is volatile-lru, but BullMQ needs noeviction/);
    } finally {
      client.disconnect();
      await cluster.stop();
    }
  });
});

describe('legacyPrefixProblem', () => {
  let redis: PrivateRedis | undefined;
  afterAll(async () => redis?.stop());

  it('says where the data of an installation under the old default prefix is, and how to keep it', async () => {
    redis = await startPrivateRedis();
    const client = new Redis(redis.url);
    try {
      expect(await legacyPrefixProblem(client, '{deckhand}')).toBeUndefined();
      await client.xadd('deckhand:audit', '*', 'action', 'run.started');
      expect(await legacyPrefixProblem(client, '{deckhand}')).toBe(
        'Redis holds deckhand data under the old prefix "deckhand" but the prefix is now "{deckhand}": set DECKHAND_REDIS_PREFIX=deckhand to keep using it (README "Redis")',
      );
    } finally {
      client.disconnect();
    }
  });
});
