/** Re-render a stored plan's parent message with its current status (buttons only while planned). */
import type { WebClient } from '@slack/web-api';
import { renderPlanMessage } from '../blocks/plan-message.js';
import type { PlanWithRendered } from '../jobs/plans.js';
import type { BotDeps } from './deps.js';

export function planMessage(deps: BotDeps, plan: PlanWithRendered, outcome?: string) {
  const approvers = deps.authorizer.approvers(plan.kind);
  return renderPlanMessage(plan, plan.rendered ?? { blocks: [] }, {
    ...(outcome ? { outcome } : {}),
    approvers,
    noApproversConfigured: approvers.length === 0,
  });
}

export async function refreshPlanMessage(deps: BotDeps, client: WebClient, plan: PlanWithRendered, outcome?: string): Promise<void> {
  if (!plan.messageTs) return;
  const message = planMessage(deps, plan, outcome);
  await client.chat.update({ channel: plan.channel, ts: plan.messageTs, text: message.text, blocks: message.blocks });
}
