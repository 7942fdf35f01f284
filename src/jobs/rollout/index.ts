/** Job kind `rollout`: replace the outdated worker nodes of an EKS Auto Scaling group, wave by wave. */
import { clientsOnKubeContext, type Clients } from '../../integrations/clients.js';
import { PriceCache } from '../../integrations/redis/price-cache.js';
import { cleanupParts, type JobKind } from '../kind.js';
import { parseRolloutArgs, rolloutCommand } from './args.js';
import { fingerprintRollout, observeRollout } from './observe.js';
import { planRollout } from './plan.js';
import { cleanup } from './prepare.js';
import { renderRolloutPlan } from './render.js';
import { reportGroup, restoreGroup, type Restored } from './restore.js';
import { rolloutSettingsSchema, type RolloutSettings } from './settings.js';
import { rolloutSteps, summarizeRollout, type RolloutStep } from './steps.js';
import type { RolloutArgs, RolloutObserved, RolloutPlan, RolloutState } from './types.js';

/** Clients talking to the named cluster's kubeconfig context (settings `clusters`), or the default one. */
export function clientsForCluster(clients: Clients, settings: RolloutSettings, cluster: string | undefined): Clients {
  const context = cluster ? settings.clusters?.[cluster] : undefined;
  return context ? clientsOnKubeContext(clients, context) : clients;
}

function onCluster(step: RolloutStep, plan: RolloutPlan): RolloutStep {
  if (!plan.cluster) return step;
  return {
    ...step,
    // Same context object (state, checkpoint, ask...), only the Kubernetes client differs.
    run: (ctx) => step.run(Object.assign(Object.create(ctx) as typeof ctx, { clients: clientsForCluster(ctx.clients, ctx.settings, plan.cluster) })),
  };
}

export function initialRolloutState(): RolloutState {
  return { waves: {}, terminated: [], skipped: [], podsMoved: 0, forced: [] };
}

export const rolloutKind: JobKind<RolloutArgs, RolloutObserved, RolloutPlan, RolloutState, RolloutSettings> = {
  command: rolloutCommand,
  mutating: true,
  settingsSchema: rolloutSettingsSchema,
  parseArgs: parseRolloutArgs,
  isDryRun: (args) => args.dryRun,
  // One lock per group: `--cluster` only picks a kubeconfig context, the group is the same account's.
  target: (args) => `asg/${args.group}`,
  observe: (ctx, args) => observeRollout(clientsForCluster(ctx.clients, ctx.settings, args.cluster), args, new PriceCache(ctx.redis, ctx.redisPrefix, ctx.clients.pricing), ctx.log),
  fingerprint: fingerprintRollout,
  plan: planRollout,
  renderPlan: renderRolloutPlan,
  estimateSeconds: (plan) => plan.estimate.totalSeconds,
  initialState: initialRolloutState,
  steps: (plan) => rolloutSteps(plan).map((s) => onCluster(s, plan)),
  cleanup: async (ctx) => {
    const onCluster = { ...ctx, clients: clientsForCluster(ctx.clients, ctx.settings, ctx.plan.cluster) };
    // The group's size first (its drain relies on the run's taints and lock tag), then every other part; what
    // fails here stays left for the durable retry and keeps the lock tags on the group.
    let restored: Restored = { removed: [], left: [] };
    const size = await cleanupParts([
      {
        what: `give ${ctx.plan.group} back its original desired capacity`,
        run: async () => {
          restored = await restoreGroup(onCluster);
          return restored.removed.length ? [`terminated ${restored.removed.length} surplus instance(s)`] : [];
        },
      },
    ]);
    const rest = await cleanup(onCluster, size.left);
    // The summary's view of the group; without it the summary says less, nothing is left undone.
    await reportGroup(onCluster, restored).catch((err: unknown) => ctx.log.warn({ err }, 'could not read the group for the summary'));
    return { done: [...size.done, ...rest.done], left: rest.left };
  },
  summarize: summarizeRollout,
};
