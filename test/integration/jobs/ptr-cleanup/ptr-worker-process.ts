/**
 * A deckhand worker in its own process running the registered ptr-cleanup kind (its records saved
 * through REDIS_URL / DECKHAND_REDIS_PREFIX, as in production), so a test can SIGKILL it mid-run.
 * Clients come from `createClients` (AWS_ENDPOINT_URL_<SERVICE>); the clock follows the sandbox's.
 * Env: REDIS_URL, SLACK_API_URL, SLACK_BOT_TOKEN, DECKHAND_REDIS_PREFIX, SANDBOX_CONTROL_URL,
 * KUBECONFIG_PATH (any valid kubeconfig: the kind does not use Kubernetes), AWS_ENDPOINT_URL_*. Prints "ready".
 */
import { createClients } from '../../../../src/integrations/clients.js';
import { AuditLog } from '../../../../src/integrations/redis/audit.js';
import { createRedis } from '../../../../src/integrations/redis/connections.js';
import { TargetLocks } from '../../../../src/integrations/redis/locks.js';
import { PlanStore } from '../../../../src/integrations/redis/plan-store.js';
import { RunSignals } from '../../../../src/integrations/redis/run-signals.js';
import { SlackOutbox } from '../../../../src/integrations/slack/outbox.js';
import { ptrCleanupKind } from '../../../../src/jobs/ptr-cleanup/index.js';
import { createRegistry } from '../../../../src/jobs/registry.js';
import { startWorkers } from '../../../../src/jobs/worker.js';
import { createLogger } from '../../../../src/logger.js';
import { followSandboxClock } from '../../../../src/sandbox/remote-clock.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const prefix = env('DECKHAND_REDIS_PREFIX');
const redisUrl = env('REDIS_URL');
const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
const redis = createRedis(redisUrl, 'general');
const outbox = new SlackOutbox({ token: env('SLACK_BOT_TOKEN'), slackApiUrl: env('SLACK_API_URL'), minIntervalPerChannelMs: 5, cardUpdateIntervalMs: 50, log });

await startWorkers({
  connection: createRedis(redisUrl, 'worker'),
  prefix,
  kinds: createRegistry([ptrCleanupKind]),
  clients: createClients({ region: 'us-east-1', maxAttempts: 8, kubeconfigPath: env('KUBECONFIG_PATH') }),
  clock: await followSandboxClock(env('SANDBOX_CONTROL_URL')),
  log,
  outbox,
  plans: new PlanStore(redis, prefix),
  locks: new TargetLocks(redis, prefix),
  signals: new RunSignals(redis, prefix),
  audit: new AuditLog(redis, prefix, log),
  settingsFor: () => undefined,
  workerOptions: { lockDuration: 1000, stalledInterval: 500 },
});
process.stdout.write('ready\n');
