/**
 * Plans nobody decided on expire on their own: their buttons are removed when the approval window
 * closes, not only when someone clicks late. The plans service expires each one atomically, so with
 * several bot replicas exactly one of them updates each message.
 */
import type { WebClient } from '@slack/web-api';
import type { BotDeps } from './deps.js';
import { refreshPlanMessage } from './plan-view.js';

/**
 * An expired plan's buttons go within this long. Each sweep reads only undecided plans, which live at most
 * `planExpiry`, so there are few to read.
 */
export const DEFAULT_EXPIRY_SWEEP_MS = 5_000;

async function expireStalePlans(deps: BotDeps, client: WebClient): Promise<void> {
  for (const { plan, note } of await deps.service.expireStale()) await refreshPlanMessage(deps, client, plan, note);
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
