/**
 * The sandbox as job-kind tests use it: `startSandbox()` (simulated AWS, EKS cluster, Slack stand-in,
 * control server) with real SDK clients for each identity and kind contexts whose Redis prefix is this test's
 * own. Like the product, observation runs as the bot (read-only policy and RBAC) and steps as the worker, so
 * the sandbox refuses whatever the shipped permissions do not grant that role.
 */
import type { Redis } from 'ioredis';
import { ActionIds } from '../../src/blocks/action-ids.js';
import type { Clients } from '../../src/integrations/clients.js';
import type { JobKind, KindContext } from '../../src/jobs/kind.js';
import { createLogger } from '../../src/logger.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/src/index.js';
import { click } from '../../sandbox/src/slack/signed-client.js';
import type { StoredMessage } from '../../sandbox/src/slack/web-api.js';
import { testRedis } from './redis-prefix.js';

type SettingsOf<Settings> = Pick<JobKind<unknown, unknown, unknown, unknown, Settings>, 'settingsSchema'>;

export interface TestSandbox extends Omit<Sandbox, 'clients'> {
  /** The bot's clients: what observe and planning use. Closed by `stop()`. */
  bot: Clients;
  /** The worker's clients: what steps and cleanup use. Closed by `stop()`. */
  worker: Clients;
  /** The administrator's clients: a person or another tool acting on the account, and assertions. Closed by `stop()`. */
  admin: Clients;
  /** Another set of clients for an identity (e.g. with other retry settings); the caller destroys them. */
  newClients: Sandbox['clients'];
  redis: Redis;
  redisPrefix: string;
  /** What the bot passes `kind`'s observe: its settings parsed from `settings` (the policy file's block) as the config does. */
  botContext<Settings>(kind: SettingsOf<Settings>, settings?: object): KindContext<Settings>;
  /** What the worker passes `kind`'s steps and cleanup, settings parsed the same way. */
  workerContext<Settings>(kind: SettingsOf<Settings>, settings?: object): KindContext<Settings>;
}

/** `maxAttempts`: SDK attempts per call (fault tests keep it low so an injected error surfaces). */
export async function startTestSandbox(options: SandboxOptions & { maxAttempts?: number } = {}): Promise<TestSandbox> {
  const sandbox = await startSandbox(options);
  const [bot, worker, admin] = (['bot', 'worker', 'admin'] as const).map((role) => sandbox.clients(role, { maxAttempts: options.maxAttempts }));
  const kindRedis = testRedis('sandbox');
  const log = createLogger('silent');
  const context = <Settings>(clients: Clients, settings: Settings): KindContext<Settings> => ({ clients, clock: sandbox.clock, log, settings, redis: kindRedis.redis, redisPrefix: kindRedis.prefix });
  return {
    ...sandbox,
    bot: bot!,
    worker: worker!,
    admin: admin!,
    newClients: sandbox.clients,
    redis: kindRedis.redis,
    redisPrefix: kindRedis.prefix,
    botContext: (kind, settings = {}) => context(bot!, kind.settingsSchema.parse(settings)),
    workerContext: (kind, settings = {}) => context(worker!, kind.settingsSchema.parse(settings)),
    async stop() {
      for (const clients of [bot!, worker!, admin!]) destroyClients(clients);
      await kindRedis.close();
      await sandbox.stop();
    },
  };
}

export function destroyClients(clients: Clients): void {
  for (const client of [clients.autoScaling, clients.ec2, clients.route53, clients.pricing]) client.destroy();
}

/**
 * Puts the sandbox's AWS endpoints in process.env too, for a deckhand started in this process (`startDeckhand`): its
 * AWS clients leave endpoints to the SDK, which reads AWS_ENDPOINT_URL_<SERVICE> from process.env, not from the env
 * deckhand is given. Returns what removes the ones it added.
 */
export function sandboxEndpointsInProcessEnv(sandbox: Pick<Sandbox, 'env'>): () => void {
  const endpoints = Object.entries(sandbox.env).filter(([key]) => key.startsWith('AWS_ENDPOINT_URL_'));
  const added = endpoints.filter(([key]) => process.env[key] === undefined).map(([key]) => key);
  Object.assign(process.env, Object.fromEntries(endpoints));
  return () => {
    for (const key of added) delete process.env[key];
  };
}

/** The first message in `channel` with an Approve button: a plan a deckhand started on the sandbox posted. */
export function waitForPlanMessage(sandbox: Pick<Sandbox, 'slack'>, channel: string): Promise<StoredMessage> {
  return sandbox.slack.waitFor(() => sandbox.slack.messages(channel).find((m) => JSON.stringify(m.blocks).includes(ActionIds.approve)), 20_000, 'the plan');
}

/** Clicks the plan message's Approve button as `user`, signed with the sandbox's signing secret. */
export async function clickApprove(sandbox: Pick<Sandbox, 'env'>, botUrl: string, plan: StoredMessage, user: string): Promise<void> {
  const buttons = (plan.blocks as { elements?: { action_id?: string; value?: string }[] }[]).flatMap((b) => b.elements ?? []);
  const approve = buttons.find((e) => e.action_id === ActionIds.approve)!;
  await click(botUrl, sandbox.env.SLACK_SIGNING_SECRET!, { actionId: approve.action_id!, value: approve.value!, user, channel: plan.channel, messageTs: plan.ts });
}
