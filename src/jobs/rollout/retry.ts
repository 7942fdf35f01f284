/**
 * The rollout's waits. Its API calls are retried by the policy in src/integrations/retry-policy.ts: Kubernetes calls
 * through `retryingKubernetes`, AWS calls by the SDK alone.
 */
import type { Clock } from '../../integrations/clock.js';

/** Polls `check` every `pollMs` of the clock's time until it holds (true) or `timeoutMs` passed (false); a throwing check counts as not yet. */
export async function pollUntil(clock: Clock, signal: AbortSignal | undefined, timeoutMs: number, pollMs: number, check: () => Promise<boolean>): Promise<boolean> {
  const deadline = clock.now() + timeoutMs;
  while (clock.now() < deadline) {
    if (await check().catch(() => false)) return true;
    await clock.sleep(pollMs, signal);
  }
  return false;
}
