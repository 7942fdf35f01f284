/**
 * The process surface: /healthz on the Bolt HTTP receiver, a bad config stopping the process with
 * one line per problem, and `deckhand all` shutting down cleanly on SIGTERM.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { startHealthServer } from '../../../src/bot/app.js';
import { startSlackStandIn } from '../../../sandbox/src/slack/web-api.js';
import { createRedis } from '../../../src/integrations/redis/connections.js';
import { deleteKeys, uniquePrefix } from '../../helpers/redis-prefix.js';
import { REDIS_TOPOLOGIES, startRedisTopology, topologyEnv } from '../../helpers/redis-topology.js';
import { startFoundation } from '../../helpers/foundation-harness.js';
import { runMain } from '../../helpers/main-process.js';

describe('foundation: process', () => {
  it('GET /healthz answers 200 on the Bolt HTTP port while Redis answers', async () => {
    const h = await startFoundation({ kinds: [] });
    try {
      const response = await fetch(`${h.botUrl}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true, redis: 'up' });
    } finally {
      await h.stop();
    }
  });

  it('GET /healthz answers 503 when Redis does not answer', async () => {
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    const server = await startHealthServer(0, dead);
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`);
      expect(response.status).toBe(503);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      dead.disconnect();
    }
  });

  it('a bad configuration stops the process with one line per problem and exit code 1', async () => {
    const { child, err } = runMain(['bot'], { PATH: process.env.PATH, PORT: 'eighty', LOG_LEVEL: 'chatty' });
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(1);
    const lines = err().trim().split('\n');
    expect(lines[0]).toBe('deckhand: invalid configuration');
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^ {2}- SLACK_BOT_TOKEN: is required/),
      expect.stringMatching(/^ {2}- PORT: must be a port number/),
      expect.stringMatching(/^ {2}- LOG_LEVEL: must be one of/),
      expect.stringMatching(/^ {2}- SLACK_SIGNING_SECRET: is required/),
    ]);
  });

  it.each(REDIS_TOPOLOGIES)('`deckhand all` on %s Redis serves /healthz, never logs tokens or Redis passwords, and exits 0 on SIGTERM', async (topologyName) => {
    const topology = await startRedisTopology(topologyName);
    const slack = await startSlackStandIn({ tokens: { bot: 'xoxb-very-secret', app: 'xapp-very-secret' } });
    const prefix = uniquePrefix('main');
    const redis = createRedis(topology.connection, 'general');
    const { child, out, err } = runMain(['all'], {
      PATH: process.env.PATH,
      SLACK_BOT_TOKEN: slack.tokens.bot,
      SLACK_SIGNING_SECRET: 'signing-very-secret',
      SLACK_API_URL: slack.url,
      ...topologyEnv(topology),
      PORT: '0',
      DECKHAND_REDIS_PREFIX: prefix,
    });
    try {
      const port = await slack.waitFor(() => Number(/"port":(\d+),"socketMode":false,"msg":"bot listening"/.exec(out())?.[1]) || undefined, 20_000, 'the bot to listen');
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      await slack.waitFor(() => out().includes('workers started'), 10_000, 'the workers to start');
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number];
      expect(code).toBe(0);
      expect(out()).toContain('"msg":"stopped"');
      expect(out() + err()).not.toMatch(/very-secret|pw-secret/);
      // Connected, and Redis is as BullMQ needs it: no eviction warning, no Redis error.
      expect(out()).not.toMatch(/maxmemory-policy|"source":"redis/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await deleteKeys(redis, prefix);
      await redis.quit();
      await slack.stop();
      await topology.stop();
    }
  });
});
