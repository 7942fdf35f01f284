/**
 * A worker or bot running in another process than the sandbox follows the sandbox's virtual clock: it reads
 * the clock (`GET /clock` on the control server) every few real milliseconds, and each sleep is a request the
 * sandbox answers when its time reaches the sleep's end (`GET /clock/wait`), so the sandbox knows someone waits
 * for that time and fast-forwards through it as it does for its own timers (clock.ts). Extrapolating with the
 * speed factor would run ahead whenever the sandbox's time stands still for busy actors, so nothing here is guessed.
 */
import type { Clock } from '../../src/integrations/clock.js';

const POLL_MS = 5;

export async function followSandboxClock(controlUrl: string): Promise<Clock> {
  const read = async (path: string, signal?: AbortSignal): Promise<number> => {
    const response = await fetch(new URL(path, controlUrl), { signal });
    if (!response.ok) throw new Error(`sandbox clock at ${controlUrl} answered ${response.status}`);
    return ((await response.json()) as { now: number }).now;
  };
  let now = await read('clock');
  const poll = setInterval(() => {
    void read('clock').then(
      (t) => (now = Math.max(now, t)),
      () => undefined, // the sandbox is stopping; a later read succeeds or the process ends
    );
  }, POLL_MS);
  // A pending sleep's request keeps the process alive, as a real timer would; the poll alone does not.
  poll.unref();
  return {
    now: () => now,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      const until = now + Math.max(0, ms);
      try {
        now = Math.max(now, await read(`clock/wait?until=${until}`, signal));
      } catch (err) {
        // An aborted sleep rejects with the signal's reason, as the system clock's does.
        if (signal?.aborted) throw signal.reason;
        throw err;
      }
    },
  };
}
