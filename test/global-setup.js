/**
 * Jest globalSetup, once per `npm test`:
 * - a private redis-server for the whole suite (REDIS_URL), so the tests need no Redis of the machine's and
 *   never see another run's keys; an explicit REDIS_URL is used as given;
 * - one file where every sandbox the suite starts appends the grants deckhand's identities used and the
 *   requests refused to them (sandbox/src/access.ts), read last by test/permissions/least-privilege.test.ts
 *   (test/sequencer.js). One file per run, so concurrent runs in other worktrees never mix.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { startPrivateRedis } from '../sandbox/src/private-redis.js';

export default async function setup() {
  process.env.DECKHAND_SANDBOX_ACCESS_LOG = join(mkdtempSync(join(tmpdir(), 'deckhand-access-')), 'access.jsonl');
  if (!process.env.REDIS_URL) {
    // Read by test/global-teardown.js (same process).
    globalThis.deckhandTestRedis = await startPrivateRedis();
    process.env.REDIS_URL = globalThis.deckhandTestRedis.url;
  }
}
