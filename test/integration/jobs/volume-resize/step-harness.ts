/**
 * Runs a kind's steps without the Slack loop: an in-memory checkpoint (done step ids + state, deep-copied
 * like job data), recorded milestones, statuses, audits and questions, and scripted answers.
 */
import type { JobKind, KindContext, Question, StepContext } from '../../../../src/jobs/kind.js';

export interface Recorder {
  milestones: string[];
  statuses: Record<string, string>[];
  audits: { action: string; details: Record<string, unknown> }[];
  questions: Question[];
}

export interface Checkpoint<State> {
  done: string[];
  state: State;
}

export interface RunOptions<Plan, State> {
  kindContext: KindContext;
  kind: JobKind<unknown, unknown, Plan, State>;
  plan: Plan;
  /** Resume from here; a fresh run starts from `kind.initialState(plan)`. */
  checkpoint?: Checkpoint<State>;
  answer?: (question: Question) => string;
  recorder?: Recorder;
  /** Simulates a crash: the worker dies right after this many steps have completed in this run. */
  crashAfterSteps?: number;
  /** Called with every milestone; throwing from it simulates a crash in the middle of a step. */
  onMilestone?: (text: string) => void;
}

export function newRecorder(): Recorder {
  return { milestones: [], statuses: [], audits: [], questions: [] };
}

export class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

/** Runs steps in order as the runner does, saving the checkpoint after each; returns the last saved checkpoint. */
export async function runSteps<Plan, State>(options: RunOptions<Plan, State>): Promise<{ checkpoint: Checkpoint<State>; recorder: Recorder; error?: unknown }> {
  const { kind, plan } = options;
  const recorder = options.recorder ?? newRecorder();
  const working: Checkpoint<State> = structuredClone(options.checkpoint ?? { done: [], state: kind.initialState(plan) });
  let saved = structuredClone(working);
  const save = async () => {
    saved = structuredClone(working);
  };
  const controller = new AbortController();
  const ctx: StepContext<Plan, State> = {
    ...options.kindContext,
    planId: 'plan-test',
    jobId: 'plan-test',
    plan,
    state: working.state,
    signal: controller.signal,
    progress: {
      status: (fields) => void recorder.statuses.push(fields),
      milestone: async (text) => {
        recorder.milestones.push(text);
        options.onMilestone?.(text);
      },
      file: async () => undefined,
    },
    checkpoint: save,
    cancelRequested: async () => false,
    ask: async (question) => {
      recorder.questions.push(question);
      if (!options.answer) throw new Error(`unexpected question ${question.id}`);
      return options.answer(question);
    },
    audit: async (action, details) => void recorder.audits.push({ action, details }),
  };
  let completedHere = 0;
  try {
    for (;;) {
      const step = kind.steps(plan, working.state).find((s) => !working.done.includes(s.id));
      if (!step) break;
      if (options.crashAfterSteps !== undefined && completedHere >= options.crashAfterSteps) throw new SimulatedCrash(`crashed before ${step.id}`);
      await step.run(ctx);
      working.done.push(step.id);
      completedHere++;
      await save();
    }
  } catch (error) {
    controller.abort(error);
    return { checkpoint: saved, recorder, error };
  }
  return { checkpoint: saved, recorder };
}
