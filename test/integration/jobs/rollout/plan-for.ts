/** Observe (as the bot) and plan a rollout of the sandbox's worker group, as the plans service does. */
import { observeRollout } from '../../../../src/jobs/rollout/observe.js';
import { planRollout } from '../../../../src/jobs/rollout/plan.js';
import { rolloutSettingsSchema } from '../../../../src/jobs/rollout/settings.js';
import type { RolloutArgs, RolloutPlan } from '../../../../src/jobs/rollout/types.js';
import type { TestSandbox } from '../../../helpers/sandbox.js';

export const GROUP = 'eks-prod-workers';
/** The eks-prod-system group's nodes: never touched by a rollout of GROUP. */
export const SYSTEM_NODES = ['ip-10-0-2-50.ec2.internal', 'ip-10-0-34-50.ec2.internal'];

export async function planFor(env: TestSandbox, extra: Partial<RolloutArgs> = {}, settings: object = {}): Promise<RolloutPlan> {
  const args = { group: GROUP, canary: false, dryRun: false, ...extra };
  const outcome = planRollout(await observeRollout(env.bot, args), args, env.clock.now(), rolloutSettingsSchema.parse(settings));
  if (outcome.kind !== 'plan') throw new Error(outcome.reason);
  return outcome.plan;
}
