/**
 * The BullMQ worker process side: runs approved plans (runner.ts) and finds runs that died.
 *
 * A run "died" when its plan is still `running` but its job is no longer active, waiting or
 * delayed (it exhausted its stalled retries, or was removed), or when a plan stayed `approved` with
 * no job for minutes (the bot stopped between approval and enqueue). Its cleanup runs, its lock is
 * released and it is reported failed, at each worker's start-up and then periodically in one of the workers (a
 * periodic task, src/jobs/periodic.ts), because BullMQ's stalled checker can fail a job while no processor of
 * ours is there to notice (docs/ARCHITECTURE.md principle 6).
 *
 * `close()`: stop taking jobs, abort running steps so they checkpoint and go back to the queue,
 * wait for them, then close what this module opened. The connection passed in belongs to the caller.
 */
import { Queue, Worker, type Job, type JobState, type Telemetry, type WorkerOptions } from 'bullmq';
import { logRedisErrors } from '../integrations/redis/connections.js';
import { RUN_LOCK_TTL_MS } from '../integrations/redis/locks.js';
import { RunLeases } from '../integrations/redis/run-lease.js';
import type { PlanStore, StoredPlan } from '../integrations/redis/plan-store.js';
import type { Logger } from '../logger.js';
import type { JobKind } from './kind.js';
import { PlanLifecycle } from './plan-lifecycle.js';
import { runCleanupJob } from './cleanup.js';
import { startPeriodic } from './periodic.js';
import { CLEANUP_JOB, RUN_QUEUE, type RunJobData } from './queues.js';
import { finishRun, runPlanJob, type RunnerDeps } from './runner.js';

export interface WorkerDeps extends Omit<RunnerDeps, 'plans' | 'leases' | 'leaseTtlMs' | 'runQueue'> {
  plans: PlanStore;
  /** Runs in parallel per process; runs mostly wait on AWS and Kubernetes, so a few are cheap. Default 5. */
  concurrency?: number;
  /** How often one of the workers looks for dead runs after start-up; default 60 s. */
  deadRunSweepMs?: number;
  /** Extra BullMQ worker options (tests shorten lockDuration / stalledInterval). */
  workerOptions?: Partial<WorkerOptions>;
  /** BullMQ's tracing (src/integrations/tracing.ts): the job's `process` span parents the step spans. */
  telemetry?: Telemetry;
}

/**
 * How fast a run resumes after its worker died without warning (SIGKILL, OOM, node lost), README "Running it".
 * The job lock (renewed every half of it) lapses at most `LOCK_DURATION_MS` after the death. A stall check (every
 * `STALLED_INTERVAL_MS`, in whichever worker; BullMQ lets one run per interval across workers) first marks the
 * active job, and the next check after the lock lapsed hands it out: at most the lock plus two intervals.
 * BullMQ's defaults (30 s lock, 30 s interval) made that about a minute. The run lease lives as long as the lock.
 */
export const LOCK_DURATION_MS = 15_000;
export const STALLED_INTERVAL_MS = 10_000;
export const RESUME_AFTER_CRASH_MS = LOCK_DURATION_MS + 2 * STALLED_INTERVAL_MS;

export const DEAD_RUN_QUEUE = 'deckhand-dead-runs';

const ALIVE: ReadonlySet<JobState | 'unknown'> = new Set(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children']);

export async function startWorkers(opts: WorkerDeps): Promise<{ close(): Promise<void> }> {
  const log = opts.log.child({ component: 'worker' });
  const lockDuration = opts.workerOptions?.lockDuration ?? LOCK_DURATION_MS;
  const lookups = new Queue<RunJobData>(RUN_QUEUE, { connection: opts.connection, prefix: opts.prefix });
  logRedisErrors(lookups, log, 'run queue lookups');
  const deps: RunnerDeps = {
    ...opts,
    log,
    plans: new PlanLifecycle(opts.plans, opts.clock),
    leases: new RunLeases(opts.connection, opts.prefix),
    leaseTtlMs: lockDuration,
    runQueue: lookups,
  };
  const shutdown = new AbortController();

  await sweepDeadRuns(deps, lookups, log);

  const processJob = (job: Job<RunJobData>, token: string | undefined, lockLost?: AbortSignal) =>
    job.name === CLEANUP_JOB ? runCleanupJob(deps, job, token) : runPlanJob(deps, job, token, shutdown.signal, lockLost);
  const worker = new Worker<RunJobData>(RUN_QUEUE, processJob, {
    connection: opts.connection,
    prefix: opts.prefix,
    concurrency: opts.concurrency ?? 5,
    lockDuration,
    stalledInterval: STALLED_INTERVAL_MS,
    // BullMQ's default (1) fails a job on its second stall. Our steps are checkpointed and idempotent, so a run
    // whose workers keep dying (node drained under it, OOM, deploys) should resume, not fail.
    maxStalledCount: 50,
    ...(opts.telemetry ? { telemetry: opts.telemetry } : {}),
    ...opts.workerOptions,
  });
  logRedisErrors(worker, log, 'worker');
  // The job may be handed to another worker now: abort our processor (its signal) before it touches anything else.
  worker.on('lockRenewalFailed', (jobIds) => jobIds.forEach((id) => worker.cancelJob(id, 'job lock lost')));
  worker.on('failed', (job, err) => log.warn({ jobId: job?.id, planId: job?.data.planId, err: err.message, attemptsMade: job?.attemptsMade }, 'run attempt failed'));
  await worker.waitUntilReady();

  // Only workers take these ticks: closing a dead run runs its cleanup, which needs the worker's identity.
  const sweeper = startPeriodic({
    name: DEAD_RUN_QUEUE,
    everyMs: opts.deadRunSweepMs ?? 60_000,
    connection: opts.connection,
    prefix: opts.prefix,
    log,
    run: () => sweepDeadRuns(deps, lookups, log),
  });

  let closing: Promise<void> | undefined;
  return {
    close: () =>
      (closing ??= (async () => {
        const workerClosed = worker.close();
        shutdown.abort();
        await Promise.all([workerClosed, sweeper.close()]);
        await lookups.close();
        await opts.outbox.flush();
        log.info('workers closed');
      })()),
  };
}

/**
 * Finds runs whose job is gone or failed for good while the plan still says running, and approved
 * plans that were never queued (the bot stopped between approval and enqueue), and closes them.
 */
export async function sweepDeadRuns(deps: RunnerDeps, queue: Queue<RunJobData>, log: Logger): Promise<number> {
  let closed = 0;
  const candidates = [...(await deps.plans.listByStatus('running')), ...(await deps.plans.listByStatus('approved'))];
  for (const plan of candidates) {
    const job = await queue.getJob(plan.id);
    const state = job ? await job.getState() : 'unknown';
    if (ALIVE.has(state)) {
      // The lock the approval took must outlive the wait in the queue and between retries: the runner only confirms it.
      await deps.locks.extend(plan.target, plan.id, deps.lockTtlMs ?? RUN_LOCK_TTL_MS);
      continue;
    }
    if (plan.status === 'approved' && !job && !neverQueued(deps, plan)) continue;
    const kind = deps.kinds.get(plan.kind);
    if (!kind) {
      log.warn({ planId: plan.id, kind: plan.kind }, 'dead run of a kind this worker does not know; leaving it to a worker that does');
      continue;
    }
    if (await closeDeadRun(deps, kind, plan, job?.data.checkpoint, state, log)) closed++;
  }
  return closed;
}

/** The bot enqueues right after approving; give it a generous grace period before calling the job lost. */
const ENQUEUE_GRACE_MS = 5 * 60_000;

function neverQueued(deps: RunnerDeps, plan: StoredPlan): boolean {
  const approvedAt = Math.max(plan.createdAt, ...plan.approvals.map((a) => a.at));
  return deps.clock.now() - approvedAt > ENQUEUE_GRACE_MS;
}

async function closeDeadRun(
  deps: RunnerDeps,
  kind: JobKind,
  plan: StoredPlan,
  checkpoint: RunJobData['checkpoint'],
  jobState: string,
  log: Logger,
): Promise<boolean> {
  const runLog = log.child({ planId: plan.id, jobId: plan.id });
  // A frozen execution whose job was failed meanwhile may still hold the run: leave it until its lease ends.
  if (!(await deps.leases.acquire(plan.id, deps.leaseTtlMs)).ok) return false;
  runLog.warn({ jobState }, 'run died; cleaning up');
  const detail =
    plan.status === 'approved'
      ? 'The plan was approved but never queued (deckhand stopped in between); nothing ran. Request a new plan.'
      : `The run stopped unexpectedly (its job is ${jobState === 'unknown' ? 'gone' : jobState}); cleanup ran. Request a new plan to finish the work.`;
  const finished = await finishRun(deps, kind, plan, checkpoint ?? { done: [], state: kind.initialState(plan.plan) }, 'failed', {
    detail,
    jobId: plan.id,
    log: runLog,
  });
  return finished.status === 'failed';
}
