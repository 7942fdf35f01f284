/**
 * Approve and Reject on a plan message. Each click is one call to the plans service, which re-validates
 * everything on Approve (docs/ARCHITECTURE.md principle 3); the handler parses the button, tells the
 * clicker what the service answered, and re-renders the plan message when its status changed.
 */
import type { App, BlockButtonAction, RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { ActionIds, type PlanButtonValue } from '../../blocks/action-ids.js';
import { renderNotice } from '../../blocks/usage-error.js';
import { errorReference, UserFacingError } from '../../errors.js';
import type { Actor, Decision } from '../../jobs/plans.js';
import type { Logger } from '../../logger.js';
import type { BotDeps } from '../deps.js';
import { refreshPlanMessage } from '../plan-view.js';

export interface ActionArgs {
  body: { user: { id: string }; channel?: { id: string } };
  action: { value?: string };
  ack: () => Promise<void>;
  respond: RespondFn;
  client: WebClient;
}

export async function tell(respond: RespondFn, text: string, emoji?: string): Promise<void> {
  const message = renderNotice(text, emoji);
  await respond({ response_type: 'ephemeral', replace_original: false, text: message.text, blocks: message.blocks });
}

export function parseValue<T extends PlanButtonValue>(value: string | undefined): T | undefined {
  try {
    const parsed = JSON.parse(value ?? '') as T;
    return typeof parsed.planId === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Ack first, then run the handler; internal errors reach the clicker as a reference id. */
export async function guarded(deps: BotDeps, args: ActionArgs, name: string, fn: (log: Logger) => Promise<void>): Promise<void> {
  await args.ack();
  const log = deps.log.child({ action: name, user: args.body.user.id });
  try {
    await fn(log);
  } catch (error) {
    if (error instanceof UserFacingError) return tell(args.respond, error.message);
    const ref = errorReference();
    log.error({ err: error, ref }, 'action failed');
    await tell(args.respond, `Something went wrong on our side (reference ${ref}).`, ':boom:');
  }
}

/** Who clicked where; a click outside a channel (none is posted there) matches no plan. */
export function actor(args: ActionArgs): Actor {
  return { user: args.body.user.id, channel: args.body.channel?.id ?? '' };
}

/** Shows the service's answer: the plan message first (its status changed), then the clicker's reply. */
export async function render(deps: BotDeps, args: ActionArgs, decision: Decision): Promise<void> {
  if (decision.changed) await refreshPlanMessage(deps, args.client, decision.changed.plan, decision.changed.note);
  if (decision.reply) await tell(args.respond, decision.reply.text, decision.reply.emoji);
}

/**
 * Approving re-checks the world first; for a big plan that takes a while (a million-record PTR cleanup reads
 * ~184,000 network interfaces, about two minutes). Past this much real time the clicker is told it is under way.
 */
export const SLOW_APPROVAL_NOTICE_MS = 3_000;
export const SLOW_APPROVAL_NOTICE = 'Approval received: checking that the plan still holds before it runs. The plan message changes when it is done.';

function planDecision(verb: 'approve' | 'reject', unreadable: string) {
  return (deps: BotDeps, args: ActionArgs): Promise<void> =>
    guarded(deps, args, verb, async (log) => {
      const value = parseValue(args.action.value);
      if (!value) return tell(args.respond, unreadable);
      const notice =
        verb === 'approve'
          ? setTimeout(() => void tell(args.respond, SLOW_APPROVAL_NOTICE, ':hourglass_flowing_sand:').catch((error: unknown) => log.warn({ err: error }, 'slow-approval notice not sent')), SLOW_APPROVAL_NOTICE_MS)
          : undefined;
      const decision = await deps.service[verb](value.planId, actor(args), log).finally(() => clearTimeout(notice));
      deps.metrics?.approvals.inc({ decision: verb, outcome: approvalOutcome(decision) });
      await render(deps, args, decision);
    });
}

/** approved / rejected (the plan's status changed), recorded (an approval short of the required number), or refused. */
function approvalOutcome(decision: Decision): string {
  const status = decision.changed?.plan.status;
  if (status === 'approved' || status === 'rejected') return status;
  return status === 'planned' ? 'recorded' : 'refused';
}

export const handleApprove = planDecision('approve', 'This plan no longer exists. Run the command again for a fresh plan.');
export const handleReject = planDecision('reject', 'This plan no longer exists.');

export function register(app: App, deps: BotDeps): void {
  app.action<BlockButtonAction>(ActionIds.approve, async ({ body, action, ack, respond, client }) => handleApprove(deps, { body, action, ack, respond, client }));
  app.action<BlockButtonAction>(ActionIds.reject, async ({ body, action, ack, respond, client }) => handleReject(deps, { body, action, ack, respond, client }));
}
