/**
 * The sandbox as job-kind tests use it: `startSandbox()` (simulated AWS, EKS cluster, Slack stand-in,
 * control server) with one set of real SDK clients and a kind context whose Redis prefix is this test's own.
 */
import type { Redis } from 'ioredis';
import type { Clients } from '../../src/integrations/clients.js';
import type { JobKind, KindContext } from '../../src/jobs/kind.js';
import { createLogger } from '../../src/logger.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/src/index.js';
import { testRedis } from './redis-prefix.js';

export interface TestSandbox extends Omit<Sandbox, 'clients'> {
  /** Real SDK clients pointed at the sandbox, closed by `stop()`. */
  clients: Clients;
  /** Another set of clients (e.g. with other retry settings); the caller destroys them. */
  newClients: Sandbox['clients'];
  redis: Redis;
  redisPrefix: string;
  /** A context for `kind`, its settings parsed from `settings` (the policy file's block) as the config does. */
  kindContext<Settings>(kind: Pick<JobKind<unknown, unknown, unknown, unknown, Settings>, 'settingsSchema'>, settings?: object): KindContext<Settings>;
}

/** `maxAttempts`: SDK attempts per call (fault tests keep it low so an injected error surfaces). */
export async function startTestSandbox(options: SandboxOptions & { maxAttempts?: number } = {}): Promise<TestSandbox> {
  const sandbox = await startSandbox(options);
  const clients = sandbox.clients({ maxAttempts: options.maxAttempts });
  const kindRedis = testRedis('sandbox');
  const log = createLogger('silent');
  return {
    ...sandbox,
    clients,
    newClients: sandbox.clients,
    redis: kindRedis.redis,
    redisPrefix: kindRedis.prefix,
    kindContext: (kind, settings = {}) => ({ clients, clock: sandbox.clock, log, settings: kind.settingsSchema.parse(settings), redis: kindRedis.redis, redisPrefix: kindRedis.prefix }),
    async stop() {
      for (const client of [clients.autoScaling, clients.ec2, clients.route53, clients.pricing]) client.destroy();
      await kindRedis.close();
      await sandbox.stop();
    },
  };
}
