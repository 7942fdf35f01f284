/** The start-up check of Redis' eviction policy, against real redis-server processes. */
import { Redis } from 'ioredis';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evictionPolicyProblem } from '../../../src/integrations/redis/eviction-check.js';
import { startPrivateRedis, type PrivateRedis } from '../../../sandbox/src/private-redis.js';
import { REDIS_URL } from '../../helpers/redis-prefix.js';

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
});
