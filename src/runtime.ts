/**
 * Builds and starts deckhand's processes from an environment: the bot (Bolt app), the workers, or both.
 * Everything is constructed here once and injected. `serve.ts` calls it for `deckhand bot|worker|all`;
 * the sandbox calls it with its virtual clock (the only thing it injects besides the environment).
 */
import type { Server } from 'node:http';
import { loadConfig, redact } from './config.js';
import { createBotApp, startHealthServer, type BotApp } from './bot/app.js';
import { opsRoutes } from './bot/ops-routes.js';
import { clientsForRole } from './integrations/clients.js';
import { systemClock, type Clock } from './integrations/clock.js';
import { createMetrics } from './integrations/metrics.js';
import { startTracing } from './integrations/tracing.js';
import { createRedis } from './integrations/redis/connections.js';
import { evictionPolicyProblem } from './integrations/redis/eviction-check.js';
import { legacyPrefixProblem } from './integrations/redis/legacy-prefix.js';
import { createStores } from './integrations/redis/stores.js';
import { SlackOutbox } from './integrations/slack/outbox.js';
import { createRunQueue } from './jobs/queues.js';
import { createRegistry } from './jobs/registry.js';
import { startWorkers } from './jobs/worker.js';
import { createLogger } from './logger.js';
import { createReportRegistry, PRODUCT_REPORTS, reportSettingsSchemas } from './reports/registry.js';

export type Mode = 'bot' | 'worker' | 'all';

export interface RunningDeckhand {
  /** The HTTP port serving /slack/events (bot), /healthz and /metrics. */
  port: number;
  /** Stop taking commands, let running steps checkpoint, close queues and Redis. */
  stop(): Promise<void>;
}

export async function startDeckhand(
  mode: Mode,
  options: { env?: NodeJS.ProcessEnv; clock?: Clock } = {},
): Promise<RunningDeckhand> {
  const env = options.env ?? process.env;
  const kinds = createRegistry();
  const reports = createReportRegistry(PRODUCT_REPORTS, kinds.keys());
  const config = loadConfig(env, { kinds, reports: reports.keys(), reportSettings: reportSettingsSchemas(reports), needsSigningSecret: mode !== 'worker' });
  const log = createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  log.info({ mode, config: redact(config), kinds: [...kinds.keys()] }, 'deckhand starting');

  const redis = createRedis(config.redis, 'general', log);
  // Not awaited: start-up must not wait for a Redis that is down (the health check reports that).
  void evictionPolicyProblem(redis).then((problem) => problem && log.warn(problem));
  if (!env.DECKHAND_REDIS_PREFIX) void legacyPrefixProblem(redis, config.redisPrefix).then((problem) => problem && log.error(problem), () => undefined);
  const queueConnection = createRedis(config.redis, 'queue', log);
  // Blocking BullMQ reads: the run worker's, and the periodic tasks' of bots and workers (src/jobs/periodic.ts).
  const workerConnection = createRedis(config.redis, 'worker', log);
  const prefix = config.redisPrefix;
  const stores = createStores(redis, prefix, log);
  // Only with an OTLP endpoint configured (README "Traces"); otherwise nothing is loaded.
  const tracing = await startTracing(env, mode === 'worker' ? 'deckhand-worker' : 'deckhand-bot');
  const telemetry = tracing?.telemetry;
  const queue = createRunQueue(queueConnection, prefix, { log, ...(telemetry ? { telemetry } : {}) });
  const metrics = createMetrics(clock);
  metrics.watchQueue(queue);

  let bot: BotApp | undefined;
  let healthServer: Server | undefined;
  let workers: { close(): Promise<void> } | undefined;
  let outbox: SlackOutbox | undefined;
  let port = config.port;

  if (mode !== 'worker') {
    // The bot observes and plans with its own, read-only identity (src/integrations/clients.ts).
    bot = createBotApp({ config, log, redis, ...stores, queue, kinds, reports, clients: clientsForRole('bot', env, { metrics, clock }), clock, workerConnection, metrics });
    port = await bot.start();
    log.info({ port, socketMode: Boolean(config.slack.appToken) }, 'bot listening');
  }
  if (mode !== 'bot') {
    outbox = new SlackOutbox({
      token: config.slack.botToken,
      redis,
      prefix,
      ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
      log,
      metrics,
    });
    workers = await startWorkers({
      connection: workerConnection,
      prefix,
      kinds,
      clients: clientsForRole('worker', env, { metrics, clock }),
      clock,
      log,
      outbox,
      metrics,
      ...(tracing ? { telemetry: tracing.telemetry, tracer: tracing.tracer } : {}),
      ...stores,
      settingsFor: (kind: string) => config.policy.commands[kind]?.settings,
    });
    if (mode === 'worker') healthServer = await startHealthServer(config.port, redis, opsRoutes({ metrics, dashboard: config.dashboard, queue }));
    log.info({ kinds: [...kinds.keys()] }, 'workers started');
  }

  return {
    port,
    async stop() {
      log.info('shutting down');
      await bot?.stop();
      await workers?.close();
      await queue.close();
      await outbox?.close();
      if (healthServer) await new Promise<void>((resolve) => healthServer!.close(() => resolve()));
      // Last, so the spans of the runs the workers just checkpointed are exported too.
      await tracing?.shutdown().catch((err: unknown) => log.warn({ err }, 'could not export the last traces'));
      await Promise.all([redis, queueConnection, workerConnection].map((c) => c.quit().catch(() => undefined)));
      log.info('stopped');
    },
  };
}
