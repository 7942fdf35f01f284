/**
 * Paces requests to Route 53's account-wide rate (every caller in the account shares it): a token
 * bucket like the one Route 53 keeps, refilled at `requestsPerSecond` and holding one second's worth,
 * so a pause (reading network interfaces) is followed by a short burst instead of lost time. Waiters
 * reserve their token, so concurrent callers are served in order. A throttled request halves the rate
 * (down to 1/8); requests that pass on their first attempt bring it back.
 */
import type { Clock } from '../../integrations/clock.js';
import type { Pacer } from '../../integrations/aws/route53.js';

const MAX_SLOWDOWN = 8;

export class RequestPacer implements Pacer {
  private readonly baseRatePerMs: number;
  private ratePerMs: number;
  private tokens: number;
  private last: number;

  constructor(
    private readonly clock: Clock,
    requestsPerSecond: number,
  ) {
    this.baseRatePerMs = requestsPerSecond / 1000;
    this.ratePerMs = this.baseRatePerMs;
    this.tokens = this.capacity;
    this.last = clock.now();
  }

  private get capacity(): number {
    return Math.max(1, this.ratePerMs * 1000);
  }

  /** Resolves when this request may be sent; rejects if `signal` aborts the wait. */
  async take(signal?: AbortSignal): Promise<void> {
    const now = this.clock.now();
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.ratePerMs);
    this.last = now;
    this.tokens -= 1;
    if (this.tokens < 0) await this.clock.sleep(-this.tokens / this.ratePerMs, signal);
  }

  /** The same pacer, its waits aborted by `signal` (a run's cancel or the worker's shutdown). */
  bind(signal: AbortSignal): Pacer {
    return { take: () => this.take(signal), settled: (attempts) => this.settled(attempts) };
  }

  /** After a request: `attempts` > 1 means the SDK retried it (throttled or 5xx). */
  settled(attempts: number): void {
    if (attempts > 1) this.slowDown();
    else this.ratePerMs = Math.min(this.baseRatePerMs, this.ratePerMs * 1.1);
  }

  slowDown(): void {
    this.ratePerMs = Math.max(this.baseRatePerMs / MAX_SLOWDOWN, this.ratePerMs / 2);
    this.tokens = Math.min(this.tokens, this.capacity);
  }

  get requestsPerSecond(): number {
    return this.ratePerMs * 1000;
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

/** Throttling and "the zone is still busy with your previous change" errors, after the SDK's own retries. */
export function isThrottling(error: unknown): boolean {
  const name = (error as { name?: string })?.name ?? '';
  return ['Throttling', 'ThrottlingException', 'PriorRequestNotComplete', 'RequestLimitExceeded', 'TooManyRequestsException'].includes(name);
}
