/** One `redis-server` child process on 127.0.0.1, killed when the sandbox stops or the Node process exits. */
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';

const REDIS_SERVER = '/usr/bin/redis-server';
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

export class RedisProcess {
  private readonly child: ChildProcess;
  readonly exited: Promise<void>;
  private stderr = '';

  constructor(
    readonly port: number,
    args: string[],
  ) {
    installExitHook();
    this.child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-2000);
    });
    live.add(this.child);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', () => {
        live.delete(this.child);
        resolve();
      });
    });
  }

  /** Resolves once the server answers PING (real time: Redis runs in real time). */
  async ready(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    while (Date.now() < deadline && !exited) {
      const client = connect(this.port);
      try {
        await client.ping();
        return;
      } catch (error) {
        if (/NOAUTH/.test(String(error))) return; // it answers, and requires AUTH
        await new Promise((r) => setTimeout(r, 25));
      } finally {
        client.disconnect();
      }
    }
    throw new Error(`redis-server on port ${this.port} did not start: ${this.stderr.trim() || 'exited'}`);
  }

  /** SIGTERM: Redis shuts down at once (no persistence configured); SIGKILL if it lingers. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** A short-lived admin connection that fails fast instead of queueing commands. */
export function connect(port: number, password?: string): Redis {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    password,
    lazyConnect: false,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 500,
    commandTimeout: 1000,
  });
  client.on('error', () => undefined);
  return client;
}

export async function withRedis<T>(port: number, fn: (client: Redis) => Promise<T>, password?: string): Promise<T> {
  const client = connect(port, password);
  try {
    return await fn(client);
  } finally {
    client.disconnect();
  }
}

/** Polls `check` in real time (Redis runs in real time) until it holds (true) or `timeoutMs` passed (false); a throwing check counts as not yet. */
export async function pollRedis(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return false;
}
