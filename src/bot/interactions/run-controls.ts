/**
 * Buttons on a running job's status card and questions: Cancel, Pause, Resume, and answers; and on a finished
 * job's unfinished cleanup: Retry cleanup, Stop retrying. Each is one
 * call to the plans service, which checks who may use them and sets the RunSignals (Redis) the worker
 * reads between steps: a Slack handler never touches infrastructure.
 */
import type { App, BlockButtonAction } from '@slack/bolt';
import { ActionIds, type AnswerButtonValue } from '../../blocks/action-ids.js';
import type { CleanupControl, RunControl } from '../../jobs/plans.js';
import type { BotDeps } from '../deps.js';
import { actor, guarded, parseValue, render, tell, type ActionArgs } from './plan-decisions.js';

const JOB_GONE = 'This job no longer exists.';

function runControl(verb: RunControl) {
  return (deps: BotDeps, args: ActionArgs): Promise<void> =>
    guarded(deps, args, verb, async (log) => {
      const value = parseValue(args.action.value);
      if (!value) return tell(args.respond, JOB_GONE);
      await render(deps, args, await deps.service.control(value.planId, actor(args), verb, log));
    });
}

function cleanupControl(verb: CleanupControl) {
  return (deps: BotDeps, args: ActionArgs): Promise<void> =>
    guarded(deps, args, `cleanup-${verb}`, async (log) => {
      const value = parseValue(args.action.value);
      if (!value) return tell(args.respond, JOB_GONE);
      await render(deps, args, await deps.service.cleanupControl(value.planId, actor(args), verb, log));
    });
}

export const handleCancel = runControl('cancel');
export const handlePause = runControl('pause');
export const handleResume = runControl('resume');
export const handleRetryCleanup = cleanupControl('retry');
export const handleStopCleanup = cleanupControl('stop');

export async function handleAnswer(deps: BotDeps, args: ActionArgs): Promise<void> {
  await guarded(deps, args, 'answer', async (log) => {
    const value = parseValue<AnswerButtonValue>(args.action.value);
    if (!value || typeof value.questionId !== 'string' || typeof value.choice !== 'string') return tell(args.respond, 'This button is malformed.');
    const { planId, questionId, choice } = value;
    await render(deps, args, await deps.service.answer(planId, actor(args), { questionId, choice }, log));
  });
}

export function register(app: App, deps: BotDeps): void {
  const handlers = [
    [ActionIds.cancel, handleCancel],
    [ActionIds.pause, handlePause],
    [ActionIds.resume, handleResume],
    [ActionIds.answer, handleAnswer],
    [ActionIds.retryCleanup, handleRetryCleanup],
    [ActionIds.stopCleanup, handleStopCleanup],
  ] as const;
  for (const [id, handler] of handlers) {
    app.action<BlockButtonAction>(id, async ({ body, action, ack, respond, client }) => handler(deps, { body, action, ack, respond, client }));
  }
}
