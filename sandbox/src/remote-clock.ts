/**
 * A worker or bot running in another process than the sandbox follows the sandbox's virtual clock: it reads
 * the clock (`GET /clock` on the control server) every few real milliseconds, and its sleeps end when the
 * sandbox's time reaches them. Extrapolating with the speed factor would run ahead whenever the sandbox's
 * time stands still for busy actors (clock.ts), so nothing here is guessed.
 */
import type { Clock } from '../../src/integrations/clock.js';

const POLL_MS = 5;

export async function followSandboxClock(controlUrl: string): Promise<Clock> {
  const url = new URL('clock', controlUrl);
  const read = async (): Promise<number> => {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`sandbox clock at ${controlUrl} answered ${response.status}`);
    return ((await response.json()) as { now: number }).now;
  };
  let now = await read();
  const sleepers = new Set<{ until: number; wake: () => void }>();
  const poll = setInterval(() => {
    void read().then(
      (t) => {
        now = Math.max(now, t);
        for (const sleeper of sleepers) if (sleeper.until <= now) sleeper.wake();
      },
      () => undefined, // the sandbox is stopping; a later read succeeds or the process ends
    );
  }, POLL_MS);
  // Only a pending sleep keeps the process alive, as a real timer would.
  poll.unref();
  return {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const sleeper = {
          until: now + Math.max(0, ms),
          wake: () => {
            sleepers.delete(sleeper);
            signal?.removeEventListener('abort', onAbort);
            if (sleepers.size === 0) poll.unref();
            resolve();
          },
        };
        const onAbort = () => {
          sleepers.delete(sleeper);
          if (sleepers.size === 0) poll.unref();
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        sleepers.add(sleeper);
        poll.ref();
      }),
  };
}
