/**
 * Jest globalSetup, once per `npm test`:
 * - a private redis-server for the whole suite (REDIS_URL), so the tests need no Redis of the machine's and
 *   never see another run's keys; an explicit REDIS_URL is used as given;
 * - one file where every sandbox the suite starts appends the grants deckhand's identities used and the
 *   requests refused to them (sandbox/src/access.ts), read last by test/permissions/least-privilege.test.ts
 *   (test/sequencer.js). One file per run, so concurrent runs in other worktrees never mix. Its directory names
 *   the run's process, so a run killed before its teardown is cleaned up by the next one.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { startPrivateRedis } from '../sandbox/src/private-redis.js';

const ACCESS_DIR = /^deckhand-access-(\d+)-/;

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Access records of runs whose process is gone (killed before their teardown). */
function removeAbandonedAccessDirs() {
  for (const name of readdirSync(tmpdir())) {
    const pid = ACCESS_DIR.exec(name)?.[1];
    if (pid && !alive(Number(pid))) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

export default async function setup() {
  removeAbandonedAccessDirs();
  process.env.DECKHAND_SANDBOX_ACCESS_LOG = join(mkdtempSync(join(tmpdir(), `deckhand-access-${process.pid}-`)), 'access.jsonl');
  if (!process.env.REDIS_URL) {
    // Read by test/global-teardown.js (same process).
    globalThis.deckhandTestRedis = await startPrivateRedis();
    process.env.REDIS_URL = globalThis.deckhandTestRedis.url;
  }
}
