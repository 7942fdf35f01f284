/**
 * Jest globalSetup: every sandbox the suite starts appends the grants deckhand's identities used and the
 * requests refused to them to one file (sandbox/src/access.ts), which test/permissions/least-privilege.test.ts
 * reads last (test/sequencer.js). One file per run, so concurrent runs in other worktrees never mix.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';

export default function setup() {
  process.env.DECKHAND_SANDBOX_ACCESS_LOG = join(mkdtempSync(join(tmpdir(), 'deckhand-access-')), 'access.jsonl');
}
