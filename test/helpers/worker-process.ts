/**
 * A deckhand worker in its own process, so a test can SIGKILL it mid-run (spawned by worker-child.ts).
 * Env: REDIS_URL, SLACK_API_URL, SLACK_BOT_TOKEN, DECKHAND_REDIS_PREFIX; WORKER_KINDS (comma-separated
 * subcommands: `fixture` or product kinds), LOCK_DURATION_MS (default 1000; `product` keeps the product's lock and stall settings), OUTBOX_MIN_INTERVAL_MS
 * (the outbox's per-channel pace, default 5).
 * With DECKHAND_SANDBOX_CONTROL_URL (the sandbox's env) the clock follows the sandbox's and the clients come
 * from the production composition with the worker's identity (AWS_ENDPOINT_URL_<SERVICE>, DECKHAND_WORKER_AWS_PROFILE,
 * DECKHAND_WORKER_KUBECONFIG, AWS_MAX_ATTEMPTS); without it the
 * clock is a VirtualClock at CLOCK_SPEED (default 10) and there are no clients. Prints "ready".
 */
import { clientsForRole, type Clients } from '../../src/integrations/clients.js';
import { createRedis } from '../../src/integrations/redis/connections.js';
import { AuditLog } from '../../src/integrations/redis/audit.js';
import { TargetLocks } from '../../src/integrations/redis/locks.js';
import { PlanStore } from '../../src/integrations/redis/plan-store.js';
import { RunSignals } from '../../src/integrations/redis/run-signals.js';
import { SlackOutbox } from '../../src/integrations/slack/outbox.js';
import { createRegistry, PRODUCT_KINDS } from '../../src/jobs/registry.js';
import { startWorkers } from '../../src/jobs/worker.js';
import { createLogger } from '../../src/logger.js';
import { VirtualClock } from '../../sandbox/src/clock.js';
import { followSandboxClock } from '../../sandbox/src/remote-clock.js';
import { createFixtureKind } from './fixture-kind.js';
import { TEST_POST_INTERVAL_MS } from './slack-pace.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const prefix = env('DECKHAND_REDIS_PREFIX');
const redisUrl = env('REDIS_URL');
const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
const redis = createRedis(redisUrl, 'general');
const kinds = createRegistry(
  env('WORKER_KINDS')
    .split(',')
    .map((name) => {
      const kind = name === 'fixture' ? createFixtureKind(redis, prefix) : PRODUCT_KINDS.find((k) => k.command.subcommand === name);
      if (!kind) throw new Error(`unknown kind ${name}`);
      return kind;
    }),
);
const sandboxControl = process.env.DECKHAND_SANDBOX_CONTROL_URL;
const productStallSettings = process.env.LOCK_DURATION_MS === 'product';
const lockDuration = Number(productStallSettings ? 0 : (process.env.LOCK_DURATION_MS ?? 1000));
const outbox = new SlackOutbox({ token: env('SLACK_BOT_TOKEN'), slackApiUrl: env('SLACK_API_URL'), redis, prefix, minIntervalPerChannelMs: Number(process.env.OUTBOX_MIN_INTERVAL_MS ?? TEST_POST_INTERVAL_MS), cardUpdateIntervalMs: 50, log });

const clock = sandboxControl ? await followSandboxClock(sandboxControl) : new VirtualClock(Date.now(), Number(process.env.CLOCK_SPEED ?? 10));

await startWorkers({
  connection: createRedis(redisUrl, 'worker'),
  prefix,
  kinds,
  // Built as the product builds them: the SDK's retry backoff sleeps on the jobs' clock.
  clients: sandboxControl
    ? clientsForRole('worker', process.env, { maxAttempts: Number(process.env.AWS_MAX_ATTEMPTS ?? 8), clock })
    : ({} as Clients),
  clock,
  log,
  outbox,
  plans: new PlanStore(redis, prefix),
  locks: new TargetLocks(redis, prefix),
  signals: new RunSignals(redis, prefix),
  audit: new AuditLog(redis, prefix, log),
  // No policy file: every kind runs with its defaults, parsed as the config would parse an absent block.
  settingsFor: (kind) => kinds.get(kind)?.settingsSchema.parse({}),
  workerOptions: productStallSettings ? {} : { lockDuration, stalledInterval: lockDuration / 2 },
});
process.stdout.write('ready\n');
