#!/usr/bin/env node
/**
 * Composition root: `deckhand bot | worker | all | sandbox`. Everything is constructed here once
 * and injected. SIGTERM/SIGINT: stop taking commands, close workers (running steps checkpoint),
 * close queues and Redis, exit 0.
 */
import type { Server } from 'node:http';
import { ConfigError, loadConfig, redact } from './config.js';
import { createBotApp, startHealthServer, type BotApp } from './bot/app.js';
import { createClients } from './integrations/clients.js';
import { systemClock } from './integrations/clock.js';
import { AuditLog } from './integrations/redis/audit.js';
import { createRedis } from './integrations/redis/connections.js';
import { TargetLocks } from './integrations/redis/locks.js';
import { PlanStore } from './integrations/redis/plan-store.js';
import { RunSignals } from './integrations/redis/run-signals.js';
import { SlackOutbox } from './integrations/slack/outbox.js';
import { createRunQueue } from './jobs/queues.js';
import { createRegistry } from './jobs/registry.js';
import { startWorkers } from './jobs/worker.js';
import { createLogger } from './logger.js';

type Mode = 'bot' | 'worker' | 'all';
const MODES = ['bot', 'worker', 'all', 'sandbox'];
/** worker.close() waits for active steps with no timeout of its own (FACTS.md): bound it. */
const SHUTDOWN_TIMEOUT_MS = 60_000;

async function runSandbox(args: string[]): Promise<void> {
  // Loaded only on demand: the sandbox is never part of a production process.
  const specifier = './sandbox/cli.js';
  const cli = (await import(specifier)) as { main?: (args: string[]) => Promise<void> };
  await cli.main?.(args);
}

async function run(mode: Mode): Promise<void> {
  const kinds = createRegistry();
  const config = loadConfig(process.env, { kinds, needsSigningSecret: mode !== 'worker' });
  const log = createLogger(config.logLevel);
  log.info({ mode, config: redact(config), kinds: [...kinds.keys()] }, 'deckhand starting');

  const redis = createRedis(config.redisUrl, 'general');
  const queueConnection = createRedis(config.redisUrl, 'queue');
  const workerConnection = mode === 'bot' ? undefined : createRedis(config.redisUrl, 'worker');
  const prefix = config.redisPrefix;
  const plans = new PlanStore(redis, prefix);
  const locks = new TargetLocks(redis, prefix);
  const signals = new RunSignals(redis, prefix);
  const audit = new AuditLog(redis, prefix, log);
  const queue = createRunQueue(queueConnection, prefix);
  const clients = createClients();

  let bot: BotApp | undefined;
  let healthServer: Server | undefined;
  let workers: { close(): Promise<void> } | undefined;
  let outbox: SlackOutbox | undefined;

  if (mode !== 'worker') {
    bot = createBotApp({ config, log, redis, plans, locks, signals, audit, queue, kinds, clients, clock: systemClock });
    const port = await bot.start();
    log.info({ port, socketMode: Boolean(config.slack.appToken) }, 'bot listening');
  }
  if (workerConnection) {
    outbox = new SlackOutbox({ token: config.slack.botToken, ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}), log });
    workers = await startWorkers({
      connection: workerConnection,
      prefix,
      kinds,
      clients,
      clock: systemClock,
      log,
      outbox,
      plans,
      locks,
      signals,
      audit,
      settingsFor: (kind: string) => config.policy.commands[kind]?.settings,
    });
    if (mode === 'worker') healthServer = await startHealthServer(config.port, redis);
    log.info({ kinds: [...kinds.keys()] }, 'workers started');
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown timed out; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    force.unref();
    try {
      await bot?.stop();
      await workers?.close();
      await queue.close();
      if (outbox) {
        await outbox.flush();
        await outbox.close();
      }
      if (healthServer) await new Promise<void>((resolve) => healthServer!.close(() => resolve()));
      await Promise.all([redis, queueConnection, workerConnection].map((c) => c?.quit().catch(() => undefined)));
      log.info('stopped');
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

async function main(argv: string[]): Promise<void> {
  const mode = argv[0] ?? 'all';
  if (!MODES.includes(mode)) {
    console.error(`usage: deckhand <${MODES.join(' | ')}>  (got "${mode}")`);
    process.exit(2);
  }
  if (mode === 'sandbox') return runSandbox(argv.slice(1));
  try {
    await run(mode as Mode);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error('deckhand: invalid configuration');
      for (const problem of err.problems) console.error(`  - ${problem}`);
      process.exit(1);
    }
    throw err;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error('deckhand failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
