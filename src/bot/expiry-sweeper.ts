/**
 * Plans nobody decided on expire on their own: their buttons are removed when the approval window
 * closes, not only when someone clicks late. The transition is atomic, so with several bot
 * replicas exactly one of them updates each message.
 */
import type { WebClient } from '@slack/web-api';
import type { BotDeps, PlanWithRendered } from './deps.js';
import { refreshPlanMessage } from './plan-view.js';

export const DEFAULT_EXPIRY_SWEEP_MS = 60_000;

export async function expireStalePlans(deps: BotDeps, client: WebClient): Promise<number> {
  let expired = 0;
  const now = deps.clock.now();
  for (const plan of await deps.plans.listByStatus('planned')) {
    if (plan.expiresAt > now) continue;
    const reason = plan.dryRun ? undefined : 'The approval window closed before anyone approved.';
    const updated = (await deps.plans.transition(plan.id, ['planned'], 'expired', { finishedAt: now, ...(reason ? { outcome: reason } : {}) })) as PlanWithRendered | undefined;
    if (!updated) continue;
    expired++;
    await deps.audit.append({ actor: 'deckhand', action: 'plan.expired', target: plan.target, planId: plan.id, details: { reason: 'approval window closed' } });
    // Dry runs never had buttons: their message stays as it is.
    if (!plan.dryRun) await refreshPlanMessage(deps, client, updated, reason);
  }
  return expired;
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
