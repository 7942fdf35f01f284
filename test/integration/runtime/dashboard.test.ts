/**
 * Issue 12, the job dashboard (bull-board) at /admin/queues: off by default (404), behind basic auth when on
 * (401 without or with wrong credentials), read-only unless configured (mutating routes refused, the queue
 * untouched), and in read-write mode the same route really changes the queue. Over real HTTP: `deckhand all` in
 * its own process, the bot's HTTP port in the harness, and the bare health server.
 */
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { startHealthServer } from '../../../src/bot/app.js';
import { opsRoutes } from '../../../src/bot/ops-routes.js';
import { createRedis } from '../../../src/integrations/redis/connections.js';
import { createRunQueue, RUN_QUEUE } from '../../../src/jobs/queues.js';
import { startSlackStandIn } from '../../../sandbox/src/slack/web-api.js';
import { startFoundation } from '../../helpers/foundation-harness.js';
import { runMain } from '../../helpers/main-process.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from '../../helpers/redis-prefix.js';

const PASSWORD = 'correct horse battery staple';
const PASSWORD_SHA256 = createHash('sha256').update(PASSWORD).digest('hex');
const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
const PAUSE = `/admin/queues/api/queues/${RUN_QUEUE}/pause`;

describe('dashboard: off by default', () => {
  it('answers 404 at /admin/queues on the bot port when not configured', async () => {
    const h = await startFoundation({ kinds: [] });
    try {
      expect((await fetch(`${h.botUrl}/admin/queues`)).status).toBe(404);
      expect((await fetch(`${h.botUrl}/admin/queues/api/queues`, { headers: basic('deckhand', PASSWORD) })).status).toBe(404);
    } finally {
      await h.stop();
    }
  });
});

describe('dashboard: read-only in a real `deckhand all` process', () => {
  const prefix = uniquePrefix('dash');
  const redis = new Redis(REDIS_URL);
  let stopSlack: () => Promise<void>;
  let main: ReturnType<typeof runMain>;
  let base: string;

  beforeAll(async () => {
    const slack = await startSlackStandIn();
    stopSlack = slack.stop;
    main = runMain(['all'], {
      PATH: process.env.PATH,
      SLACK_BOT_TOKEN: slack.tokens.bot,
      SLACK_SIGNING_SECRET: 'test-signing-secret',
      SLACK_API_URL: slack.url,
      REDIS_URL,
      PORT: '0',
      DECKHAND_REDIS_PREFIX: prefix,
      DECKHAND_DASHBOARD: 'read-only',
      DECKHAND_DASHBOARD_USER: 'ops',
      DECKHAND_DASHBOARD_PASSWORD_SHA256: PASSWORD_SHA256,
    });
    const port = await slack.waitFor(() => Number(/"port":(\d+),"socketMode":false,"msg":"bot listening"/.exec(main.out())?.[1]) || undefined, 50_000, 'the bot to listen');
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    main.child.kill('SIGKILL');
    await deleteKeys(redis, prefix);
    await redis.quit();
    await stopSlack();
  });

  it('asks for credentials, and refuses wrong ones', async () => {
    const anonymous = await fetch(`${base}/admin/queues`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm="deckhand"/);
    expect((await fetch(`${base}/admin/queues`, { headers: basic('ops', 'wrong') })).status).toBe(401);
    expect((await fetch(`${base}/admin/queues`, { headers: basic('deckhand', PASSWORD) })).status).toBe(401);
  });

  it('shows the run queue with the right credentials', async () => {
    const page = await fetch(`${base}/admin/queues`, { headers: basic('ops', PASSWORD) });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    const api = await fetch(`${base}/admin/queues/api/queues`, { headers: basic('ops', PASSWORD) });
    expect(api.status).toBe(200);
    const body = (await api.json()) as { queues: { name: string; readOnlyMode: boolean }[] };
    expect(body.queues).toEqual([expect.objectContaining({ name: RUN_QUEUE, readOnlyMode: true })]);
  });

  it('refuses every mutating route and leaves the queue as it was', async () => {
    for (const path of [PAUSE, '/admin/queues/api/queues/pause']) {
      const response = await fetch(`${base}${path}`, { method: 'PUT', headers: basic('ops', PASSWORD) });
      expect([path, response.status]).toEqual([path, 405]);
    }
    const response = await fetch(`${base}/admin/queues/api/queues/${RUN_QUEUE}/clean/failed`, { method: 'PUT', headers: basic('ops', PASSWORD) });
    expect(response.status).toBe(405);
    const connection = createRedis(REDIS_URL, 'queue');
    const queue = createRunQueue(connection, prefix);
    try {
      expect(await queue.isPaused()).toBe(false);
    } finally {
      await queue.close();
      await connection.quit();
    }
  });
});

describe('dashboard: read-write when configured', () => {
  it('lets the same route pause the queue', async () => {
    const prefix = uniquePrefix('dash-rw');
    const connection = createRedis(REDIS_URL, 'queue');
    const queue = createRunQueue(connection, prefix);
    const server: Server = await startHealthServer(0, connection, opsRoutes({ dashboard: { mode: 'read-write', user: 'ops', passwordSha256: PASSWORD_SHA256 }, queue }));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${base}${PAUSE}`, { method: 'PUT' })).status).toBe(401);
      expect(await queue.isPaused()).toBe(false);
      const response = await fetch(`${base}${PAUSE}`, { method: 'PUT', headers: basic('ops', PASSWORD) });
      expect(response.status).toBe(200);
      expect(await queue.isPaused()).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await queue.close();
      await deleteKeys(connection, prefix);
      await connection.quit();
    }
  });
});
