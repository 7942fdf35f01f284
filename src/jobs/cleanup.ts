/**
 * Cleanup that always finishes (docs/adr/0006-run-lease-and-durable-cleanup.md).
 *
 * A run's cleanup does every independent part (`cleanupParts` in kind.ts) and reports what is done and what is
 * left. When parts are left, the run still ends (status and summary as usual), but its target stays locked and
 * a cleanup job on the run queue (`CLEANUP_JOB`) retries the rest with backoff, durably: any worker resumes it
 * after a restart. Its thread message says what is left and offers Retry cleanup / Stop retrying to approvers;
 * the target is released once nothing is left, or once an approver stops the retries (the rest is then named
 * as left to do by hand).
 */
import { DelayedError, type Job, type Queue } from 'bullmq';
import type { RedisClient } from '../integrations/redis/connections.js';
import { renderCleanupMessage, type CleanupView } from '../blocks/cleanup-message.js';
import { errorReference } from '../errors.js';
import type { Clients } from '../integrations/clients.js';
import type { Clock } from '../integrations/clock.js';
import type { AuditLog } from '../integrations/redis/audit.js';
import { RUN_LOCK_TTL_MS, type TargetLocks } from '../integrations/redis/locks.js';
import type { StoredPlan } from '../integrations/redis/plan-store.js';
import type { RunSignals } from '../integrations/redis/run-signals.js';
import type { SlackOutbox } from '../integrations/slack/outbox.js';
import type { Logger } from '../logger.js';
import { kindContext, type CleanupReport, type JobKind, type KindContext } from './kind.js';
import type { PlanLifecycle } from './plan-lifecycle.js';
import { CLEANUP_JOB, cleanupJobId, type Checkpoint, type PendingCleanup, type RunJobData } from './queues.js';

/** What cleaning up needs of a worker; the runner's deps extend it. */
export interface CleanupDeps {
  /** A worker-role connection; kinds keep their own records on it too. */
  connection: RedisClient;
  prefix: string;
  kinds: Map<string, JobKind>;
  clients: Clients;
  clock: Clock;
  log: Logger;
  outbox: SlackOutbox;
  plans: PlanLifecycle;
  locks: TargetLocks;
  signals: RunSignals;
  audit: AuditLog;
  settingsFor(kind: string): unknown;
  /** The run queue, where unfinished cleanups wait for their next try. */
  runQueue: Queue<RunJobData>;
  /** Real time before the first retry of an unfinished cleanup; doubles each time up to 5 minutes. Default 15 s. */
  cleanupRetryMs?: number;
}

const MAX_RETRY_MS = 5 * 60_000;
/** Kept as long as finished runs, for post-incident questions. */
const KEEP_SECONDS = 7 * 24 * 3600;

/** The worker's kinds keep their records on its own connection. */
export function runKindContext(deps: CleanupDeps, kind: string, log: Logger): KindContext {
  return kindContext({ ...deps, redis: deps.connection, redisPrefix: deps.prefix }, kind, log);
}

/** The kind's cleanup; a cleanup that throws (a bug, not a failed part) leaves everything for a retry. */
export async function cleanUp(deps: CleanupDeps, kind: JobKind, plan: StoredPlan, state: unknown, log: Logger): Promise<CleanupReport> {
  if (!kind.cleanup) return { done: [], left: [] };
  try {
    const report = await kind.cleanup({ ...runKindContext(deps, plan.kind, log), plan: plan.plan, state });
    if (report.left.length) log.warn({ left: report.left, done: report.done }, 'cleanup not finished');
    else log.info({ done: report.done }, 'cleanup done');
    return report;
  } catch (err) {
    const reference = errorReference();
    log.error({ err, reference }, 'cleanup failed');
    return { done: [], left: [`the whole cleanup (failed unexpectedly, reference ${reference})`] };
  }
}

function retryDelayMs(deps: CleanupDeps, attempts: number): number {
  return Math.min((deps.cleanupRetryMs ?? 15_000) * 2 ** (attempts - 1), MAX_RETRY_MS);
}

/** After the run's own cleanup left parts: keep the target, tell the thread, and queue the retries. */
export async function scheduleCleanup(deps: CleanupDeps, plan: StoredPlan, checkpoint: Checkpoint, report: CleanupReport, log: Logger): Promise<void> {
  const delay = retryDelayMs(deps, 1);
  const pending: PendingCleanup = { attempts: 1, done: report.done, left: report.left };
  await deps.locks.extend(plan.target, plan.id, RUN_LOCK_TTL_MS);
  // Queued, never awaited until Slack answers (docs/ARCHITECTURE.md principle 7): later tries update it by name.
  const message = { ref: `cleanup:${plan.id}` };
  const view: CleanupView = { state: 'pending', planId: plan.id, target: plan.target, done: report.done, left: report.left, attempt: 1, nextTryInMs: delay };
  const queued = await deps.outbox
    .queuePost(plan.channel, { ...renderCleanupMessage(view), thread_ts: plan.messageTs }, { once: message.ref })
    .catch((err: unknown) => log.error({ err }, 'could not queue what the cleanup left'));
  if (queued !== undefined) pending.message = message;
  await deps.runQueue.add(CLEANUP_JOB, { planId: plan.id, checkpoint, cleanup: pending }, { jobId: cleanupJobId(plan.id), delay, removeOnComplete: { age: KEEP_SECONDS }, removeOnFail: { age: KEEP_SECONDS } });
  await deps.audit.append({ actor: 'deckhand', action: 'cleanup.pending', target: plan.target, planId: plan.id, details: { left: report.left } });
}

/** The BullMQ processor body for a cleanup job: one more try, then done, stopped, or back to wait. */
export async function runCleanupJob(deps: CleanupDeps, job: Job<RunJobData>, token: string | undefined): Promise<'finished' | 'stopped' | 'gone'> {
  const { planId, checkpoint, cleanup: pending } = job.data;
  const log = deps.log.child({ component: 'cleanup', planId, jobId: job.id });
  const plan = await deps.plans.get(planId);
  if (!plan || !checkpoint || !pending) {
    log.error('cleanup job without its plan or checkpoint; nothing to do');
    return 'gone';
  }
  const kind = deps.kinds.get(plan.kind);
  const stoppedBy = await deps.signals.cleanupStoppedBy(planId);
  const updateCleanupMessage = async (view: CleanupView) => {
    if (pending.message) await deps.outbox.queueUpdate(plan.channel, pending.message, renderCleanupMessage(view)).catch((err: unknown) => log.error({ err }, 'could not queue the cleanup message update'));
  };
  const show = async (view: CleanupView, reply: string) => {
    await updateCleanupMessage(view);
    await deps.outbox.queuePost(plan.channel, { text: reply, thread_ts: plan.messageTs }).catch((err: unknown) => log.error({ err }, 'could not queue a post to the thread'));
  };
  const end = async (action: string, details: Record<string, unknown>, actor = 'deckhand') => {
    await deps.locks.release(plan.target, plan.id);
    await deps.signals.clearCleanupStop(plan.id);
    await deps.audit.append({ actor, action, target: plan.target, planId: plan.id, details });
  };
  const stop = async (by: string, left: string[]) => {
    await show({ state: 'stopped', planId, target: plan.target, left, by }, `:black_square_for_stop: <@${by}> stopped retrying the cleanup. Left to do by hand: ${left.join('; ')}`);
    await end('cleanup.stopped', { left }, by);
    log.warn({ left, by }, 'cleanup retries stopped by an approver');
    return 'stopped' as const;
  };
  if (stoppedBy) return stop(stoppedBy, pending.left);
  // A worker that does not know the kind (a rolling deploy) leaves it for one that does.
  const report = kind ? await cleanUp(deps, kind, plan, checkpoint.state, log) : { done: [], left: pending.left };
  const attempts = pending.attempts + 1;
  const done = [...pending.done, ...report.done];
  if (report.left.length === 0) {
    await show({ state: 'finished', planId, target: plan.target, done, attempts }, `:white_check_mark: Cleanup finished after ${attempts} attempts: ${done.join('; ') || 'nothing was left to change'}.`);
    await end('cleanup.finished', { done });
    return 'finished';
  }
  const delay = retryDelayMs(deps, attempts);
  const view: CleanupView = { state: 'pending', planId, target: plan.target, done, left: report.left, attempt: attempts, nextTryInMs: delay };
  await updateCleanupMessage(view);
  if (report.left.join('\n') !== pending.left.join('\n')) {
    await deps.outbox.queuePost(plan.channel, { text: `:warning: Cleanup still to do: ${report.left.join('; ')}`, thread_ts: plan.messageTs }).catch((err: unknown) => log.error({ err }, 'could not queue a post to the thread'));
  }
  await job.updateData({ ...job.data, cleanup: { ...pending, attempts, done, left: report.left } });
  await deps.locks.extend(plan.target, plan.id, RUN_LOCK_TTL_MS);
  await job.moveToDelayed(Date.now() + delay, token);
  // Stop clicked while this attempt ran found the job active and could not wake it: wake it here to report the stop.
  if (await deps.signals.cleanupStoppedBy(planId)) await job.promote().catch((err: unknown) => log.warn({ err }, 'could not wake the stopped cleanup'));
  throw new DelayedError();
}
