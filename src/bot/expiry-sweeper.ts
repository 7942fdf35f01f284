/**
 * Plans nobody decided on expire on their own: their buttons are removed when the approval window
 * closes, not only when someone clicks late. The transition is atomic, so with several bot
 * replicas exactly one of them updates each message.
 */
import type { WebClient } from '@slack/web-api';
import type { StoredPlan } from '../integrations/redis/plan-store.js';
import type { BotDeps, PlanWithRendered } from './deps.js';
import { refreshPlanMessage } from './plan-view.js';

export const DEFAULT_EXPIRY_SWEEP_MS = 60_000;
export const APPROVAL_WINDOW_CLOSED = 'The approval window closed before anyone approved.';

export async function expireStalePlans(deps: BotDeps, client: WebClient): Promise<number> {
  let expired = 0;
  const now = deps.clock.now();
  for (const plan of await deps.plans.listByStatus('planned')) {
    if (plan.expiresAt > now) continue;
    if (await expirePlan(deps, client, plan, plan.dryRun ? undefined : APPROVAL_WINDOW_CLOSED)) expired++;
  }
  return expired;
}

/**
 * planned → expired, audited, and the plan message shows why (a late click or the sweep). False
 * when the plan was decided meanwhile: the atomic transition lets exactly one caller report.
 */
export async function expirePlan(deps: BotDeps, client: WebClient, plan: StoredPlan, reason: string | undefined): Promise<boolean> {
  const updated = (await deps.plans.transition(plan.id, ['planned'], 'expired', { finishedAt: deps.clock.now(), ...(reason ? { outcome: reason } : {}) })) as
    | PlanWithRendered
    | undefined;
  if (!updated) return false;
  await deps.audit.append({ actor: 'deckhand', action: 'plan.expired', target: plan.target, planId: plan.id, details: { reason: reason ?? 'approval window closed' } });
  // Dry runs never had buttons: their message stays as it is.
  if (!plan.dryRun) await refreshPlanMessage(deps, client, updated, reason);
  return true;
}

export function startExpirySweeper(deps: BotDeps, client: WebClient, intervalMs = DEFAULT_EXPIRY_SWEEP_MS): () => void {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    running ??= expireStalePlans(deps, client)
      .catch((err: unknown) => deps.log.error({ err }, 'plan expiry sweep failed'))
      .finally(() => (running = undefined));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
