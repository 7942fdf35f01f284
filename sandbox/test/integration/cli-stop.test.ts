/**
 * `npm run sandbox` stopped any way — Ctrl-C (SIGINT to the terminal's process group), SIGTERM to its process
 * group, the process that started it dying — leaves neither its temporary directory nor a redis-server (the
 * simulated Redis pods' and deckhand's private one) behind. Real processes: the CLI as npm runs it, in its own
 * process group, in a scratch working directory (it writes `.sandbox/` there).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { until } from '../../../test/helpers/until.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = join(ROOT, 'sandbox/src/cli.ts');
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

/** Live processes in process group `pgid`, with their command names. */
function processesInGroup(pgid: number): string[] {
  const out = execFileSync('ps', ['-e', '-o', 'pgid=,stat=,comm='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([group, stat]) => Number(group) === pgid && !stat?.startsWith('Z'))
    .map(([, , comm]) => comm!);
}

interface Started {
  /** The process the test spawned (the leader of a new process group). */
  leader: ChildProcess;
  dataDir: string;
  output: () => string;
}

/** The CLI (`--cloud-only`, with real Redis pods and a private redis-server), started by `command` in a new process group. */
async function start(cwd: string, viaShell: boolean): Promise<Started> {
  const node = [process.execPath, '--import', TSX, CLI, '--cloud-only'];
  const env = { ...process.env };
  delete env.REDIS_URL; // the sandbox starts its own
  const leader = viaShell
    ? spawn('sh', ['-c', `"${node.join('" "')}" & wait`], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(node[0]!, node.slice(1), { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  leader.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  leader.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  await until('the sandbox to start', () => /What the bot posts/.test(output), 60_000).catch((err: Error) => {
    throw new Error(`${err.message}; it printed:\n${output}`);
  });
  const dataDir = dirname(/AWS_SHARED_CREDENTIALS_FILE=(\S+)/.exec(output)![1]!);
  return { leader, dataDir, output: () => output };
}

describe('stopping the sandbox CLI', () => {
  let cwd: string;
  let started: Started | undefined;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'deckhand-cli-stop-'));
  });
  afterEach(() => {
    // A failed assertion must not leave the processes behind either.
    if (started) {
      try {
        process.kill(-started.leader.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(cwd, { recursive: true, force: true });
  });

  async function expectAllGone(s: Started): Promise<void> {
    const pgid = s.leader.pid!;
    await until('every process of the group to end', () => processesInGroup(pgid).length === 0, 20_000).catch((err: Error) => {
      throw new Error(`${err.message}; left: ${processesInGroup(pgid).join(', ')}; it printed:\n${s.output()}`);
    });
    expect(existsSync(s.dataDir)).toBe(false);
  }

  it.each([
    ['Ctrl-C (SIGINT to the process group)', 'SIGINT'],
    ['SIGTERM to the process group', 'SIGTERM'],
  ] as const)('%s', async (_name, signal) => {
    started = await start(cwd, false);
    const pgid = started.leader.pid!;
    expect(processesInGroup(pgid).filter((c) => c === 'redis-server').length).toBeGreaterThan(1);
    expect(existsSync(started.dataDir)).toBe(true);
    process.kill(-pgid, signal);
    await expectAllGone(started);
  }, 90_000);

  it('its parent dying', async () => {
    started = await start(cwd, true);
    const pgid = started.leader.pid!;
    expect(processesInGroup(pgid)).toContain('redis-server');
    // SIGKILL: the shell that started it says nothing; the sandbox finds itself re-parented.
    process.kill(pgid, 'SIGKILL');
    await expectAllGone(started);
  }, 90_000);
});
