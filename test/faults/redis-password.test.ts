/**
 * A Redis that rejects deckhand's password (issue 16 item 6): the real process never prints the password, at any
 * log level, through the bot's reconnects or the worker's failed start; the log says why it cannot connect.
 */
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { pollRedis, RedisProcess, withRedis } from '../../sandbox/src/cluster/redis/process.js';
import { runMain } from '../helpers/main-process.js';

const PASSWORD = 'the-right-one';
const WRONG = 'sup3r-secret-but-wrong';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('a Redis that rejects the password', () => {
  let redis: RedisProcess;
  let admin: Redis;

  beforeAll(async () => {
    const port = await freePort();
    redis = new RedisProcess(port, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    await redis.ready();
    await withRedis(port, (client) => client.config('SET', 'requirepass', PASSWORD));
    admin = new Redis({ port, host: '127.0.0.1', password: PASSWORD, commandTimeout: 2000 });
  });
  afterAll(async () => {
    admin.disconnect();
    await redis.stop();
  });

  /** Failed logins as deckhand, from Redis's ACL log (entries aggregate repeats in `count`). */
  const deniedAuths = async () => {
    const entries = (await admin.call('ACL', 'LOG')) as unknown[][];
    return entries
      .map((entry) => Object.fromEntries(Array.from({ length: entry.length / 2 }, (_, i) => [String(entry[2 * i]), entry[2 * i + 1]])))
      .filter((e) => e.reason === 'auth' && e.username === 'deckhand')
      .reduce((sum, e) => sum + Number(e.count), 0);
  };

  it.each([
    ['bot', 'fatal'],
    ['all', 'trace'],
  ])('deckhand %s at LOG_LEVEL=%s never prints it, through several reconnects', async (mode, level) => {
    await admin.call('ACL', 'LOG', 'RESET');
    const { child, out, err } = runMain([mode], {
      PATH: process.env.PATH,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
      SLACK_SIGNING_SECRET: 'signing-secret',
      REDIS_URL: `redis://deckhand:${WRONG}@127.0.0.1:${redis.port}`,
      PORT: '0',
      LOG_LEVEL: level,
      DECKHAND_REDIS_PREFIX: 'faults-redis-password',
      // A closed port: the bot's auth.test must not reach the real Slack.
      SLACK_API_URL: 'http://127.0.0.1:9/api/',
    });
    try {
      // The bot keeps reconnecting (every connection, deckhand's and BullMQ's, refused more than once); a worker
      // cannot sweep dead runs without Redis and stops with the reason.
      expect(await pollRedis(async () => child.exitCode !== null || (await deniedAuths()) >= 6, 60_000)).toBe(true);
      if (mode === 'all') expect(child.exitCode).toBe(1);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
    }
    expect(out() + err()).not.toContain(WRONG);
    if (level === 'trace') expect(out() + err()).toContain('WRONGPASS invalid username-password pair');
  }, 90_000);
});
