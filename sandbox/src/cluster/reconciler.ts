/**
 * Runs the controllers after every change, coalesced into one pass per event-loop turn (setImmediate, so the
 * HTTP server and Redis clients are never starved). Passes repeat until a pass changes nothing.
 */
import type { ClusterModel } from './model.js';

export class Reconciler {
  private scheduled: NodeJS.Immediate | undefined;
  private running = false;
  private dirty = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    model: ClusterModel,
    private readonly pass: () => void,
  ) {
    model.onChange(() => this.schedule());
  }

  schedule(): void {
    if (this.stopped) return;
    if (this.scheduled || this.running) {
      this.dirty = true;
      return;
    }
    this.scheduled = setImmediate(() => {
      this.scheduled = undefined;
      this.runNow();
    });
  }

  /** One pass now (synchronously), then more while passes keep changing things. */
  runNow(maxPasses = 50): void {
    this.running = true;
    try {
      for (let i = 0; i < maxPasses; i++) {
        this.dirty = false;
        this.pass();
        if (!this.dirty) break;
      }
    } finally {
      this.running = false;
    }
    if (this.dirty) this.schedule();
    else for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Resolves once no pass is pending. */
  idle(): Promise<void> {
    if (!this.scheduled && !this.running && !this.dirty) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
