/**
 * Runs deckhand as a long-lived process until SIGTERM/SIGINT: stop taking commands, close workers
 * (running steps checkpoint and go back to the queue), close queues and Redis, exit 0.
 * `main.ts` calls it with the system clock; the sandbox calls it with its own clock.
 */
import type { Clock } from './integrations/clock.js';
import { startDeckhand, type Mode } from './runtime.js';

/** worker.close() waits for active steps with no timeout of its own: bound it. */
export const SHUTDOWN_TIMEOUT_MS = 60_000;

export async function serve(mode: Mode, options: { clock?: Clock } = {}): Promise<void> {
  const deckhand = await startDeckhand(mode, options);
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => {
      console.error('deckhand: shutdown timed out; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    force.unref();
    try {
      await deckhand.stop();
      process.exit(0);
    } catch (err) {
      console.error('deckhand: shutdown failed:', err);
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
}
