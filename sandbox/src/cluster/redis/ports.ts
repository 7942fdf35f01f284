/**
 * Free loopback ports for Redis processes. They are picked below the kernel's ephemeral range (32768+ on Linux),
 * so an outgoing connection cannot take one between the probe and the process start, and reserved with a lock
 * file (exclusive create, owner pid inside), so two sandboxes starting at once (parallel test files) never pick
 * the same port. A cluster node also needs its bus port (+10000) free.
 */
import { randomInt } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOWEST = 12000;
const HIGHEST = 22700;
const BUS_OFFSET = 10000;
const LOCK_DIR = join(tmpdir(), 'deckhand-sandbox-ports');

function probe(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Exclusive reservation; a lock left by a dead process is taken over. */
function reserve(port: number): boolean {
  mkdirSync(LOCK_DIR, { recursive: true });
  const file = join(LOCK_DIR, String(port));
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    const owner = Number(readFileSync(file, 'utf8'));
    if (owner === process.pid || alive(owner)) return false;
    rmSync(file, { force: true });
    return reserve(port);
  }
}

export function releasePorts(ports: Iterable<number>): void {
  for (const port of ports) rmSync(join(LOCK_DIR, String(port)), { force: true });
}

export async function allocatePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let attempts = 0; ports.length < count; attempts++) {
    if (attempts > 1000) throw new Error(`no free loopback ports for Redis between ${LOWEST} and ${HIGHEST + BUS_OFFSET}`);
    const candidate = randomInt(LOWEST, HIGHEST);
    if (ports.includes(candidate) || !reserve(candidate)) continue;
    if ((await probe(candidate)) && (await probe(candidate + BUS_OFFSET))) ports.push(candidate);
    else releasePorts([candidate]);
  }
  return ports;
}
