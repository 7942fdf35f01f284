/**
 * A private `redis-server` for deckhand's own data (plans, locks, queues) in the sandbox, the tests and the
 * benchmarks: nothing depends on a Redis someone else started, and nothing from an earlier session shows up.
 * Configured as production must be (`maxmemory-policy noeviction`), without persistence.
 * Plain JavaScript so that Jest's globalSetup (test/global-setup.js) can load it without a TypeScript loader.
 */
import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import process from 'node:process';
import { setTimeout, clearTimeout } from 'node:timers';

const REDIS_SERVER = 'redis-server';

/** A port the kernel just handed out; redis-server cannot pick one itself. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** True once the server answers PING with PONG. */
function pings(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(500, () => socket.destroy());
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

async function startOn(port, timeoutMs) {
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let failure;
  const collect = (chunk) => (output = (output + chunk.toString()).slice(-2000));
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  // Not installed: say so instead of crashing on an unhandled 'error' event.
  child.once('error', (err) => (failure = `${REDIS_SERVER}: ${err.message} (install the redis-server package)`));
  child.once('exit', (code) => (failure ??= `${REDIS_SERVER} exited with ${code}: ${output.trim().split('\n').pop()}`));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null || failure) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  while (!failure && Date.now() < deadline) {
    if (await pings(port)) return { url: `redis://127.0.0.1:${port}`, port, stop };
    await new Promise((r) => setTimeout(r, 25));
  }
  await stop();
  throw new Error(failure ?? `${REDIS_SERVER} on port ${port} did not answer within ${timeoutMs} ms`);
}

/** Starts one; tries another port if the chosen one was taken between choosing and binding. */
export async function startPrivateRedis({ attempts = 3, timeoutMs = 10_000 } = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOn(await freePort(), timeoutMs);
    } catch (err) {
      if (attempt >= attempts || /install the redis-server/.test(String(err))) throw err;
    }
  }
}
