/**
 * End-to-end harness for the foundation and every job kind's tests: the Slack stand-in as Slack,
 * the real Bolt HTTP receiver on an ephemeral port receiving signed requests, real Redis under a
 * unique prefix, and (optionally) real BullMQ workers. `stop()` closes everything it opened.
 */
import { randomBytes } from 'node:crypto';
import { createBotApp, type BotApp } from '../../src/bot/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Clients, Role } from '../../src/integrations/clients.js';
import { systemClock, type Clock } from '../../src/integrations/clock.js';
import type { Metrics } from '../../src/integrations/metrics.js';
import type { Tracing } from '../../src/integrations/tracing.js';
import { createRedis, type RedisClient } from '../../src/integrations/redis/connections.js';
import type { StoredPlan } from '../../src/integrations/redis/plan-store.js';
import { createStores, type Stores } from '../../src/integrations/redis/stores.js';
import { SlackOutbox } from '../../src/integrations/slack/outbox.js';
import { createRunQueue, type RunQueue } from '../../src/jobs/queues.js';
import { createRegistry } from '../../src/jobs/registry.js';
import type { JobKind } from '../../src/jobs/kind.js';
import { startWorkers } from '../../src/jobs/worker.js';
import { createLogger, type Logger } from '../../src/logger.js';
import type { ReportKind } from '../../src/reports/kind.js';
import { createReportRegistry, reportSettingsSchemas } from '../../src/reports/registry.js';
import { click, slashCommand, type SignOptions, type SignedResponse } from '../../sandbox/src/slack/signed-client.js';
import { startSocketModeServer, type SocketModeServer } from '../../sandbox/src/slack/socket-mode.js';
import { overSocketMode } from '../../sandbox/src/slack/to-bot.js';
import { startSlackStandIn, type SlackStandIn, type SlackStandInOptions, type StoredMessage } from '../../sandbox/src/slack/web-api.js';
import { createFixtureKind } from './fixture-kind.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from './redis-prefix.js';
import { postsPerChannelAt, TEST_POST_INTERVAL_MS } from './slack-pace.js';

export interface HarnessOptions extends SlackStandInOptions {
  /** Kinds, or a factory for kinds that keep test state in Redis under the harness's prefix. */
  kinds: JobKind[] | ((ctx: { redis: RedisClient; prefix: string }) => JobKind[]);
  /** Read-only reports offered next to the kinds; none by default. */
  reports?: ReportKind[];
  /** Contents of the policy file; omitted = no policy file (the safe default). */
  policyYaml?: string;
  clock?: Clock;
  /** Each role's clients (the bot's to observe, the worker's to run steps); kinds that need no SDK can leave it out. */
  clients?: Record<Role, Clients>;
  /** Start an in-process worker right away. */
  worker?: boolean;
  /** Outbox pacing; defaults are fast for tests, and the stand-in's post limit follows (slack-pace.ts). */
  outbox?: { minIntervalPerChannelMs?: number; cardUpdateIntervalMs?: number; retryBaseMs?: number };
  queueBackoffMs?: number;
  /** How often the bot expires undecided plans; default 200 ms here, `'product'` for the product's default. */
  expirySweepMs?: number | 'product';
  /** How Slack reaches the bot: signed HTTP requests (default) or Socket Mode envelopes. */
  transport?: Transport;
  /** One registry for the bot and the workers, as in `deckhand all`; the bot serves it at /metrics. */
  metrics?: Metrics;
  /** Traces for the run queue and the workers (src/integrations/tracing.ts). */
  tracing?: Tracing;
}

export type Transport = 'http' | 'socket';
export const TRANSPORTS: Transport[] = ['http', 'socket'];

export interface Harness extends Stores {
  slack: SlackStandIn;
  transport: Transport;
  /** Slack's Socket Mode side, when the transport is 'socket'. */
  socketMode?: SocketModeServer;
  botUrl: string;
  signingSecret: string;
  prefix: string;
  channel: string;
  config: Config;
  redis: RedisClient;
  queue: RunQueue;
  log: Logger;
  command(text: string, user: string, opts?: SignOptions & { channel?: string }): Promise<SignedResponse>;
  clickPlan(action: string, planId: string, user: string, opts?: SignOptions): Promise<SignedResponse>;
  click(action: string, value: unknown, user: string, messageTs: string, opts?: SignOptions & { channel?: string }): Promise<SignedResponse>;
  /** Waits for the channel's plan message (not ephemeral) for the newest stored plan. */
  /** `timeoutMs` (default 10 s) for observations that read a lot (e.g. thousands of records at Route 53's pace). */
  waitForPlan(channel?: string, timeoutMs?: number): Promise<StoredPlan>;
  /** Waits for the newest posted plan on `target` (other than `notId`). */
  waitForPlanFor(target: string, notId?: string): Promise<StoredPlan>;
  planMessage(plan: StoredPlan): StoredMessage;
  ephemeralsTo(user: string, channel?: string): StoredMessage[];
  waitForEphemeral(user: string, pattern: RegExp, channel?: string): Promise<StoredMessage>;
  waitForStatus(planId: string, statuses: StoredPlan['status'][], timeoutMs?: number): Promise<StoredPlan>;
  /** `extra` overrides startWorkers options (e.g. `workerOptions: { lockDuration }`). */
  startWorker(extra?: Record<string, unknown>): Promise<{ close(): Promise<void> }>;
  /** What a worker in another process needs to join this harness (see worker-child.ts). */
  workerEnv(): Record<string, string>;
  stop(): Promise<void>;
}

export const CHANNEL = 'C0OPS';
/** Who asks for plans and who approves them in most tests. */
export const REQUESTER = 'U0REQ';
export const APPROVER = 'U0APPROVER';

/** The policy most tests run under: anyone may run `kind`, only APPROVER approves it. */
export function approverPolicy(kind: string): string {
  return `commands:\n  ${kind}:\n    run: '*'\n    approve: ['${APPROVER}']\n`;
}

/** The foundation with only the fixture kind (test/helpers/fixture-kind.ts), keeping its state under the harness's prefix. */
export function startFixtureFoundation(opts: Omit<HarnessOptions, 'kinds'>): Promise<Harness> {
  return startFoundation({ kinds: ({ redis, prefix }) => [createFixtureKind(redis, prefix)], ...opts });
}

export async function startFoundation(opts: HarnessOptions): Promise<Harness> {
  const prefix = uniquePrefix('fdn');
  const signingSecret = randomBytes(16).toString('hex');
  const socketMode = opts.transport === 'socket' ? await startSocketModeServer() : undefined;
  const outboxPaceMs = opts.outbox?.minIntervalPerChannelMs ?? TEST_POST_INTERVAL_MS;
  const slack = await startSlackStandIn({ ...opts, postsPerChannel: opts.postsPerChannel ?? postsPerChannelAt(outboxPaceMs), socketMode });
  const redis = createRedis(REDIS_URL, 'general');
  const kinds = createRegistry(typeof opts.kinds === 'function' ? opts.kinds({ redis, prefix }) : opts.kinds);
  const env: NodeJS.ProcessEnv = {
    SLACK_BOT_TOKEN: slack.tokens.bot,
    // Socket Mode needs no signing secret: leaving it out proves it.
    ...(socketMode ? { SLACK_APP_TOKEN: slack.tokens.app } : { SLACK_SIGNING_SECRET: signingSecret }),
    SLACK_API_URL: slack.url,
    REDIS_URL,
    PORT: '0',
    DECKHAND_REDIS_PREFIX: prefix,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...(opts.policyYaml !== undefined ? { DECKHAND_CONFIG: 'policy.yml' } : {}),
  };
  const reports = createReportRegistry(opts.reports ?? [], kinds.keys());
  const config = loadConfig(env, { kinds, reports: reports.keys(), reportSettings: reportSettingsSchemas(reports), readFile: () => opts.policyYaml ?? '' });
  const log = createLogger(config.logLevel);
  const clock = opts.clock ?? systemClock;
  const noClients = {} as Clients;
  const queueConnection = createRedis(REDIS_URL, 'queue');
  const stores = createStores(redis, prefix, log);
  const { plans } = stores;
  const { tracing } = opts;
  const queue = createRunQueue(queueConnection, prefix, { backoffDelayMs: opts.queueBackoffMs ?? 50, ...(tracing ? { telemetry: tracing.telemetry } : {}) });
  const { metrics } = opts;
  metrics?.watchQueue(queue);
  const botConnection = createRedis(REDIS_URL, 'worker');
  const bot: BotApp = createBotApp({
    config, log, redis, ...stores, queue, kinds, reports, clients: opts.clients?.bot ?? noClients, clock, metrics,
    workerConnection: botConnection, ...(opts.expirySweepMs === 'product' ? {} : { expirySweepMs: opts.expirySweepMs ?? 200 }),
  });
  const port = await bot.start();
  const botUrl = `http://127.0.0.1:${port}`;
  await socketMode?.waitForConnections(1);

  // Over HTTP the tests also forge signatures and timestamps (SignOptions), so HTTP requests are sent here.
  const socket = socketMode ? overSocketMode(socketMode) : undefined;

  const closers: (() => Promise<unknown>)[] = [];
  const startWorker = async (extra: Record<string, unknown> = {}) => {
    const connection = createRedis(REDIS_URL, 'worker');
    const outbox = new SlackOutbox({
      token: config.slack.botToken,
      slackApiUrl: slack.url,
      redis: connection,
      prefix,
      minIntervalPerChannelMs: outboxPaceMs,
      cardUpdateIntervalMs: opts.outbox?.cardUpdateIntervalMs ?? 50,
      retryBaseMs: opts.outbox?.retryBaseMs ?? 20,
      log,
      metrics,
    });
    const workers = await startWorkers({
      connection, prefix, kinds, clients: opts.clients?.worker ?? noClients, clock, log, outbox, metrics, ...stores,
      ...(tracing ? { telemetry: tracing.telemetry, tracer: tracing.tracer } : {}),
      settingsFor: (kind: string) => config.policy.commands[kind]?.settings,
      ...extra,
    });
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await workers.close();
      await outbox.close();
      await connection.quit();
    };
    closers.push(close);
    return { close };
  };
  if (opts.worker) await startWorker();

  const pollPlan = async (channel: string, match: (plan: StoredPlan) => boolean, timeoutMs = 10_000): Promise<StoredPlan> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = (await plans.listByChannel(channel, 10)).find((p) => match(p) && p.messageTs);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('no matching plan message was posted');
  };
  const harness: Harness = {
    slack, botUrl, signingSecret, prefix, channel: CHANNEL, config, redis, ...stores, queue, log,
    transport: socketMode ? 'socket' : 'http',
    socketMode,
    command: (text, user, o = {}) => {
      const channel = o.channel ?? CHANNEL;
      const input = { text, user, channel };
      const sign = { responseUrl: slack.responseUrl(channel, user), ...o };
      return socket ? socket.command(input, sign.responseUrl) : slashCommand(botUrl, signingSecret, input, sign);
    },
    click: (action, value, user, messageTs, o = {}) => {
      const channel = o.channel ?? CHANNEL;
      const input = { actionId: action, value: JSON.stringify(value), user, channel, messageTs };
      const sign = { responseUrl: slack.responseUrl(channel, user), ...o };
      return socket ? socket.click(input, sign.responseUrl) : click(botUrl, signingSecret, input, sign);
    },
    clickPlan: async (action, planId, user, o = {}) => {
      const plan = await plans.get(planId);
      return harness.click(action, { planId }, user, plan?.messageTs ?? '0', o);
    },
    waitForPlan: (channel = CHANNEL, timeoutMs) => pollPlan(channel, () => true, timeoutMs),
    waitForPlanFor: (target, notId) => pollPlan(CHANNEL, (p) => p.target === target && p.id !== notId),
    planMessage: (plan) => {
      const message = slack.messages(plan.channel).find((m) => m.ts === plan.messageTs);
      if (!message) throw new Error(`no message for plan ${plan.id}`);
      return message;
    },
    ephemeralsTo: (user, channel = CHANNEL) => slack.messages(channel).filter((m) => m.ephemeralTo === user),
    waitForEphemeral: (user, pattern, channel = CHANNEL) =>
      slack.waitFor(() => harness.ephemeralsTo(user, channel).find((m) => pattern.test(m.text)), 10_000, `an ephemeral to ${user} matching ${pattern}`),
    waitForStatus: async (planId, statuses, timeoutMs = 15_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const plan = await plans.get(planId);
        if (plan && statuses.includes(plan.status)) return plan;
        if (Date.now() > deadline) throw new Error(`plan ${planId} is ${plan?.status}, expected ${statuses.join('|')}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    startWorker,
    workerEnv: () => ({ REDIS_URL, SLACK_API_URL: slack.url, SLACK_BOT_TOKEN: config.slack.botToken, DECKHAND_REDIS_PREFIX: prefix }),
    stop: async () => {
      await bot.stop();
      await botConnection.quit();
      for (const close of closers.reverse()) await close();
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      await deleteKeys(redis, prefix);
      await redis.quit();
      await queueConnection.quit();
      await slack.stop();
      await socketMode?.stop();
    },
  };
  return harness;
}
