/**
 * Ack latency of `/deckhand` under 200 concurrent signed slash commands, side by side with a bare
 * Bolt app that only acks the same command. The deckhand command plans a kind whose observation
 * takes 300 ms: if anything slow ran before ack(), deckhand's p99 would show it.
 * Target: deckhand p99 <= 1.2 x the bare app's p99 (the machine is shared: only the ratio is stable).
 */
import { App, HTTPReceiver } from '@slack/bolt';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { createBotApp } from '../src/bot/app.js';
import { loadConfig } from '../src/config.js';
import type { Clients } from '../src/integrations/clients.js';
import { systemClock } from '../src/integrations/clock.js';
import { createRedis } from '../src/integrations/redis/connections.js';
import { createStores } from '../src/integrations/redis/stores.js';
import type { JobKind } from '../src/jobs/kind.js';
import { createRunQueue } from '../src/jobs/queues.js';
import { createRegistry } from '../src/jobs/registry.js';
import { createLogger } from '../src/logger.js';
import { slashCommand } from '../sandbox/src/slack/signed-client.js';
import { startSlackStandIn } from '../sandbox/src/slack/web-api.js';

const CONCURRENCY = 200;
const ROUNDS = 3;
const OBSERVE_MS = 300;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A kind that is slow to observe, like a real one reading AWS. */
const slowKind: JobKind = {
  command: { subcommand: 'probe', summary: 'bench probe', usage: '/deckhand probe <name>', example: '/deckhand probe a', flags: [] },
  mutating: true,
  settingsSchema: z.object({}).strict(),
  parseArgs: (raw) => ({ name: raw.positionals[0] ?? 'a' }),
  isDryRun: () => false,
  target: (args: { name: string }) => `probe/${args.name}`,
  observe: () => new Promise((resolve) => setTimeout(() => resolve({ v: 1 }), OBSERVE_MS)),
  fingerprint: () => 'v1',
  plan: () => ({ kind: 'plan', plan: {}, empty: false }),
  renderPlan: () => ({ summary: 'probe', blocks: [] }),
  initialState: () => ({}),
  steps: () => [],
  summarize: () => 'done',
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function fire(url: string, secret: string): Promise<number[]> {
  const results = await Promise.all(
    // One command per channel: 200 plan cards in one channel would be Slack's posting limit's business, not ack's.
    Array.from({ length: CONCURRENCY }, (_, i) => slashCommand(url, secret, { text: `probe n${i}`, user: 'U0BENCH', channel: `C0BENCH${i}` })),
  );
  const failed = results.filter((r) => r.status !== 200);
  if (failed.length) throw new Error(`${failed.length} requests failed (first: ${failed[0]!.status} ${failed[0]!.body})`);
  return results.map((r) => r.elapsedMs);
}

export async function run(): Promise<void> {
  const slack = await startSlackStandIn();
  const secret = randomBytes(16).toString('hex');
  const prefix = `dh-bench-${process.pid}`;
  const kinds = createRegistry([slowKind]);
  const config = loadConfig(
    { SLACK_BOT_TOKEN: slack.tokens.bot, SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.url, PORT: '0', DECKHAND_REDIS_PREFIX: prefix, LOG_LEVEL: 'silent' },
    { kinds },
  );
  const log = createLogger('silent');
  const redis = createRedis(REDIS_URL, 'general');
  const queueConnection = createRedis(REDIS_URL, 'queue');
  const workerConnection = createRedis(REDIS_URL, 'worker');
  const deckhand = createBotApp({
    config, log, redis, kinds, reports: new Map(), clock: systemClock, clients: {} as Clients,
    ...createStores(redis, prefix, log), queue: createRunQueue(queueConnection, prefix), workerConnection,
  });
  const deckhandUrl = `http://127.0.0.1:${await deckhand.start()}`;

  const bareReceiver = new HTTPReceiver({ signingSecret: secret, endpoints: '/slack/events' });
  const bare = new App({ token: slack.tokens.bot, receiver: bareReceiver, clientOptions: { slackApiUrl: slack.url } });
  bare.command('/deckhand', async ({ ack }) => ack());
  const bareServer = (await bare.start(0)) as Server;
  const bareUrl = `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}`;

  // Warm up both (JIT, keep-alive, Bolt's lazy auth.test).
  await fire(bareUrl, secret);
  await fire(deckhandUrl, secret);
  await new Promise((r) => setTimeout(r, OBSERVE_MS * 3));

  const samples = { deckhand: [] as number[], bare: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order so neither app always runs on a warmer machine.
    const order = round % 2 === 0 ? (['bare', 'deckhand'] as const) : (['deckhand', 'bare'] as const);
    for (const name of order) {
      samples[name].push(...(await fire(name === 'bare' ? bareUrl : deckhandUrl, secret)));
      await new Promise((r) => setTimeout(r, OBSERVE_MS * 3));
    }
  }

  const stats = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  };
  const d = stats(samples.deckhand);
  const b = stats(samples.bare);
  const ratio = d.p99 / b.p99;
  console.log(`${ROUNDS} rounds x ${CONCURRENCY} concurrent signed slash commands (deckhand's command observes for ${OBSERVE_MS} ms after ack)`);
  console.log(`bare Bolt app   ack p50 ${b.p50.toFixed(1)} ms   p99 ${b.p99.toFixed(1)} ms`);
  console.log(`deckhand        ack p50 ${d.p50.toFixed(1)} ms   p99 ${d.p99.toFixed(1)} ms`);
  console.log(`p99 ratio deckhand/bare: ${ratio.toFixed(2)}x (target <= 1.20x) ${ratio <= 1.2 ? 'OK' : 'ABOVE TARGET'}`);

  await deckhand.stop();
  await bare.stop();
  const plans = await redis.keys(`${prefix}:*`);
  for (let i = 0; i < plans.length; i += 500) await redis.del(...plans.slice(i, i + 500));
  await redis.quit();
  await queueConnection.quit();
  await workerConnection.quit();
  await slack.stop();
}
