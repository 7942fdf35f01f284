/**
 * Buttons on a running job's status card and questions: Cancel, Pause, Resume, and answers.
 * They only set RunSignals (Redis) that the worker reads between steps: a Slack handler never
 * touches infrastructure. Only the requester or an approver may use them.
 */
import type { App, BlockButtonAction } from '@slack/bolt';
import { ActionIds, type AnswerButtonValue } from '../../blocks/action-ids.js';
import type { StoredPlan } from '../../integrations/redis/plan-store.js';
import type { BotDeps } from '../deps.js';
import { guarded, parseValue, tell, type ActionArgs } from './plan-decisions.js';

const ACTIVE: StoredPlan['status'][] = ['approved', 'running'];

async function activePlanFor(deps: BotDeps, args: ActionArgs, verb: string): Promise<StoredPlan | undefined> {
  const user = args.body.user.id;
  const value = parseValue(args.action.value);
  const plan = value && (await deps.plans.get(value.planId));
  if (!plan) {
    await tell(args.respond, 'This job no longer exists.');
    return undefined;
  }
  if (!ACTIVE.includes(plan.status)) {
    await tell(args.respond, `This job is already ${plan.status}; there is nothing to ${verb}.`, ':information_source:');
    return undefined;
  }
  if (user !== plan.requestedBy && !(await deps.authorizer.mayApprove(user, plan.kind))) {
    await deps.audit.append({ actor: user, action: `${verb}.refused`, target: plan.target, planId: plan.id });
    await tell(args.respond, `Only the requester (<@${plan.requestedBy}>) or an approver may ${verb} this job.`);
    return undefined;
  }
  return plan;
}

export async function handleCancel(deps: BotDeps, args: ActionArgs): Promise<void> {
  await guarded(deps, args, 'cancel', async (log) => {
    const plan = await activePlanFor(deps, args, 'cancel');
    if (!plan) return;
    const user = args.body.user.id;
    await deps.audit.append({ actor: user, action: 'run.cancel', target: plan.target, planId: plan.id, jobId: plan.id });
    await deps.signals.requestCancel(plan.id, user);
    log.info({ planId: plan.id }, 'cancel requested');
    await tell(args.respond, 'Cancel requested: the job stops at the next step boundary, then cleans up and reports what was done.', ':black_square_for_stop:');
  });
}

async function setPaused(deps: BotDeps, args: ActionArgs, paused: boolean): Promise<void> {
  const verb = paused ? 'pause' : 'resume';
  await guarded(deps, args, verb, async (log) => {
    const plan = await activePlanFor(deps, args, verb);
    if (!plan) return;
    const user = args.body.user.id;
    await deps.audit.append({ actor: user, action: `run.${verb}`, target: plan.target, planId: plan.id, jobId: plan.id });
    await deps.signals.setPaused(plan.id, paused, user);
    log.info({ planId: plan.id, paused }, `${verb} requested`);
    await tell(args.respond, paused ? 'Paused: the job waits after the current step until someone clicks Resume.' : 'Resumed.', paused ? ':double_vertical_bar:' : ':arrow_forward:');
  });
}

export const handlePause = (deps: BotDeps, args: ActionArgs) => setPaused(deps, args, true);
export const handleResume = (deps: BotDeps, args: ActionArgs) => setPaused(deps, args, false);

/** The question's button carries `needsApprover` for choices only an approver may pick. */
export type AnswerValue = AnswerButtonValue & { needsApprover?: boolean };

export async function handleAnswer(deps: BotDeps, args: ActionArgs): Promise<void> {
  await guarded(deps, args, 'answer', async (log) => {
    const value = parseValue<AnswerValue>(args.action.value);
    if (!value || typeof value.questionId !== 'string' || typeof value.choice !== 'string') return tell(args.respond, 'This button is malformed.');
    const plan = await activePlanFor(deps, args, 'answer');
    if (!plan) return;
    const user = args.body.user.id;
    if (value.needsApprover && !(await deps.authorizer.mayApprove(user, plan.kind))) {
      await deps.audit.append({ actor: user, action: 'answer.refused', target: plan.target, planId: plan.id, details: { questionId: value.questionId, choice: value.choice } });
      return tell(args.respond, 'Only an approver of this job may pick that choice.');
    }
    const recorded = await deps.signals.answer(plan.id, value.questionId, value.choice, user);
    if (!recorded) return tell(args.respond, 'This question was already answered.', ':information_source:');
    await deps.audit.append({ actor: user, action: 'run.answer', target: plan.target, planId: plan.id, jobId: plan.id, details: { questionId: value.questionId, choice: value.choice } });
    log.info({ planId: plan.id, questionId: value.questionId, choice: value.choice }, 'question answered');
  });
}

export function register(app: App, deps: BotDeps): void {
  const handlers = [
    [ActionIds.cancel, handleCancel],
    [ActionIds.pause, handlePause],
    [ActionIds.resume, handleResume],
    [ActionIds.answer, handleAnswer],
  ] as const;
  for (const [id, handler] of handlers) {
    app.action<BlockButtonAction>(id, async ({ body, action, ack, respond, client }) => handler(deps, { body, action, ack, respond, client }));
  }
}
