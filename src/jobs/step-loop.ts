/**
 * The one step loop (docs/ARCHITECTURE.md principle 6), run by the BullMQ runner and by the tests' step
 * harness alike; each supplies where the checkpoint goes, the Cancel and Pause signals, and how a question
 * is asked. Between steps: Cancel, then Pause. Then the first step whose id is not in `checkpoint.done`
 * runs, and the checkpoint is saved once it returns, so a resumed run never repeats a finished step.
 * A cancel seen here aborts the run's signal, so long waits inside steps stop early too.
 */
import { SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { JobKind, KindContext, Progress, Question, Step, StepContext } from './kind.js';

/**
 * Why a run's signal was aborted: Cancel (by a user), the worker shutting down, this execution losing the run
 * (its BullMQ job lock or its run lease: another execution may own the run now), or the run parked to wait on
 * a human.
 */
export class RunInterrupted extends Error {
  override name = 'RunInterrupted';
  constructor(
    readonly why: 'cancel' | 'shutdown' | 'lease-lost' | 'park',
    readonly by?: string,
  ) {
    super(why === 'cancel' ? `cancelled by ${by}` : why === 'shutdown' ? 'worker shutting down' : why === 'park' ? 'parked until a human acts' : 'this execution lost the run');
  }
}

export interface StepRun<Plan, State> {
  kind: JobKind<unknown, unknown, Plan, State>;
  plan: Plan;
  planId: string;
  jobId: string;
  /** Updated in place: completed step ids are appended, and the steps change `state`. */
  checkpoint: { done: string[]; state: State };
  context: KindContext;
  /** The run's abort controller; its signal is the steps' `signal`. */
  controller: AbortController;
  progress: Progress;
  /** Persists `checkpoint` (after every step, and when a step calls `ctx.checkpoint()`). */
  save(): Promise<void>;
  /** Who asked to cancel, or undefined. */
  cancelRequested(): Promise<string | undefined>;
  isPaused(): Promise<boolean>;
  ask(question: Question): Promise<string>;
  audit(action: string, details: Record<string, unknown>): Promise<void>;
  /**
   * While paused: check again every `pollMs` of clock time, or 'park': stop with RunInterrupted('park') so the
   * runner frees the worker slot until Resume.
   */
  whilePaused: { pollMs: number } | 'park';
  /** Told before a step starts (the status card shows it; tests crash here). */
  onStep?(step: Step<Plan, State>, position: { index: number; total: number }): void;
  /** Told when a step completed, with the clock time it took (metrics). */
  onStepDone?(step: Step<Plan, State>, elapsedMs: number): void;
  /** Wraps each step in a span (README "Traces"); absent = no spans. */
  tracer?: Tracer;
  /** Told when the run pauses (true) and resumes (false). */
  onPause?(paused: boolean): void;
}

/** Runs the remaining steps; throws what stopped them (a RunInterrupted for Cancel and shutdown). */
export async function runStepLoop<Plan, State>(run: StepRun<Plan, State>): Promise<void> {
  const { kind, plan, checkpoint, controller } = run;
  const ctx = stepContext(run);
  for (;;) {
    await checkCancel(run);
    await waitWhilePaused(run);
    const steps = kind.steps(plan, checkpoint.state);
    const index = steps.findIndex((s) => !checkpoint.done.includes(s.id));
    if (index < 0) return;
    const step = steps[index]!;
    run.onStep?.(step, { index: index + 1, total: steps.length });
    run.context.log.info({ step: step.id }, 'step started');
    const startedAt = run.context.clock.now();
    await traced(run, step.id, async () => {
      await step.run(ctx);
      // Returning means done, even if a cancel or shutdown arrived meanwhile (steps that honour the
      // signal throw instead): record it before stopping, so it never runs again.
      checkpoint.done.push(step.id);
      await run.save();
    });
    run.context.log.info({ step: step.id }, 'step done');
    run.onStepDone?.(step, run.context.clock.now() - startedAt);
    controller.signal.throwIfAborted();
  }
}

/** One span per step, a child of the active (BullMQ job) span: its outcome, and error status when it threw. */
async function traced(run: StepRun<unknown, unknown>, stepId: string, body: () => Promise<void>): Promise<void> {
  if (!run.tracer) return body();
  const kind = run.kind.command.subcommand;
  const attributes = { 'deckhand.kind': kind, 'deckhand.step': stepId, 'deckhand.plan_id': run.planId };
  await run.tracer.startActiveSpan(`step ${kind}/${stepId}`, { attributes }, async (span) => {
    try {
      await body();
      span.setAttribute('deckhand.outcome', 'done');
    } catch (err) {
      // Cancel, shutdown and parking stop a step without it failing.
      const interrupted = run.controller.signal.reason instanceof RunInterrupted;
      span.setAttribute('deckhand.outcome', interrupted ? 'interrupted' : 'failed');
      if (!interrupted) {
        span.recordException(err instanceof Error ? err : String(err));
        span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      }
      throw err;
    } finally {
      span.end();
    }
  });
}

function stepContext<Plan, State>(run: StepRun<Plan, State>): StepContext<Plan, State> {
  return {
    ...run.context,
    planId: run.planId,
    jobId: run.jobId,
    plan: run.plan,
    state: run.checkpoint.state,
    signal: run.controller.signal,
    progress: run.progress,
    checkpoint: () => run.save(),
    cancelRequested: async () => (await run.cancelRequested()) !== undefined,
    ask: (question) => run.ask(question),
    audit: (action, details) => run.audit(action, details),
  };
}

async function checkCancel(run: StepRun<unknown, unknown>): Promise<void> {
  const by = await run.cancelRequested();
  if (by !== undefined && !run.controller.signal.aborted) run.controller.abort(new RunInterrupted('cancel', by));
  run.controller.signal.throwIfAborted();
}

async function waitWhilePaused(run: StepRun<unknown, unknown>): Promise<void> {
  if (!(await run.isPaused())) return;
  run.context.log.info('run paused');
  run.onPause?.(true);
  const { whilePaused } = run;
  if (whilePaused === 'park') {
    run.controller.abort(new RunInterrupted('park'));
    run.controller.signal.throwIfAborted();
    return;
  }
  while (await run.isPaused()) {
    await run.context.clock.sleep(whilePaused.pollMs, run.controller.signal);
    await checkCancel(run);
  }
  run.context.log.info('run resumed');
  run.onPause?.(false);
}
