#!/usr/bin/env node
/**
 * Entry point: `deckhand bot | worker | all | sandbox`.
 * SIGTERM/SIGINT: stop taking commands, close workers (running steps checkpoint), close queues and Redis, exit 0.
 */
import { ConfigError } from './config.js';
import { startDeckhand, type Mode } from './runtime.js';

const MODES = ['bot', 'worker', 'all', 'sandbox'];
/** worker.close() waits for active steps with no timeout of its own (FACTS.md): bound it. */
const SHUTDOWN_TIMEOUT_MS = 60_000;

async function runSandbox(args: string[]): Promise<void> {
  // Loaded only on demand: the sandbox is never part of a production process.
  const specifier = './sandbox/cli.js';
  const cli = (await import(specifier)) as { main: (args: string[]) => Promise<void> };
  await cli.main(args);
}

async function run(mode: Mode): Promise<void> {
  const deckhand = await startDeckhand(mode);
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

async function main(argv: string[]): Promise<void> {
  const mode = argv[0] ?? 'all';
  if (!MODES.includes(mode)) {
    console.error(`usage: deckhand <${MODES.join(' | ')}>  (got "${mode}")`);
    process.exit(2);
  }
  if (mode === 'sandbox') return runSandbox(argv.slice(1));
  await run(mode as Mode);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error('deckhand: invalid configuration');
    for (const problem of err.problems) console.error(`  - ${problem}`);
  } else {
    console.error('deckhand failed to start:', err instanceof Error ? err.message : err);
  }
  process.exit(1);
});
