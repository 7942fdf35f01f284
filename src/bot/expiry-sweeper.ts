/**
 * Plans nobody decided on expire on their own: their buttons are removed when the approval window closes, not
 * only when someone clicks late. The sweep is a periodic task (src/jobs/periodic.ts) run by the bots, because
 * only a bot holds the Slack client that owns plan messages: with several bot replicas, exactly one of them sweeps
 * each tick, and the plans service expires each plan atomically, so each message is updated once.
 */
import type { WebClient } from '@slack/web-api';
import type { RedisClient } from '../integrations/redis/connections.js';
import { startPeriodic } from '../jobs/periodic.js';
import type { BotDeps } from './deps.js';
import { refreshPlanMessage } from './plan-view.js';

/**
 * An expired plan's buttons go within this long (plus one scheduler poll). Each sweep reads only undecided plans,
 * which live at most `planExpiry`, so there are few to read.
 */
export const DEFAULT_EXPIRY_SWEEP_MS = 5_000;
export const EXPIRY_QUEUE = 'deckhand-plan-expiry';
/** Ids of expired plans pile up in the plan indexes slowly, and reads skip them: pruning once a minute keeps them small. */
export const INDEX_PRUNE_MS = 60_000;

async function expireStalePlans(deps: BotDeps, client: WebClient): Promise<void> {
  for (const { plan, note } of await deps.service.expireStale()) await refreshPlanMessage(deps, client, plan, note);
  // Plans that expired out of Redis leave their id in the plan indexes; reads skip them, this removes them.
  await deps.plans.pruneIndexesIfDue(deps.clock.now(), INDEX_PRUNE_MS);
}

export function startExpirySweeper(deps: BotDeps, client: WebClient, connection: RedisClient, everyMs = DEFAULT_EXPIRY_SWEEP_MS) {
  return startPeriodic({
    name: EXPIRY_QUEUE,
    everyMs,
    connection,
    prefix: deps.config.redisPrefix,
    log: deps.log,
    run: () => expireStalePlans(deps, client),
  });
}
