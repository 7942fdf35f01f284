/**
 * The sandbox process's lifetime: however it is told to stop — Ctrl-C (SIGINT), SIGTERM (to it or its whole
 * process group, so it may come twice, and again from npm forwarding it), its terminal closing (SIGHUP), or the
 * process that started it dying without a word (it is re-parented) — it stops what it started, newest first,
 * exactly once, and exits; also while it is still starting. A listener stays installed for every signal, so a
 * repeated one cannot end the process half-way through (Node's default for an unheard signal is to die at once).
 */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const PARENT_CHECK_MS = 500;

interface Stoppable {
  stop(): Promise<void>;
}

export interface Lifetime {
  /** Something being started, stopped on the way out; once stopping has begun it is stopped as soon as it is up. */
  track<T extends Stoppable>(starting: Promise<T>): Promise<T>;
  /** Stops everything once, newest first (later calls wait for the first), and exits with `code`. */
  shutdown(code?: number): Promise<never>;
}

export function stopOnExit(): Lifetime {
  const started: Stoppable[] = [];
  const starting = new Set<Promise<unknown>>();
  let stopping: Promise<never> | undefined;

  const shutdown = (code = 0): Promise<never> =>
    (stopping ??= (async () => {
      while (starting.size > 0) await Promise.allSettled([...starting]);
      for (const part of started.reverse()) await part.stop().catch(() => undefined);
      process.exit(code);
    })());

  const track = <T extends Stoppable>(promise: Promise<T>): Promise<T> => {
    const settled = promise.then((part) => void started.push(part)).finally(() => starting.delete(settled));
    starting.add(settled);
    // Stopping began meanwhile: what main would do next with it must not run.
    return promise.then((part) => (stopping ? new Promise<T>(() => undefined) : part));
  };

  for (const signal of SIGNALS) process.on(signal, () => void shutdown());
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent) void shutdown();
  }, PARENT_CHECK_MS);
  watch.unref();
  return { track, shutdown };
}
