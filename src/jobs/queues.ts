/**
 * The one BullMQ queue every approved plan runs on. The job name is the kind; the job id is the
 * plan id, so a double-clicked Approve cannot enqueue twice (BullMQ ignores a duplicate id).
 * Job data carries only the plan id and the checkpoint: never secrets (job data is stored in clear).
 */
import { Queue, type Telemetry } from 'bullmq';
import type { RedisClient } from '../integrations/redis/connections.js';
import { logRedisErrors } from '../integrations/redis/connections.js';
import type { StoredPlan } from '../integrations/redis/plan-store.js';
import type { Logger } from '../logger.js';

export const RUN_QUEUE = 'deckhand-runs';

export interface Checkpoint {
  /** Ids of the steps that completed. */
  done: string[];
  /** The kind's run state after the last completed step (or the last `ctx.checkpoint()`). */
  state: unknown;
  /** What a parked run waits for: an answer to this question, or Resume. Cleared when the run goes on. */
  parked?: { question: string } | { pause: true };
}

export interface RunJobData {
  planId: string;
  checkpoint?: Checkpoint;
  /** Only on a cleanup job (`CLEANUP_JOB`): the finished run's cleanup that still has parts left. */
  cleanup?: PendingCleanup;
}

/**
 * A run's unfinished cleanup is a job of its own on this queue, so it is durable and any worker resumes it:
 * named `CLEANUP_JOB`, id `cleanupJobId(planId)`, its checkpoint the run's last one.
 */
export const CLEANUP_JOB = 'deckhand:cleanup';

export interface PendingCleanup {
  /** Attempts made so far (the run's own cleanup is the first). */
  attempts: number;
  done: string[];
  left: string[];
  /** The thread message that shows what is left, with Retry cleanup / Stop retrying (posted `once` under this name). */
  message?: { ref: string };
}

export function cleanupJobId(planId: string): string {
  return `cleanup-${planId}`;
}

export type RunQueue = Queue<RunJobData, unknown, string>;

export interface RunQueueOptions {
  /** First retry delay after a transient failure; doubles on each attempt. Default 10 s. */
  backoffDelayMs?: number;
  /** Where the queue's connection errors go (redacted); see logRedisErrors. */
  log?: Logger;
  /** BullMQ's tracing (src/integrations/tracing.ts); absent = no spans. */
  telemetry?: Telemetry;
}

export const RUN_ATTEMPTS = 5;
/** Finished jobs are kept a week for `/deckhand status` and post-incident questions. */
const KEEP_FINISHED_SECONDS = 7 * 24 * 3600;

/** `connection` should be a queue-role connection (enableOfflineQueue: false): producers fail fast. */
export function createRunQueue(connection: RedisClient, prefix: string, options: RunQueueOptions = {}): RunQueue {
  const queue = new Queue<RunJobData, unknown, string>(RUN_QUEUE, {
    connection,
    prefix,
    ...(options.telemetry ? { telemetry: options.telemetry } : {}),
    defaultJobOptions: {
      attempts: RUN_ATTEMPTS,
      // Jitter spreads retries of runs that failed together (e.g. an API outage).
      backoff: { type: 'exponential', delay: options.backoffDelayMs ?? 10_000, jitter: 0.25 },
      removeOnComplete: { age: KEEP_FINISHED_SECONDS },
      removeOnFail: { age: KEEP_FINISHED_SECONDS },
    },
  });
  logRedisErrors(queue, options.log, 'run queue');
  return queue;
}

/**
 * A run parked on a human (a question, Pause) waits in the queue as a delayed job, holding no worker slot;
 * an answer, Resume or Cancel calls this so it resumes now rather than at its next recheck.
 */
export async function wakeRun(queue: RunQueue, planId: string): Promise<void> {
  const job = await queue.getJob(planId);
  // It may have just become active again: promote refuses, and the run sees the change itself.
  if (job && (await job.isDelayed())) await job.promote().catch(() => undefined);
}

/** `created` is false when a job with this plan's id already existed (a second Approve click). */
export async function enqueueRun(queue: RunQueue, plan: StoredPlan): Promise<{ jobId: string; created: boolean }> {
  const job = await queue.add(plan.kind, { planId: plan.id }, { jobId: plan.id });
  // BullMQ answers a duplicate id with the id of the job it kept: ours only if its timestamp is ours.
  const stored = await queue.getJob(plan.id);
  return { jobId: plan.id, created: stored !== undefined && stored.timestamp === job.timestamp };
}
