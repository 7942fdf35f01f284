/** Jest globalTeardown: stops the suite's private Redis and removes the run's access record (test/global-setup.js). */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import process from 'node:process';

export default async function teardown() {
  await globalThis.deckhandTestRedis?.stop();
  const file = process.env.DECKHAND_SANDBOX_ACCESS_LOG;
  if (file) rmSync(dirname(file), { recursive: true, force: true });
}
