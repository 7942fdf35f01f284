/**
 * Periodic work that every replica starts and exactly one runs per tick (plan expiry in the bots, the dead-run
 * sweep in the workers): a BullMQ job scheduler on a queue of its own, and a concurrency-1 worker on it in each
 * process. Every process upserts the same scheduler (idempotent; the last period written wins), and BullMQ hands
 * each tick's job to one worker. The next tick is scheduled when one is taken, so a slow tick can overlap the
 * next one in another process: the tasks are safe to run twice (atomic plan changes, run leases).
 *
 * A queue per task, not the run queue: ticks must not wait behind runs, and only the process type holding what a
 * task needs (the bots' Slack client, the workers' mutating identity) may take its jobs.
 */
import { Queue, Worker } from 'bullmq';
import { logRedisErrors, type RedisClient } from '../integrations/redis/connections.js';
import type { Logger } from '../logger.js';

export interface PeriodicTask {
  /** The queue and scheduler name, e.g. `deckhand-plan-expiry`. */
  name: string;
  everyMs: number;
  /** A worker-role connection (`maxRetriesPerRequest: null`); BullMQ duplicates it for its blocking reads. */
  connection: RedisClient;
  prefix: string;
  log: Logger;
  run(): Promise<unknown>;
}

/** Ticks are not kept once done; a failed one is logged and the next tick tries again. */
const TICK_OPTIONS = { removeOnComplete: true, removeOnFail: true };

/** Returns at once: a process starting while Redis is down must not wait for it (the health check reports that). */
export function startPeriodic(task: PeriodicTask): { close(): Promise<void> } {
  const { name, connection, prefix, log } = task;
  const queue = new Queue(name, { connection, prefix });
  logRedisErrors(queue, log, `${name} queue`);
  queue
    .upsertJobScheduler(name, { every: task.everyMs }, { name, opts: TICK_OPTIONS })
    .catch((err: unknown) => log.error({ err, task: name }, 'could not schedule a periodic task'));
  const worker = new Worker(name, () => task.run(), { connection, prefix, concurrency: 1 });
  logRedisErrors(worker, log, `${name} worker`);
  worker.on('failed', (_job, err) => log.error({ err, task: name }, 'periodic task failed'));
  return {
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
