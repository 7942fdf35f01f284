/** Spawns test/helpers/worker-process.ts as a separate process, and SIGKILLs it, as the crash tests need. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface WorkerChild {
  process: ChildProcess;
  /** SIGKILLs the worker if it still runs and waits for it to exit; resolves with the signal it died of. */
  kill(): Promise<NodeJS.Signals | null>;
}

/**
 * `kinds`: subcommands the worker runs (`fixture` or product kinds). `env`: the harness's `workerEnv()`, and
 * for product kinds the sandbox's `env` (endpoints, kubeconfig, control URL) before it. Resolves once it takes jobs.
 */
export async function spawnWorker(kinds: string[], env: Record<string, string | undefined>): Promise<WorkerChild> {
  // The worker itself, not an npx wrapper: SIGKILL must hit the process that runs the job.
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/worker-process.ts'], {
    env: { ...process.env, ...env, WORKER_KINDS: kinds.join(',') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    void exited.then(([code]) => reject(new Error(`worker process exited early (${code})`)));
  });
  return {
    process: child,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      const [, signal] = await exited;
      child.stdout!.destroy();
      return signal;
    },
  };
}
