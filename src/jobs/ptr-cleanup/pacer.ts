/**
 * Paces requests to Route 53's account-wide rate (every caller in the account shares it). Slots are
 * handed out in order, evenly spaced, never in bursts: Route 53's own bucket then stays full, so a
 * request delayed on our side (a busy event loop) cannot bunch up with the next one and be throttled.
 * A throttled request widens the spacing (up to 8×), requests that pass on their first attempt narrow
 * it back. Slots already handed out keep their time.
 */
import type { Clock } from '../../integrations/clock.js';
import type { Pacer } from '../../integrations/aws/route53.js';

const MAX_SLOWDOWN = 8;

export class RequestPacer implements Pacer {
  private nextSlot = Number.NEGATIVE_INFINITY;
  private intervalMs: number;
  private readonly baseIntervalMs: number;

  constructor(
    private readonly clock: Clock,
    requestsPerSecond: number,
  ) {
    this.baseIntervalMs = 1000 / requestsPerSecond;
    this.intervalMs = this.baseIntervalMs;
  }

  /** Resolves when this request may be sent; rejects if `signal` aborts the wait. */
  async take(signal?: AbortSignal): Promise<void> {
    const now = this.clock.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + this.intervalMs;
    if (slot > now) await this.clock.sleep(slot - now, signal);
  }

  /** The same pacer, its waits aborted by `signal` (a run's cancel or the worker's shutdown). */
  bind(signal: AbortSignal): Pacer {
    return { take: () => this.take(signal), settled: (attempts) => this.settled(attempts) };
  }

  /** After a request: `attempts` > 1 means the SDK retried it (throttled or 5xx). */
  settled(attempts: number): void {
    this.intervalMs = attempts > 1 ? Math.min(this.intervalMs * 2, this.baseIntervalMs * MAX_SLOWDOWN) : Math.max(this.baseIntervalMs, this.intervalMs * 0.9);
  }

  get currentIntervalMs(): number {
    return this.intervalMs;
  }
}

const pacers = new WeakMap<Clock, Map<number, RequestPacer>>();

/** One pacer per clock and rate in the process: observations and runs share the account's budget. */
export function sharedPacer(clock: Clock, requestsPerSecond: number): RequestPacer {
  const byRate = pacers.get(clock) ?? new Map<number, RequestPacer>();
  pacers.set(clock, byRate);
  const pacer = byRate.get(requestsPerSecond) ?? new RequestPacer(clock, requestsPerSecond);
  byRate.set(requestsPerSecond, pacer);
  return pacer;
}
