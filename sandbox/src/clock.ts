/**
 * The sandbox's virtual clock. Two modes:
 * - speed: discrete-event time. Virtual time stands still while an actor is busy (deckhand's requests to the
 *   sandbox in flight, a timer's callback just run, this process's event loop blocked by someone's work) and for
 *   a tick after, so the product's own latency costs no virtual time; once everything is quiet it moves on, at most
 *   `speed` times faster than real time and never past the next timer, which fires at exactly its time.
 *   A run is then as fast as the product keeps up, and every virtual duration is the simulated world's own.
 *   Human pace: time runs faster than real time only while an actor sleeps (`sleep`: deckhand waiting for a
 *   node to boot, a drain's retry, Slack's rate limit). With no sleeper, what happens next is up to people (an
 *   approval, an answer, a command), so time runs at real time (1×) and the times people act on (plan expiry,
 *   `--since` windows, the age of seeded history) are the ones they experience; the simulated world's own
 *   timers (`at`, `after`) still fire at their times (ADR 0008);
 * - manual (speed 0): time moves only when a test calls `advance(ms)`.
 * Timers fire in virtual-time order; `sleep` is what jobs and controllers use, so nothing sleeps for real.
 */
import type { IncomingHttpHeaders, Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../../src/integrations/clock.js';

interface Timer {
  at: number;
  seq: number;
  fire: () => void;
  /** Someone is asleep until it fires: the clock may fast-forward to it. */
  sleeper: boolean;
}

export class VirtualClock implements Clock {
  private current: number;
  private timers: Timer[] = [];
  private seq = 0;
  private ticker: NodeJS.Timeout | undefined;
  private lastReal = Date.now();
  private loop = performance.eventLoopUtilization();
  /** Actors busy right now, and when (real ms) the last one finished or a timer last woke one. */
  private busy = 0;
  private lastActivity = 0;

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
      this.ticker = setInterval(() => this.tick(), this.tickMs);
      this.ticker.unref();
    }
  }

  /**
   * Speed mode: virtual time stands still until the returned release is called (an actor is working in real
   * time, e.g. a request being answered). Releasing twice is harmless.
   */
  hold(): () => void {
    this.busy += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.busy -= 1;
      this.lastActivity = Date.now();
    };
  }

  /** Holds the clock while `server` answers a request that `counts` (deckhand's, not a test's or a person's). */
  holdWhileAnswering(server: Server, counts: (headers: IncomingHttpHeaders) => boolean = () => true): void {
    server.on('request', (req, res) => {
      if (!counts(req.headers)) return;
      res.once('close', this.hold());
    });
  }

  /** Run `fn` when virtual time reaches `at`. Returns a cancel function. */
  at(at: number, fn: () => void, sleeper = false): () => void {
    const timer: Timer = { at, seq: this.seq++, fire: fn, sleeper };
    this.timers.push(timer);
    this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    if (at <= this.current) queueMicrotask(() => this.fireDue());
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  after(ms: number, fn: () => void, sleeper = false): () => void {
    return this.at(this.current + ms, fn, sleeper);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        cancel();
        reject(signal?.reason);
      };
      const cancel = this.after(
        Math.max(0, ms),
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        true,
      );
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

  /**
   * Speed mode: only real time during which every actor was quiet (for at least a tick) becomes virtual time,
   * `speed` times faster while someone sleeps, at real time while only people can act.
   */
  private tick(): void {
    const real = Date.now();
    // More than a tick of JavaScript since the last tick: an actor in this process (deckhand parsing a big
    // response, planning) was working without a request in flight. (A tick that is late only because the machine
    // is loaded is not work: the event loop sat idle.)
    const loop = performance.eventLoopUtilization();
    if (loop.active - this.loop.active > this.tickMs) this.lastActivity = real;
    this.loop = loop;
    if (this.busy > 0) {
      this.lastReal = real;
      return;
    }
    if (real - this.lastActivity < this.tickMs) return;
    const quietSince = Math.max(this.lastReal, this.lastActivity);
    this.lastReal = real;
    const nextTimer = this.timers[0]?.at ?? Infinity;
    const factor = this.timers.some((t) => t.sleeper) ? this.speedFactor : Math.min(1, this.speedFactor);
    this.moveTo(Math.min(this.current + (real - quietSince) * factor, nextTimer));
  }

  private moveTo(t: number): void {
    if (t > this.current) this.current = t;
    this.fireDue();
  }

  private fireDue(): void {
    let fired = false;
    while (this.timers.length > 0 && this.timers[0]!.at <= this.current) {
      const timer = this.timers.shift()!;
      timer.fire();
      fired = true;
    }
    // Whoever a timer woke is working now, though it has not reached the sandbox yet.
    if (fired) this.lastActivity = Date.now();
  }
}
