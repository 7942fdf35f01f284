/**
 * `npm run sandbox:deckhand -- bot|worker|all`: deckhand in its own process, against a sandbox started with
 * `npm run sandbox -- --cloud-only`, following the sandbox's virtual clock. Load the sandbox's environment
 * first: `set -a; . .sandbox/env; set +a`.
 */
import type { Mode } from '../../src/runtime.js';
import { serve } from '../../src/serve.js';
import { followSandboxClock } from './remote-clock.js';

const mode = (process.argv[2] ?? 'all') as Mode;
const controlUrl = process.env.DECKHAND_SANDBOX_CONTROL_URL;
if (!controlUrl) {
  console.error('DECKHAND_SANDBOX_CONTROL_URL is not set: load the sandbox environment first (set -a; . .sandbox/env; set +a)');
  process.exit(2);
}
await serve(mode, { clock: await followSandboxClock(controlUrl) });
