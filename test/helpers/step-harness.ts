/**
 * Runs a kind's steps without BullMQ or Slack, through the runner's step loop (src/jobs/step-loop.ts): an
 * in-memory checkpoint (done step ids + state, deep-copied like job data) saved after every step and on
 * `checkpoint()`, Cancel checked between steps, recorded milestones, statuses, files, audits and questions,
 * scripted answers, and simulated crashes. Cleanup is the caller's, as the worker's start-up sweep is.
 */
import type { JobKind, KindContext, Question } from '../../src/jobs/kind.js';
import { RunInterrupted, runStepLoop } from '../../src/jobs/step-loop.js';

export interface Recorder {
  milestones: string[];
  statuses: Record<string, string>[];
  files: { filename: string; title: string; content: string }[];
  audits: { action: string; details: Record<string, unknown> }[];
  questions: Question[];
}

/** What survives a crash: the last saved checkpoint. */
export interface Checkpoint<State> {
  done: string[];
  state: State;
}

export class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

export function newRecorder(): Recorder {
  return { milestones: [], statuses: [], files: [], audits: [], questions: [] };
}

export interface RunOptions<Plan, State> {
  kindContext: KindContext;
  kind: JobKind<unknown, unknown, Plan, State>;
  plan: Plan;
  /** The run's plan id and job id (names backup keys and files); default 'plan-test'. */
  jobId?: string;
  /** Resume from here; a fresh run starts from `kind.initialState(plan)`. */
  checkpoint?: Checkpoint<State>;
  answer?: (question: Question) => string;
  recorder?: Recorder;
  /** Simulates a crash: the worker dies right after this many steps have completed in this run. */
  crashAfterSteps?: number;
  /** Cancel is requested once this many steps are done (counting resumed ones); the run stops before the next. */
  cancelAfterSteps?: number;
  /** Called at every interaction of a step with its context and at every checkpoint save (after each step too); throw SimulatedCrash from it to "kill" the worker there. */
  onTick?: (where: string) => void;
  /** Called with every milestone; throwing from it simulates a crash in the middle of a step. */
  onMilestone?: (text: string) => void;
}

export interface RunResult<State> {
  /** The last saved checkpoint: after a crash, what a resumed run starts from. */
  checkpoint: Checkpoint<State>;
  recorder: Recorder;
  /** What stopped the run early (a simulated crash, or a step's failure); absent when it finished or was cancelled. */
  error?: unknown;
}

/**
 * Runs the kind's steps through the runner's own step loop; only the ports are the harness's: the checkpoint
 * in memory, Cancel from `cancelAfterSteps`, never paused, answers from `answer`, and crash points.
 */
export async function runSteps<Plan, State>(options: RunOptions<Plan, State>): Promise<RunResult<State>> {
  const { kind, plan } = options;
  const jobId = options.jobId ?? 'plan-test';
  const recorder = options.recorder ?? newRecorder();
  const working: Checkpoint<State> = structuredClone(options.checkpoint ?? { done: [], state: kind.initialState(plan) });
  let saved = structuredClone(working);
  const resumedDone = working.done.length;
  const controller = new AbortController();
  const tick = (where: string) => options.onTick?.(where);
  const base = options.kindContext;
  const context: KindContext = {
    ...base,
    clock: {
      now: () => base.clock.now(),
      sleep: async (ms, signal) => {
        tick('sleep');
        await base.clock.sleep(ms, signal);
      },
    },
  };
  try {
    await runStepLoop({
      kind,
      plan,
      planId: jobId,
      jobId,
      checkpoint: working,
      context,
      controller,
      progress: {
        status: (fields) => void recorder.statuses.push(fields),
        milestone: async (text) => {
          tick('milestone');
          recorder.milestones.push(text);
          options.onMilestone?.(text);
        },
        file: async (file) => void recorder.files.push(file),
      },
      save: async () => {
        tick('checkpoint');
        saved = structuredClone(working);
      },
      cancelRequested: async () => (options.cancelAfterSteps !== undefined && working.done.length >= options.cancelAfterSteps ? 'UTEST' : undefined),
      isPaused: async () => false,
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
      whilePaused: { pollMs: 1_000 },
      onStep: (step) => {
        if (options.crashAfterSteps !== undefined && working.done.length - resumedDone >= options.crashAfterSteps) throw new SimulatedCrash(`crashed before ${step.id}`);
        tick(`before ${step.id}`);
      },
    });
  } catch (error) {
    if (error instanceof RunInterrupted) return { checkpoint: saved, recorder };
    controller.abort(error);
    return { checkpoint: saved, recorder, error };
  }
  return { checkpoint: saved, recorder };
}
