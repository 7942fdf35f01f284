/**
 * The rollout's waits. Its API calls are retried by the policy in src/integrations/retry-policy.ts: `retrying` is
 * the Kubernetes path (an AWS error passes through at once: the SDK has retried it).
 */
import type { Clock } from '../../integrations/clock.js';
import { retryingKubernetes } from '../../integrations/retry-policy.js';

export const retrying = retryingKubernetes;

/** Polls `check` every `pollMs` of the clock's time until it holds (true) or `timeoutMs` passed (false); a throwing check counts as not yet. */
export async function pollUntil(clock: Clock, signal: AbortSignal | undefined, timeoutMs: number, pollMs: number, check: () => Promise<boolean>): Promise<boolean> {
  const deadline = clock.now() + timeoutMs;
  while (clock.now() < deadline) {
    if (await check().catch(() => false)) return true;
    await clock.sleep(pollMs, signal);
  }
  return false;
}
