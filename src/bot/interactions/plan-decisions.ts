/**
 * Approve and Reject on a plan message. Approve re-validates everything (docs/ARCHITECTURE.md principle 3):
 * the clicker's rights, the plan's status and expiry, and a fresh observation's fingerprint; then
 * takes the per-target lock and enqueues with jobId = plan id. A refused click changes nothing.
 */
import type { App, BlockButtonAction, RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { ActionIds, type PlanButtonValue } from '../../blocks/action-ids.js';
import { renderNotice } from '../../blocks/usage-error.js';
import { errorReference } from '../../errors.js';
import { lockHolderDescription, RUN_LOCK_TTL_MS } from '../../integrations/redis/locks.js';
import { enqueueRun } from '../../jobs/queues.js';
import type { Logger } from '../../logger.js';
import { kindContext, type BotDeps, type PlanWithRendered } from '../deps.js';
import { APPROVAL_WINDOW_CLOSED, expirePlan } from '../expiry-sweeper.js';
import { refreshPlanMessage } from '../plan-view.js';

export interface ActionArgs {
  body: { user: { id: string } };
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
    const ref = errorReference();
    log.error({ err: error, ref }, 'action failed');
    await tell(args.respond, `Something went wrong on our side (reference ${ref}).`, ':boom:');
  }
}

function notPlannedReason(plan: PlanWithRendered): string {
  switch (plan.status) {
    case 'rejected':
      return `This plan was rejected${plan.decidedBy ? ` by <@${plan.decidedBy}>` : ''}.`;
    case 'expired':
      return 'This plan has expired. Run the command again for a fresh plan.';
    default:
      return `This plan is already ${plan.status}; nothing more to approve.`;
  }
}

export async function handleApprove(deps: BotDeps, args: ActionArgs): Promise<void> {
  await guarded(deps, args, 'approve', async (log) => {
    const { respond, client } = args;
    const user = args.body.user.id;
    const value = parseValue(args.action.value);
    const plan = value && ((await deps.plans.get(value.planId)) as PlanWithRendered | undefined);
    if (!plan) return tell(respond, 'This plan no longer exists. Run the command again for a fresh plan.');
    const planLog = log.child({ planId: plan.id, kind: plan.kind, target: plan.target });
    const refuse = async (reason: string) => {
      await deps.audit.append({ actor: user, action: 'approve.refused', target: plan.target, planId: plan.id, details: { reason } });
      planLog.info({ reason }, 'approval refused');
      await tell(respond, reason);
    };

    if (plan.dryRun) return refuse('This is a dry run: there is nothing to approve. Run the command without `--dry-run`.');
    if (plan.status !== 'planned') return refuse(notPlannedReason(plan));
    if (deps.clock.now() > plan.expiresAt) {
      await expirePlan(deps, client, plan, APPROVAL_WINDOW_CLOSED);
      return refuse('This plan has expired. Run the command again for a fresh plan.');
    }
    const kind = deps.kinds.get(plan.kind);
    if (!kind) return refuse(`deckhand no longer knows \`${plan.kind}\` plans.`);
    const policy = deps.authorizer.commandPolicy(plan.kind);
    if (policy.approve.length === 0) {
      return refuse(`Nobody may approve \`${plan.kind}\` plans yet: add approvers under \`commands.${plan.kind}.approve\` in the policy file.`);
    }
    if (!(await deps.authorizer.mayApprove(user, plan.kind))) {
      return refuse(`You may not approve \`${plan.kind}\` plans. Approvers: ${policy.approve.map((p) => (p.startsWith('@') ? p : `<@${p}>`)).join(', ')}.`);
    }
    if (user === plan.requestedBy && !policy.selfApprove) {
      return refuse('You requested this plan, so someone else must approve it.');
    }

    if (plan.approvals.some((a) => a.user === user)) {
      const missing = plan.requiredApprovals - plan.approvals.length;
      return tell(respond, `You already approved this plan; it needs ${missing} more approval${missing === 1 ? '' : 's'} from someone else.`, ':information_source:');
    }

    // Freshness: the plan is only valid for the state it was computed from.
    const fresh = await kind.observe(kindContext(deps, plan.kind, planLog), plan.args);
    if (kind.fingerprint(fresh) !== plan.fingerprint) {
      await expirePlan(deps, client, plan, `\`${plan.target}\` changed since this plan was made.`);
      return refuse(`\`${plan.target}\` changed since this plan was made, so it was not applied. Run the command again for a fresh plan.`);
    }

    const withApproval = (await deps.plans.addApproval(plan.id, user, deps.clock.now())) as PlanWithRendered | undefined;
    if (!withApproval || withApproval.status !== 'planned') return refuse(notPlannedReason(withApproval ?? plan));
    await deps.audit.append({ actor: user, action: 'plan.approval', target: plan.target, planId: plan.id, details: { have: withApproval.approvals.length, need: withApproval.requiredApprovals } });
    if (withApproval.approvals.length < withApproval.requiredApprovals) {
      await refreshPlanMessage(deps, client, withApproval);
      const missing = withApproval.requiredApprovals - withApproval.approvals.length;
      return tell(respond, `Approval recorded. ${missing} more approval${missing > 1 ? 's' : ''} needed before it runs.`, ':ballot_box_with_check:');
    }

    // The lock token is the plan id, so a concurrent click on the same plan re-enters instead of failing.
    const lock = await deps.locks.acquire(plan.target, { token: plan.id, description: lockHolderDescription(plan) }, RUN_LOCK_TTL_MS);
    if (!lock.ok) return refuse(`\`${plan.target}\` is busy: it is locked by ${lock.heldBy}. Try again when that run has finished.`);

    const approved = (await deps.plans.transition(plan.id, ['planned'], 'approved', { decidedBy: user })) as PlanWithRendered | undefined;
    if (!approved) {
      const current = await deps.plans.get(plan.id);
      // Another click on this plan won the race and owns the lock; anything else must not keep it.
      if (current?.status !== 'approved' && current?.status !== 'running') await deps.locks.release(plan.target, plan.id);
      return tell(respond, current ? notPlannedReason(current) : 'This plan no longer exists.');
    }
    const { jobId, created } = await enqueueRun(deps.queue, approved);
    await deps.audit.append({ actor: user, action: 'plan.approved', target: plan.target, planId: plan.id, jobId, details: { created } });
    planLog.info({ jobId }, 'plan approved and enqueued');
    await refreshPlanMessage(deps, client, approved);
  });
}

export async function handleReject(deps: BotDeps, args: ActionArgs): Promise<void> {
  await guarded(deps, args, 'reject', async (log) => {
    const { respond, client } = args;
    const user = args.body.user.id;
    const value = parseValue(args.action.value);
    const plan = value && ((await deps.plans.get(value.planId)) as PlanWithRendered | undefined);
    if (!plan) return tell(respond, 'This plan no longer exists.');
    if (plan.status !== 'planned') return tell(respond, notPlannedReason(plan));
    if (user !== plan.requestedBy && !(await deps.authorizer.mayApprove(user, plan.kind))) {
      await deps.audit.append({ actor: user, action: 'reject.refused', target: plan.target, planId: plan.id });
      return tell(respond, 'Only the requester or an approver may reject this plan.');
    }
    const rejected = (await deps.plans.transition(plan.id, ['planned'], 'rejected', { decidedBy: user, finishedAt: deps.clock.now() })) as PlanWithRendered | undefined;
    if (!rejected) return tell(respond, 'This plan was decided a moment ago; nothing changed.');
    await deps.audit.append({ actor: user, action: 'plan.rejected', target: plan.target, planId: plan.id });
    log.info({ planId: plan.id }, 'plan rejected');
    await refreshPlanMessage(deps, client, rejected);
  });
}

export function register(app: App, deps: BotDeps): void {
  app.action<BlockButtonAction>(ActionIds.approve, async ({ body, action, ack, respond, client }) => handleApprove(deps, { body, action, ack, respond, client }));
  app.action<BlockButtonAction>(ActionIds.reject, async ({ body, action, ack, respond, client }) => handleReject(deps, { body, action, ack, respond, client }));
}
