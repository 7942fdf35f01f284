/**
 * Signals from Slack buttons (handled by any bot replica) to the worker running a plan: cancel,
 * pause/resume and answers to mid-run questions. They are Redis keys the runner polls between
 * steps, because BullMQ has no cross-process cancellation (docs/platform-facts.md). Keys expire after a day:
 * a run that outlives that re-reads nothing stale.
 */
import type { Redis } from 'ioredis';

const SIGNAL_TTL_SECONDS = 24 * 3600;

export interface Answer {
  choice: string;
  by: string;
}

export class RunSignals {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** The first cancel wins; later clicks do not change who is reported. */
  async requestCancel(planId: string, by: string): Promise<void> {
    await this.redis.set(this.key(planId, 'cancel'), by, 'EX', SIGNAL_TTL_SECONDS, 'NX');
  }

  /** Who asked to cancel, or undefined. */
  async cancelRequested(planId: string): Promise<string | undefined> {
    return (await this.redis.get(this.key(planId, 'cancel'))) ?? undefined;
  }

  async setPaused(planId: string, paused: boolean, by: string): Promise<void> {
    if (paused) await this.redis.set(this.key(planId, 'pause'), by, 'EX', SIGNAL_TTL_SECONDS);
    else await this.redis.del(this.key(planId, 'pause'));
  }

  async isPaused(planId: string): Promise<boolean> {
    return (await this.redis.exists(this.key(planId, 'pause'))) === 1;
  }

  /** Records the first answer only; returns false if the question was already answered. */
  async answer(planId: string, questionId: string, choice: string, by: string): Promise<boolean> {
    const answer: Answer = { choice, by };
    const set = await this.redis.set(this.key(planId, `answer:${questionId}`), JSON.stringify(answer), 'EX', SIGNAL_TTL_SECONDS, 'NX');
    return set === 'OK';
  }

  async getAnswer(planId: string, questionId: string): Promise<Answer | undefined> {
    const raw = await this.redis.get(this.key(planId, `answer:${questionId}`));
    return raw === null ? undefined : (JSON.parse(raw) as Answer);
  }

  /** An approver stopped the retries of a run's unfinished cleanup; the first click wins. */
  async stopCleanup(planId: string, by: string): Promise<void> {
    await this.redis.set(this.key(planId, 'cleanup-stop'), by, 'NX');
  }

  async cleanupStoppedBy(planId: string): Promise<string | undefined> {
    return (await this.redis.get(this.key(planId, 'cleanup-stop'))) ?? undefined;
  }

  async clearCleanupStop(planId: string): Promise<void> {
    await this.redis.del(this.key(planId, 'cleanup-stop'));
  }

  private key(planId: string, what: string): string {
    return `${this.prefix}:run:${planId}:${what}`;
  }
}
