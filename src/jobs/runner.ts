/**
 * The step runner (docs/ARCHITECTURE.md principle 6): runs an approved plan's steps as one BullMQ job.
 *
 * - Marks the plan running (the one read of the plan on this side of the queue), then confirms the
 *   target lock that the approval took and handed over: it extends it, and never takes it again.
 * - The steps run in `runStepLoop` (step-loop.ts) with the checkpoint in job data (`job.updateData`),
 *   Cancel and Pause from RunSignals, and questions posted in the thread. While a step runs, a Cancel
 *   is also polled here so the step's signal aborts and long waits stop early.
 * - Worker shutdown aborts the step too, but the run is not over: the job goes back to the queue
 *   (moveToDelayed + DelayedError, which costs no attempt) and another worker resumes it.
 * - One execution at a time (run-lease.ts): the run's lease is taken before anything else and renewed
 *   with the BullMQ job lock; every mutation's audit entry and every checkpoint write compare its fencing
 *   token. Losing the lock or the lease aborts the step and this execution stops without touching the run:
 *   no cleanup, no status, no message (the execution that took the run over owns all of that).
 * - Retry classes (principle 8): UserFacingError (incl. RefusalError) fails at once, without retry;
 *   anything else is retried by BullMQ with exponential backoff, and reported with a reference id
 *   once the attempts are used up.
 * - Every terminal outcome (succeeded, failed for good, cancelled) runs `kind.cleanup`, records
 *   the outcome on the plan, posts the summary in the thread, updates the plan message and
 *   releases the target lock (`finishRun`, also used for runs found dead at worker start-up); a cleanup
 *   with parts left keeps the lock and goes on as a durable cleanup job (cleanup.ts).
 */
import { createHash } from 'node:crypto';
import type { Tracer } from '@opentelemetry/api';
import type { KnownBlock } from '@slack/types';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { renderPlanMessage } from '../blocks/plan-message.js';
import { renderAnsweredQuestion, renderQuestion } from '../blocks/question.js';
import { renderStatusCard, type RunState, type StatusCardView } from '../blocks/status-card.js';
import { errorReference, UserFacingError } from '../errors.js';
import { withRunSignal } from '../integrations/call-deadlines.js';
import type { Clock } from '../integrations/clock.js';
import type { Metrics } from '../integrations/metrics.js';
import { RUN_LOCK_TTL_MS } from '../integrations/redis/locks.js';
import type { StoredPlan } from '../integrations/redis/plan-store.js';
import { LeaseLost, type Fence, type JobLock, type RunLeases } from '../integrations/redis/run-lease.js';
import { retriedBelow } from '../integrations/retry-policy.js';
import type { MessageRef } from '../integrations/slack/outbox.js';
import type { Logger } from '../logger.js';
import type { JobKind, Question } from './kind.js';
import type { RunOutcome } from './plan-lifecycle.js';
import type { Checkpoint, RunJobData } from './queues.js';
import { RunInterrupted, runStepLoop } from './step-loop.js';
import { cleanUp, runKindContext, scheduleCleanup, type CleanupDeps } from './cleanup.js';

export interface RunnerDeps extends CleanupDeps {
  leases: RunLeases;
  /** The run lease's lifetime: the BullMQ lock duration, so the lease lapses when the job lock does. */
  leaseTtlMs: number;
  settingsFor(kind: string): unknown;
  /** Real time between checks of the Cancel flag while a step runs; default 1000 ms. */
  signalPollMs?: number;
  /** Lease of the target lock, renewed every third of it while the job runs. */
  lockTtlMs?: number;
  /** Counts runs and times runs and steps (README "Metrics"); absent = not counted. */
  metrics?: Metrics;
  /** Traces each step (README "Traces"); absent = no spans. */
  tracer?: Tracer;
}

/** A parked run looks again after this long even if no answer, Resume or Cancel woke it. */
const PARK_RECHECK_MS = 60_000;

/**
 * The BullMQ processor body for one run. `shutdown` is aborted when this worker closes, `lockLost` when
 * BullMQ could not renew this job's lock.
 */
export async function runPlanJob(
  deps: RunnerDeps,
  job: Job<RunJobData>,
  token: string | undefined,
  shutdown: AbortSignal,
  lockLost?: AbortSignal,
): Promise<RunOutcome | 'skipped'> {
  const planId = job.data.planId;
  const log = deps.log.child({ component: 'runner', planId, jobId: job.id });
  // The job's name is the plan's kind (enqueueRun), so an unknown kind is found before touching the plan.
  const kind = deps.kinds.get(job.name);
  if (!kind) return refuseUnknownKind(deps, job);
  if (shutdown.aborted) return requeue(job, token);
  const lease = await deps.leases.acquire(planId, deps.leaseTtlMs);
  if (!lease.ok) {
    // An earlier execution lost its job lock but may still be running: wait until its lease ends.
    log.warn({ heldForMs: lease.heldForMs }, 'another execution still holds this run; trying again when its lease ends');
    return requeue(job, token, lease.heldForMs);
  }
  const started = await deps.plans.start(planId);
  if (!started.changed) {
    if (!started.plan) throw new UnrecoverableError(`plan ${planId} not found`);
    // Cancelled before it started, or finished by a previous attempt that died after recording it: that attempt
    // may have died before queueing its summary, which is queued once under its name, so queue it (again).
    log.info({ status: started.plan.status }, 'plan is not runnable; nothing to do');
    if (started.plan.startedAt !== undefined) await queueSummary(deps, started.plan);
    await deps.locks.release(started.plan.target, planId);
    await deps.leases.forget(planId);
    return 'skipped';
  }
  const jobLock = token ? { key: `${jobKey(job)}:lock`, token } : undefined;
  const run = new Run(deps, kind, started.plan, job, lease.fence, jobLock, log);
  return run.execute(token, shutdown, started.before.status === 'approved', lockLost);
}

/** During a rolling deploy another worker may know the kind: retry, and give up on the last attempt. */
async function refuseUnknownKind(deps: RunnerDeps, job: Job<RunJobData>): Promise<never> {
  if (job.attemptsMade + 1 < (job.opts.attempts ?? 1)) throw new Error(`unknown job kind ${job.name}`);
  const outcome = `No worker knows job kind ${job.name}; nothing was run.`;
  const failed = await deps.plans.finish(job.data.planId, 'failed', outcome);
  if (failed.changed) {
    deps.metrics?.runFinished(job.name, 'failed', undefined);
    const plan = failed.plan;
    await deps.locks.release(plan.target, plan.id);
    if (plan.messageTs) await deps.outbox.queuePost(plan.channel, { text: `:red_circle: ${outcome}`, thread_ts: plan.messageTs });
  }
  throw new UnrecoverableError(outcome);
}

/** The Redis hash BullMQ keeps a job in (`<prefix>:<queue>:<id>`; its lock is that key + `:lock`). */
function jobKey(job: Job<RunJobData>): string {
  return `${job.queueQualifiedName}:${job.id}`;
}

async function requeue(job: Job<RunJobData>, token: string | undefined, delayMs = 0): Promise<never> {
  await job.moveToDelayed(Date.now() + delayMs, token);
  throw new DelayedError();
}

class Run {
  private readonly checkpointData: Checkpoint;
  private readonly controller = new AbortController();
  private fields: Record<string, string> = {};
  private currentStep: StatusCardView['step'];
  private note: string | undefined;

  constructor(
    private readonly deps: RunnerDeps,
    private readonly kind: JobKind,
    private plan: StoredPlan,
    private readonly job: Job<RunJobData>,
    private readonly fence: Fence,
    private readonly jobLock: JobLock | undefined,
    private readonly log: Logger,
  ) {
    this.checkpointData = job.data.checkpoint ?? { done: [], state: kind.initialState(plan.plan) };
  }

  async execute(token: string | undefined, shutdown: AbortSignal, firstStart: boolean, lockLost?: AbortSignal): Promise<RunOutcome> {
    const stopWatching = this.watch(shutdown, lockLost);
    const ended = this.deps.metrics?.runStarted(this.kind.command.subcommand, this.plan.startedAt ?? this.deps.clock.now(), this.kind.estimateSeconds?.(this.plan.plan));
    try {
      await this.start(firstStart);
      if (await this.stillParked()) return await this.park(token);
      delete this.checkpointData.parked;
      // Cancel and shutdown abort the external calls the steps are waiting on, not only the waits between them.
      await withRunSignal(this.controller.signal, () => runStepLoop(this.stepRun()));
      stopWatching();
      return await this.finish('succeeded');
    } catch (err) {
      stopWatching();
      const reason: unknown = this.controller.signal.aborted ? this.controller.signal.reason : undefined;
      if (err instanceof LeaseLost || (reason instanceof RunInterrupted && reason.why === 'lease-lost')) {
        this.log.warn({ err }, 'this execution lost the run (job lock or lease); stopping without touching it');
        // Ours only if BullMQ still gives us the job (the lease lapsed alone): then it resumes from its checkpoint.
        return requeue(this.job, token);
      }
      if (reason instanceof RunInterrupted && reason.why === 'park') return this.park(token);
      if (reason instanceof RunInterrupted && reason.why === 'shutdown') {
        this.log.info('worker shutting down; the run goes back to the queue and resumes from its checkpoint');
        await this.saveCheckpoint();
        await this.deps.leases.release(this.fence);
        return requeue(this.job, token);
      }
      if (reason instanceof RunInterrupted) return this.finish('cancelled', `Cancelled by <@${reason.by}>.`, reason.by);
      return this.fail(err);
    } finally {
      ended?.();
    }
  }

  /** Confirm the lock the approval handed over, and post the status card on the first attempt. */
  private async start(firstStart: boolean): Promise<void> {
    if (!(await this.deps.locks.extend(this.plan.target, this.plan.id, this.lockTtl()))) {
      // Someone else holds the target, or the lease lapsed and nothing vouches for the target since: stop.
      const holder = await this.deps.locks.holder(this.plan.target);
      throw new UserFacingError(
        holder
          ? `The target \`${this.plan.target}\` is locked by ${holder}; this run cannot continue safely.`
          : `The lock on \`${this.plan.target}\` lapsed before this run confirmed it; this run cannot continue safely. Request a new plan.`,
      );
    }
    if (firstStart) {
      await this.deps.audit.append({ actor: 'deckhand', action: 'run.started', target: this.plan.target, planId: this.plan.id, jobId: this.job.id });
      await this.updatePlanMessage();
    }
    // Queued, not delivered: the first step starts whether or not Slack answers (posted once across attempts).
    const posted = await this.deps.outbox.queuePost(this.plan.channel, { ...this.card('running'), thread_ts: this.plan.messageTs }, { once: statusCardRef(this.plan.id) });
    if (!posted) this.showCard('running');
  }

  /** The step loop's ports for a BullMQ run: job data, RunSignals, the thread and the status card. */
  private stepRun() {
    const plan = this.plan;
    const threadTs = plan.messageTs ?? { ref: statusCardRef(plan.id) };
    return {
      kind: this.kind,
      plan: plan.plan,
      planId: plan.id,
      jobId: this.job.id ?? plan.id,
      checkpoint: this.checkpointData,
      context: runKindContext(this.deps, plan.kind, this.log),
      controller: this.controller,
      tracer: this.deps.tracer,
      progress: {
        status: (fields: Record<string, string>) => {
          this.fields = fields;
          this.showCard('running');
        },
        milestone: async (text: string) => {
          // A step that runs again after a crash says the same thing again: the thread shows it once.
          await this.deps.outbox.queuePost(plan.channel, { text, thread_ts: threadTs }, { once: `milestone:${plan.id}:${createHash('sha256').update(text).digest('hex')}` });
        },
        file: async (file: { filename: string; title: string; content: string }) => {
          await this.deps.outbox.queueUpload(plan.channel, threadTs, file);
        },
      },
      save: () => this.saveCheckpoint(),
      cancelRequested: () => this.deps.signals.cancelRequested(plan.id),
      isPaused: () => this.deps.signals.isPaused(plan.id),
      ask: (question: Question) => this.ask(question, threadTs),
      audit: async (action: string, details: Record<string, unknown>) => {
        await this.deps.audit.append(
          { actor: 'deckhand', action, target: plan.target, planId: plan.id, jobId: this.job.id, details: { ...details, approvedBy: plan.decidedBy } },
          this.fence,
        );
      },
      whilePaused: 'park' as const,
      onStep: (step: { title: string }, position: { index: number; total: number }) => {
        this.currentStep = { ...position, title: step.title };
        this.showCard('running');
      },
      onStepDone: (_step: unknown, elapsedMs: number) => this.deps.metrics?.stepDuration.observe({ kind: this.kind.command.subcommand }, elapsedMs / 1000),
      onPause: (paused: boolean) => {
        if (paused) this.checkpointData.parked = { pause: true };
        this.showCard(paused ? 'paused' : 'running');
      },
    };
  }

  /**
   * The answer the bot recorded; until there is one, post the question (once) and park the run. The step runs
   * again when the run resumes (steps are idempotent) and finds the answer here.
   */
  private async ask(question: Question, threadTs: MessageRef): Promise<string> {
    const choices = question.choices.map((c) => ({ id: c.id, needsApprover: c.needsApprover === true }));
    await this.deps.signals.recordQuestion(this.plan.id, question.id, { choices });
    const message = { ref: `question:${this.plan.id}:${question.id}` };
    const answer = await this.deps.signals.getAnswer(this.plan.id, question.id);
    if (answer) {
      this.note = undefined;
      this.showCard('running');
      await this.deps.outbox.queueUpdate(this.plan.channel, message, renderAnsweredQuestion(question, answer));
      this.log.info({ questionId: question.id, choice: answer.choice, user: answer.by }, 'question answered');
      return answer.choice;
    }
    await this.deps.outbox.queuePost(this.plan.channel, { ...renderQuestion(this.plan.id, question), thread_ts: threadTs }, { once: message.ref });
    this.checkpointData.parked = { question: question.id };
    this.note = `Waiting for an answer: ${question.text}`;
    this.showCard('running');
    const parking = new RunInterrupted('park');
    this.controller.abort(parking);
    throw parking;
  }

  /** True while what the run parked for (an answer, Resume) has not happened and nobody cancelled. */
  private async stillParked(): Promise<boolean> {
    const parked = this.checkpointData.parked;
    if (!parked || (await this.deps.signals.cancelRequested(this.plan.id)) !== undefined) return false;
    if ('question' in parked) return (await this.deps.signals.getAnswer(this.plan.id, parked.question)) === undefined;
    return this.deps.signals.isPaused(this.plan.id);
  }

  /**
   * Ends this attempt without using a worker slot while a human decides: the job waits in the queue (delayed; no
   * attempt counted) until `wakeRun` promotes it, or rechecks after PARK_RECHECK_MS in case a wake was missed.
   */
  private async park(token: string | undefined): Promise<never> {
    await this.saveCheckpoint();
    if (this.checkpointData.parked && 'pause' in this.checkpointData.parked) this.showCard('paused');
    this.log.info({ parked: this.checkpointData.parked }, 'run parked until a human acts');
    // The execution that resumes it must not wait for this one's lease to lapse.
    await this.deps.leases.release(this.fence);
    await this.job.moveToDelayed(Date.now() + PARK_RECHECK_MS, token);
    // The answer or Resume may have come while this attempt was parking: then go on now.
    if (!(await this.stillParked())) await this.job.promote().catch(() => undefined);
    throw new DelayedError();
  }

  /** Turns shutdown, Cancel and a lost job lock or lease into aborts of the step signal; keeps the target lock and the lease alive. */
  private watch(shutdown: AbortSignal, lockLost: AbortSignal | undefined): () => void {
    const onShutdown = () => this.controller.abort(new RunInterrupted('shutdown'));
    shutdown.addEventListener('abort', onShutdown, { once: true });
    if (shutdown.aborted) onShutdown();
    const onLockLost = () => this.loseRun('BullMQ could not renew the job lock');
    lockLost?.addEventListener('abort', onLockLost, { once: true });
    if (lockLost?.aborted) onLockLost();
    const leaseRenewal = setInterval(() => {
      this.deps.leases
        .renew(this.fence, this.deps.leaseTtlMs, this.jobLock)
        .then((ok) => ok || this.loseRun('the run lease was lost'))
        .catch((err: unknown) => this.log.warn({ err }, 'could not renew the run lease'));
    }, this.deps.leaseTtlMs / 3);
    let polling = false;
    const cancelPoll = setInterval(() => {
      if (polling || this.controller.signal.aborted) return;
      polling = true;
      this.deps.signals
        .cancelRequested(this.plan.id)
        .then((by) => {
          if (by === undefined || this.controller.signal.aborted) return;
          this.controller.abort(new RunInterrupted('cancel', by));
          this.showCard('cancelling');
        })
        .catch((err: unknown) => this.log.warn({ err }, 'could not read the cancel flag'))
        .finally(() => (polling = false));
    }, this.deps.signalPollMs ?? 1000);
    const lockRenewal = setInterval(() => {
      this.deps.locks
        .extend(this.plan.target, this.plan.id, this.lockTtl())
        .then((ok) => ok || this.log.error({ target: this.plan.target }, 'lost the target lock while running'))
        .catch((err: unknown) => this.log.warn({ err }, 'could not renew the target lock'));
    }, this.lockTtl() / 3);
    return () => {
      shutdown.removeEventListener('abort', onShutdown);
      lockLost?.removeEventListener('abort', onLockLost);
      clearInterval(cancelPoll);
      clearInterval(lockRenewal);
      clearInterval(leaseRenewal);
    };
  }

  private loseRun(why: string): void {
    if (this.controller.signal.aborted) return;
    this.log.warn({ fence: this.fence.token }, `${why}; aborting this execution`);
    this.controller.abort(new RunInterrupted('lease-lost'));
  }

  private async fail(err: unknown): Promise<never> {
    if (err instanceof UserFacingError) {
      this.log.warn({ err }, 'run refused');
      await this.finish('failed', err.message);
      throw new UnrecoverableError(err.message);
    }
    const reference = errorReference();
    const attempt = this.job.attemptsMade + 1;
    const attempts = this.job.opts.attempts ?? 1;
    const at = this.currentStep ? ` in step ${this.currentStep.index} (${this.currentStep.title})` : '';
    this.log.error({ err, reference, attempt, attempts }, 'run attempt failed');
    // A call whose own retries are used up is not retried again by re-running the run (src/integrations/retry-policy.ts).
    if (attempt < attempts && !retriedBelow(err)) {
      await this.saveCheckpoint();
      // The next attempt takes the run at once, with the next fencing token.
      await this.deps.leases.release(this.fence);
      this.note = `Temporary error${at}; retrying (attempt ${attempt} of ${attempts}). Reference: ${reference}`;
      this.showCard('retrying');
      throw err;
    }
    await this.finish('failed', `Failed${at} after ${attempt} attempt${attempt === 1 ? '' : 's'}. Reference: ${reference}`);
    throw new UnrecoverableError(err instanceof Error ? err.message : String(err));
  }

  private async finish(outcome: RunOutcome, detail?: string, actor?: string): Promise<RunOutcome> {
    // Cleanup and the final report belong to the execution that owns the run, never to one taken over.
    if (!(await this.deps.leases.renew(this.fence, this.deps.leaseTtlMs, this.jobLock))) throw new LeaseLost(this.plan.id);
    this.note = detail;
    await finishRun(this.deps, this.kind, this.plan, this.checkpointData, outcome, {
      detail,
      actor,
      jobId: this.job.id,
      fields: this.fields,
      step: this.currentStep,
      log: this.log,
    });
    return outcome;
  }

  private async saveCheckpoint(): Promise<void> {
    await this.deps.leases.writeJobData(this.fence, jobKey(this.job), { planId: this.plan.id, checkpoint: this.checkpointData });
  }

  private showCard(state: RunState): void {
    this.deps.outbox.updateCard(this.plan.id, this.plan.channel, { ref: statusCardRef(this.plan.id) }, this.card(state));
  }

  private card(state: RunState): { text: string; blocks: KnownBlock[] } {
    return statusCard(this.deps.clock, this.plan, state, { step: this.currentStep, fields: this.fields, note: this.note });
  }

  private async updatePlanMessage(): Promise<void> {
    await updatePlanMessage(this.deps, this.kind, this.plan, undefined, this.log);
  }

  private lockTtl(): number {
    return this.deps.lockTtlMs ?? RUN_LOCK_TTL_MS;
  }
}

/**
 * Everything a terminal outcome owes: cleanup, the plan's final status, the final card, the summary
 * in the thread and on the plan message, the lock released, and an audit record. Each part is
 * attempted even if an earlier one fails, and cleanup always runs first. Only the caller whose
 * status transition wins reports, so a run is never announced twice.
 */
export async function finishRun(
  deps: RunnerDeps,
  kind: JobKind,
  plan: StoredPlan,
  checkpoint: Checkpoint,
  outcome: RunOutcome,
  extra: { detail?: string; jobId?: string; fields?: Record<string, string>; step?: StatusCardView['step']; log: Logger; actor?: string },
): Promise<StoredPlan> {
  const { log } = extra;
  const cleanup = await cleanUp(deps, kind, plan, checkpoint.state, log);
  const unfinished = cleanup.left.length > 0;
  const finalOutcome = unfinished && outcome === 'succeeded' ? 'failed' : outcome;
  const cleanupNote = unfinished ? ` :warning: Cleanup not finished: ${cleanup.left.length} part(s) left; deckhand keeps retrying them (below).` : '';
  const steps = kind.steps(plan.plan, checkpoint.state);
  const doneCount = steps.filter((s) => checkpoint.done.includes(s.id)).length;
  const summary = [kind.summarize(plan.plan, checkpoint.state, finalOutcome), extra.detail, `Steps done: ${doneCount} of ${steps.length}.${cleanupNote}`]
    .filter(Boolean)
    .join('\n');
  const result = await deps.plans.finish(plan.id, finalOutcome, summary);
  if (!result.changed) {
    // Another worker (a dead-run sweep racing this one) already reported it: say nothing twice.
    log.info('run already finished elsewhere');
    await deps.locks.release(plan.target, plan.id).catch((err: unknown) => log.error({ err }, 'releasing the lock failed'));
    await deps.leases.forget(plan.id).catch((err: unknown) => log.error({ err }, 'forgetting the run lease failed'));
    return result.plan ?? plan;
  }
  const finished = result.plan;
  const runSeconds = finished.startedAt === undefined ? undefined : ((finished.finishedAt ?? deps.clock.now()) - finished.startedAt) / 1000;
  deps.metrics?.runFinished(plan.kind, finalOutcome, runSeconds);

  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      log.error({ err }, `${what} failed`);
    }
  };
  // Free the target first: a new plan must not wait for Slack to accept the summary. An unfinished cleanup keeps it.
  if (!unfinished) await attempt('releasing the lock', () => deps.locks.release(plan.target, plan.id));
  await attempt('forgetting the run lease', () => deps.leases.forget(plan.id));
  await attempt('forgetting the run signals', () => deps.signals.forget(plan.id));
  // Queued, not delivered (Slack may be down): the outbox delivers them in this order when it can.
  if (finished.startedAt !== undefined) {
    const card = statusCard(deps.clock, finished, finalOutcome, { step: extra.step, fields: extra.fields ?? {}, note: extra.detail });
    deps.outbox.updateCard(plan.id, plan.channel, { ref: statusCardRef(plan.id) }, card);
  }
  // The final card goes out before the summary, so the thread reads in order.
  await attempt('queueing the status card', () => deps.outbox.flush(plan.id));
  await attempt('queueing the summary', () => queueSummary(deps, finished));
  await attempt('updating the plan message', () => updatePlanMessage(deps, kind, finished, summary, log));
  if (unfinished) await attempt('scheduling the rest of the cleanup', () => scheduleCleanup(deps, finished, checkpoint, cleanup, log));
  await attempt('auditing', () =>
    deps.audit.append({ actor: extra.actor ?? 'deckhand', action: `run.${finalOutcome}`, target: plan.target, planId: plan.id, jobId: extra.jobId, details: { summary } }),
  );
  log.info({ outcome: finalOutcome }, 'run finished');
  return finished;
}

/**
 * The run's final message (its outcome, stored on the finished plan), posted once under its name: a worker that
 * dies after recording the outcome but before queueing it leaves the job to another attempt, which queues it.
 */
async function queueSummary(deps: RunnerDeps, plan: StoredPlan): Promise<void> {
  const icon = plan.status === 'succeeded' ? ':large_green_circle:' : plan.status === 'cancelled' ? ':black_square_for_stop:' : ':red_circle:';
  const thread = plan.messageTs ?? { ref: statusCardRef(plan.id) };
  await deps.outbox.queuePost(plan.channel, { text: `${icon} ${plan.outcome ?? ''}`, thread_ts: thread }, { once: `summary:${plan.id}` });
}

/** The outbox's name for a run's status card: posted once, updated by name before Slack has given it a ts. */
const statusCardRef = (planId: string) => `card:${planId}`;

/** The run's status card as it stands now; the running card and the final one differ only in state and note. */
function statusCard(clock: Clock, plan: StoredPlan, state: RunState, at: Pick<StatusCardView, 'step' | 'fields' | 'note'>) {
  return renderStatusCard({
    planId: plan.id,
    kind: plan.kind,
    target: plan.target,
    state,
    ...at,
    startedAt: plan.startedAt ?? clock.now(),
    now: clock.now(),
    requestedBy: plan.requestedBy,
  });
}


async function updatePlanMessage(deps: RunnerDeps, kind: JobKind, plan: StoredPlan, outcome: string | undefined, log: Logger): Promise<void> {
  if (!plan.messageTs) return;
  try {
    const message = renderPlanMessage(plan, kind.renderPlan(plan.plan), { outcome });
    await deps.outbox.queueUpdate(plan.channel, plan.messageTs, message);
  } catch (err) {
    log.error({ err }, 'could not update the plan message');
  }
}
