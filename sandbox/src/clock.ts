/**
 * The sandbox's virtual clock. Two modes:
 * - speed: virtual time runs `speed` times faster than real time (e.g. 60 = one simulated minute per second);
 * - manual (speed 0): time moves only when a test calls `advance(ms)`.
 * Timers fire in virtual-time order; `sleep` is what jobs and controllers use, so nothing sleeps for real.
 */
import type { Clock } from '../../src/integrations/clock.js';

interface Timer {
  at: number;
  seq: number;
  fire: () => void;
}

export class VirtualClock implements Clock {
  private current: number;
  private timers: Timer[] = [];
  private seq = 0;
  private ticker: NodeJS.Timeout | undefined;
  private lastReal = Date.now();

  constructor(
    start = Date.parse('2026-01-05T09:00:00Z'),
    private speedFactor = 0,
    private readonly tickMs = 10,
  ) {
    this.current = start;
    this.setSpeed(speedFactor);
  }

  now(): number {
    return this.current;
  }

  get speed(): number {
    return this.speedFactor;
  }

  setSpeed(factor: number): void {
    this.speedFactor = factor;
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    if (factor > 0) {
      this.lastReal = Date.now();
      this.ticker = setInterval(() => {
        const real = Date.now();
        this.moveTo(this.current + (real - this.lastReal) * this.speedFactor);
        this.lastReal = real;
      }, this.tickMs);
      this.ticker.unref();
    }
  }

  /** Run `fn` when virtual time reaches `at`. Returns a cancel function. */
  at(at: number, fn: () => void): () => void {
    const timer: Timer = { at, seq: this.seq++, fire: fn };
    this.timers.push(timer);
    this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    if (at <= this.current) queueMicrotask(() => this.fireDue());
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  after(ms: number, fn: () => void): () => void {
    return this.at(this.current + ms, fn);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        cancel();
        reject(signal?.reason);
      };
      const cancel = this.after(Math.max(0, ms), () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Manual mode: move time forward in small increments, letting promise chains that timers
   * resolved run between increments (so a job reacting to a timer can schedule the next one).
   */
  async advance(ms: number, stepMs = 1000): Promise<void> {
    const target = this.current + ms;
    while (this.current < target) {
      const nextTimer = this.timers[0]?.at ?? Infinity;
      this.moveTo(Math.min(target, this.current + stepMs, Math.max(nextTimer, this.current)));
      await new Promise((r) => setImmediate(r));
    }
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    this.timers = [];
  }

  private moveTo(t: number): void {
    if (t > this.current) this.current = t;
    this.fireDue();
  }

  private fireDue(): void {
    while (this.timers.length > 0 && this.timers[0]!.at <= this.current) {
      const timer = this.timers.shift()!;
      timer.fire();
    }
  }
}
