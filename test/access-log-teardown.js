/** Jest globalTeardown: removes the run's access record (test/access-log-setup.js). */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import process from 'node:process';

export default function teardown() {
  const file = process.env.DECKHAND_SANDBOX_ACCESS_LOG;
  if (file) rmSync(dirname(file), { recursive: true, force: true });
}
