/**
 * Runs the rollout's steps without the Slack loop, as the runner does: an in-memory checkpoint (done step ids
 * + state, deep-copied like job data) saved after every step and on `checkpoint()`, recorded milestones,
 * statuses, audits and questions, scripted answers, and simulated crashes at any point.
 */
import type { KindContext, Question, StepContext } from '../../../../src/jobs/kind.js';
import { rolloutKind } from '../../../../src/jobs/rollout/index.js';
import type { RolloutPlan, RolloutState } from '../../../../src/jobs/rollout/types.js';

export interface Recorder {
  milestones: string[];
  statuses: Record<string, string>[];
  audits: { action: string; details: Record<string, unknown> }[];
  questions: Question[];
}

export interface Checkpoint {
  done: string[];
  state: RolloutState;
}

export class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

export function newRecorder(): Recorder {
  return { milestones: [], statuses: [], audits: [], questions: [] };
}

export interface RunOptions {
  kindContext: KindContext;
  plan: RolloutPlan;
  planId?: string;
  checkpoint?: Checkpoint;
  answer?: (question: Question) => string;
  recorder?: Recorder;
  /** Called at every interaction of a step with its context; throw SimulatedCrash from it to "kill" the worker there. */
  onTick?: (where: string) => void;
}

export async function runRollout(options: RunOptions): Promise<{ checkpoint: Checkpoint; recorder: Recorder; error?: unknown }> {
  const { plan } = options;
  const recorder = options.recorder ?? newRecorder();
  const working: Checkpoint = structuredClone(options.checkpoint ?? { done: [], state: rolloutKind.initialState(plan) });
  let saved = structuredClone(working);
  const controller = new AbortController();
  const tick = (where: string) => options.onTick?.(where);
  const base = options.kindContext;
  const clock = {
    now: () => base.clock.now(),
    sleep: async (ms: number, signal?: AbortSignal) => {
      tick('sleep');
      await base.clock.sleep(ms, signal);
    },
  };
  const ctx: StepContext<RolloutPlan, RolloutState> = {
    ...base,
    clock,
    planId: options.planId ?? 'plan-test',
    jobId: options.planId ?? 'plan-test',
    plan,
    state: working.state,
    signal: controller.signal,
    progress: {
      status: (fields) => void recorder.statuses.push(fields),
      milestone: async (text) => {
        tick('milestone');
        recorder.milestones.push(text);
      },
      file: async () => undefined,
    },
    checkpoint: async () => {
      tick('checkpoint');
      saved = structuredClone(working);
    },
    cancelRequested: async () => false,
    ask: async (question) => {
      tick('ask');
      recorder.questions.push(question);
      if (!options.answer) throw new Error(`unexpected question ${question.id}: ${question.text}`);
      return options.answer(question);
    },
    audit: async (action, details) => {
      tick('audit');
      recorder.audits.push({ action, details });
    },
  };
  try {
    for (;;) {
      const step = rolloutKind.steps(plan, working.state).find((s) => !working.done.includes(s.id));
      if (!step) break;
      tick(`before ${step.id}`);
      await step.run(ctx);
      working.done.push(step.id);
      saved = structuredClone(working);
    }
  } catch (error) {
    controller.abort(error);
    return { checkpoint: saved, recorder, error };
  }
  return { checkpoint: saved, recorder };
}
