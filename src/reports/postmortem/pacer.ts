/**
 * Keeps a report's calls to one Slack method within its tier: at most `perMinute` calls in any 60 s
 * window (Slack evaluates limits per method, workspace and app, and tolerates bursts within the minute).
 * A call's time is taken when its response arrives, the latest Slack can have seen it, so however long
 * requests take, no 60 s window at Slack holds more than `perMinute` of them. Calls through one pacer go
 * one at a time. 429s are still handled by the WebClient's retry config.
 */
import type { Clock } from '../../integrations/clock.js';

const WINDOW_MS = 60_000;

export class TierPacer {
  /** When the last `perMinute` calls were answered, ascending. */
  private readonly answered: number[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly clock: Clock,
    private readonly perMinute: number,
  ) {}

  call<T>(request: () => Promise<T>): Promise<T> {
    const turn = this.queue.then(async () => {
      if (this.answered.length >= this.perMinute) {
        const wait = this.answered[this.answered.length - this.perMinute]! + WINDOW_MS - this.clock.now();
        if (wait > 0) await this.clock.sleep(wait);
      }
      try {
        return await request();
      } finally {
        this.answered.push(this.clock.now());
        if (this.answered.length > this.perMinute) this.answered.shift();
      }
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }
}

/** Slack's documented tiers, requests a minute. */
export const TIER_2 = 20;
export const TIER_3 = 50;
export const TIER_4 = 100;

/** The least time `calls` calls can take at `perMinute`: whole windows after the first. */
export function rateBoundMs(calls: number, perMinute: number): number {
  return Math.max(0, Math.floor((calls - 1) / perMinute)) * WINDOW_MS;
}
