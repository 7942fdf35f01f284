/**
 * A deckhand bot in its own process with the fixture kind (spawned by worker-child.ts's spawnBot), so a test can
 * run several bot replicas on one Redis. Env: REDIS_URL, SLACK_API_URL, SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET,
 * DECKHAND_REDIS_PREFIX, BOT_POLICY (the policy file's contents). Prints "listening <port>".
 */
import { createBotApp } from '../../src/bot/app.js';
import { loadConfig } from '../../src/config.js';
import type { Clients } from '../../src/integrations/clients.js';
import { systemClock } from '../../src/integrations/clock.js';
import { createRedis } from '../../src/integrations/redis/connections.js';
import { createStores } from '../../src/integrations/redis/stores.js';
import { createRunQueue } from '../../src/jobs/queues.js';
import { createRegistry } from '../../src/jobs/registry.js';
import { createLogger } from '../../src/logger.js';
import { createFixtureKind } from './fixture-kind.js';

const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', DECKHAND_CONFIG: 'policy.yml', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' };
const redisUrl = env.REDIS_URL!;
const prefix = env.DECKHAND_REDIS_PREFIX!;
const redis = createRedis(redisUrl, 'general');
const kinds = createRegistry([createFixtureKind(redis, prefix)]);
const config = loadConfig(env, { kinds, readFile: () => env.BOT_POLICY ?? '' });
const log = createLogger(config.logLevel);
const bot = createBotApp({
  config, log, redis, ...createStores(redis, prefix, log), kinds, reports: new Map(), clients: {} as Clients, clock: systemClock,
  queue: createRunQueue(createRedis(redisUrl, 'queue'), prefix, { backoffDelayMs: 50 }),
  workerConnection: createRedis(redisUrl, 'worker'),
  expirySweepMs: 200,
});
process.stdout.write(`listening ${await bot.start()}\n`);
