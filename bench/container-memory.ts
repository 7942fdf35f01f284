/**
 * Runs a benchmark's child process the way Kubernetes runs a container with `resources.limits.memory`: in a
 * memory cgroup of its own with that limit. Node reads the limit at start-up and sizes V8's heap from it (on this
 * 24 GB host without a limit, V8 would let the heap grow to 4 GB and collect late), so a figure measured inside the
 * limit is the one a deployed worker shows, with no heap flag. The kernel also counts every byte the process
 * touches (page cache included) and kills it past the limit, which the benchmark reports.
 *
 * Needs a writable memory cgroup (root in a container with cgroup v1 or v2 mounted read-write); without one it
 * says why and the child runs unlimited.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export interface MemoryCgroup {
  /** Runs `node <file>` inside the cgroup with an IPC channel, like `fork`. */
  fork(file: string, options: { env: NodeJS.ProcessEnv; execArgv: string[] }): ChildProcess;
  /** Whether the kernel killed the child for passing the limit. */
  oomKilled(): boolean;
  remove(): void;
}

/** This process's memory cgroup directory: cgroup v1's `memory` hierarchy, else the v2 unified one. */
function ownCgroupDir(): { dir: string; version: 1 | 2 } | undefined {
  const lines = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n');
  const v1 = lines.map((line) => line.split(':')).find(([, controllers]) => controllers?.split(',').includes('memory'));
  if (v1 && existsSync('/sys/fs/cgroup/memory')) return { dir: join('/sys/fs/cgroup/memory', v1[2]!), version: 1 };
  const v2 = lines.map((line) => line.split(':')).find(([id]) => id === '0');
  const root = existsSync('/sys/fs/cgroup/unified') ? '/sys/fs/cgroup/unified' : '/sys/fs/cgroup';
  if (v2) return { dir: join(root, v2[2]!), version: 2 };
  return undefined;
}

/** A fresh cgroup limited to `limitBytes`, or the reason none could be made. */
export function memoryCgroup(name: string, limitBytes: number): MemoryCgroup | { unavailable: string } {
  const own = ownCgroupDir();
  if (!own) return { unavailable: 'no memory cgroup in /proc/self/cgroup' };
  const dir = join(own.dir, name);
  const file = (v1: string, v2: string) => join(dir, own.version === 1 ? v1 : v2);
  try {
    mkdirSync(dir);
    writeFileSync(file('memory.limit_in_bytes', 'memory.max'), String(limitBytes));
    if (own.version === 2) writeFileSync(join(dir, 'memory.swap.max'), '0');
  } catch (error) {
    return { unavailable: `cannot create a memory cgroup under ${own.dir}: ${(error as Error).message}` };
  }
  return {
    fork(modulePath, { env, execArgv }) {
      // The shell joins the cgroup before it becomes node, so Node sees the limit when it sizes its heap.
      const script = `echo $$ > ${file('cgroup.procs', 'cgroup.procs')} && exec "$0" "$@"`;
      return spawn('sh', ['-c', script, process.execPath, ...execArgv, modulePath], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    },
    oomKilled: () => {
      const text = readFileSync(file('memory.oom_control', 'memory.events'), 'utf8');
      return /oom_kill [1-9]/.test(text);
    },
    remove: () => rmdirSync(dir),
  };
}
