/**
 * A deckhand worker in its own process, running the fixture kind, so a test can SIGKILL it
 * mid-job. Env: REDIS_URL, SLACK_API_URL, SLACK_BOT_TOKEN, DECKHAND_REDIS_PREFIX, CLOCK_SPEED,
 * LOCK_DURATION_MS. Prints "ready" once it takes jobs.
 */
import { createRedis } from '../../src/integrations/redis/connections.js';
import { AuditLog } from '../../src/integrations/redis/audit.js';
import { TargetLocks } from '../../src/integrations/redis/locks.js';
import { PlanStore } from '../../src/integrations/redis/plan-store.js';
import { RunSignals } from '../../src/integrations/redis/run-signals.js';
import { SlackOutbox } from '../../src/integrations/slack/outbox.js';
import type { Clients } from '../../src/integrations/clients.js';
import { createRegistry } from '../../src/jobs/registry.js';
import { startWorkers } from '../../src/jobs/worker.js';
import { createLogger } from '../../src/logger.js';
import { VirtualClock } from '../../src/sandbox/clock.js';
import { createFixtureKind } from './fixture-kind.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const prefix = env('DECKHAND_REDIS_PREFIX');
const redisUrl = env('REDIS_URL');
const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
const redis = createRedis(redisUrl, 'general');
const kinds = createRegistry([createFixtureKind(redis, prefix)]);
const lockDuration = Number(process.env.LOCK_DURATION_MS ?? 1000);
const outbox = new SlackOutbox({ token: env('SLACK_BOT_TOKEN'), slackApiUrl: env('SLACK_API_URL'), minIntervalPerChannelMs: 5, cardUpdateIntervalMs: 50, log });

await startWorkers({
  connection: createRedis(redisUrl, 'worker'),
  prefix,
  kinds,
  clients: {} as Clients,
  clock: new VirtualClock(Date.now(), Number(process.env.CLOCK_SPEED ?? 10)),
  log,
  outbox,
  plans: new PlanStore(redis, prefix),
  locks: new TargetLocks(redis, prefix),
  signals: new RunSignals(redis, prefix),
  audit: new AuditLog(redis, prefix, log),
  settingsFor: () => undefined,
  workerOptions: { lockDuration, stalledInterval: lockDuration / 2 },
});
process.stdout.write('ready\n');
