/**
 * Signals from Slack buttons (handled by any bot replica) to the worker running a plan: cancel,
 * pause/resume and answers to mid-run questions. They are Redis keys the runner polls between
 * steps, because BullMQ has no cross-process cancellation (docs/platform-facts.md). They never expire: a pause
 * lasts until someone resumes or cancels, an answer as long as its run; `forget` removes them when the run ends.
 */
import type { RedisClient } from './connections.js';

export interface Answer {
  choice: string;
  by: string;
}

/** What the bot needs to judge an answer: the choices the run offered, recorded by the worker when it asks. */
export interface OpenQuestion {
  choices: { id: string; needsApprover: boolean }[];
}

export class RunSignals {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  /** The first cancel wins; later clicks do not change who is reported. */
  async requestCancel(planId: string, by: string): Promise<void> {
    await this.redis.set(this.key(planId, 'cancel'), by, 'NX');
  }

  /** Who asked to cancel, or undefined. */
  async cancelRequested(planId: string): Promise<string | undefined> {
    return (await this.redis.get(this.key(planId, 'cancel'))) ?? undefined;
  }

  async setPaused(planId: string, paused: boolean, by: string): Promise<void> {
    if (paused) await this.redis.set(this.key(planId, 'pause'), by);
    else await this.redis.del(this.key(planId, 'pause'));
  }

  async isPaused(planId: string): Promise<boolean> {
    return (await this.redis.exists(this.key(planId, 'pause'))) === 1;
  }

  /** The worker records the question before posting it, so who may pick which choice never comes from a button's value. */
  async recordQuestion(planId: string, questionId: string, question: OpenQuestion): Promise<void> {
    await this.redis.hset(this.key(planId, 'questions'), questionId, JSON.stringify(question));
  }

  async question(planId: string, questionId: string): Promise<OpenQuestion | undefined> {
    const raw = await this.redis.hget(this.key(planId, 'questions'), questionId);
    return raw === null ? undefined : (JSON.parse(raw) as OpenQuestion);
  }

  /** Records the first answer only; returns false if the question was already answered. */
  async answer(planId: string, questionId: string, choice: string, by: string): Promise<boolean> {
    const answer: Answer = { choice, by };
    return (await this.redis.hsetnx(this.key(planId, 'answers'), questionId, JSON.stringify(answer))) === 1;
  }

  async getAnswer(planId: string, questionId: string): Promise<Answer | undefined> {
    const raw = await this.redis.hget(this.key(planId, 'answers'), questionId);
    return raw === null ? undefined : (JSON.parse(raw) as Answer);
  }

  /** The run ended: its cancel, pause, questions and answers go (a finished run reads none of them). */
  async forget(planId: string): Promise<void> {
    await this.redis.del(this.key(planId, 'cancel'), this.key(planId, 'pause'), this.key(planId, 'answers'), this.key(planId, 'questions'));
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
