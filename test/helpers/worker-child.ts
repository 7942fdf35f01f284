/** Spawns test/helpers/worker-process.ts (or bot-process.ts) as a separate process, and SIGKILLs it, as the crash tests need. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface WorkerChild {
  process: ChildProcess;
  /** SIGKILLs the worker if it still runs and waits for it to exit; resolves with the signal it died of. */
  kill(): Promise<NodeJS.Signals | null>;
}

/** The script itself, not an npx wrapper (SIGKILL must hit the process that runs the job); resolves with its first output line matching `ready`. */
async function spawnChild(script: string, env: Record<string, string | undefined>, ready: RegExp): Promise<WorkerChild & { ready: RegExpExecArray }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const found = ready.exec(out);
      if (found) resolve(found);
    });
    void exited.then(([code]) => reject(new Error(`${script} exited early (${code})`)));
  });
  return {
    process: child,
    ready: match,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      const [, signal] = await exited;
      child.stdout!.destroy();
      return signal;
    },
  };
}

/**
 * `kinds`: subcommands the worker runs (`fixture` or product kinds). `env`: the harness's `workerEnv()`, and
 * for product kinds the sandbox's `env` (endpoints, kubeconfig, control URL) before it. Resolves once it takes jobs.
 */
export async function spawnWorker(kinds: string[], env: Record<string, string | undefined>): Promise<WorkerChild> {
  return spawnChild('test/helpers/worker-process.ts', { ...env, WORKER_KINDS: kinds.join(',') }, /ready/);
}

/** A bot replica with the fixture kind (bot-process.ts); resolves with its HTTP URL once it listens. */
export async function spawnBot(env: Record<string, string | undefined>): Promise<WorkerChild & { url: string }> {
  const child = await spawnChild('test/helpers/bot-process.ts', env, /listening (\d+)/);
  return { ...child, url: `http://127.0.0.1:${child.ready[1]}` };
}
