/**
 * The one retry policy, per call path (README "Reliability"). Each failure is retried in exactly one layer, so
 * retries never multiply:
 * - AWS SDK calls: only by the SDK, standard mode, `AWS_MAX_ATTEMPTS` attempts (throttling, 5xx, timed-out
 *   attempts), with its backoff and its retry quota, the backoff slept on deckhand's clock (`ClockedRetryStrategy`).
 *   Nothing above the SDK retries an AWS error.
 * - Kubernetes API calls: `retryingKubernetes` (429, 5xx, connection resets), `KUBERNETES_MAX_ATTEMPTS` attempts.
 * - Slack Web API calls: the outbox alone (src/integrations/slack/outbox.ts), until delivered. The bot's own calls
 *   (someone is waiting): the WebClient, twice; a 429 is waited out before that (slack/retry-after-fetch.ts).
 * - A run: BullMQ re-runs a failed attempt from its checkpoint (src/jobs/queues.ts, RUN_ATTEMPTS) only for errors
 *   no layer below has retried (`retriedBelow`), such as a step's own TransientError or a lost worker.
 */
import { ApiException } from '@kubernetes/client-node';
import { MAXIMUM_RETRY_DELAY, Retry, StandardRetryStrategy } from '@smithy/core/retry';
import type { Clock } from './clock.js';

export const AWS_MAX_ATTEMPTS = 8;
export const KUBERNETES_MAX_ATTEMPTS = 12;

const retried = new WeakSet<object>();

function isRetryableKubernetes(error: unknown): boolean {
  if (error instanceof ApiException) return error.code === 429 || error.code >= 500;
  if (!(error instanceof Error) || '$metadata' in error) return false;
  const code = (error as { code?: string }).code;
  return code === 'ECONNRESET' || code === 'ECONNREFUSED' || code === 'EPIPE' || /socket hang up|fetch failed/i.test(error.message);
}

/** Retries a Kubernetes call on the clock, with backoff; any other error (AWS's included) is thrown at once. */
export async function retryingKubernetes<T>(clock: Clock, signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isRetryableKubernetes(error)) throw error;
      if (attempt >= KUBERNETES_MAX_ATTEMPTS) {
        if (typeof error === 'object' && error !== null) retried.add(error);
        throw error;
      }
      await clock.sleep(Math.min(500 * 2 ** (attempt - 1), 15_000), signal);
    }
  }
}

type RetryToken = Parameters<StandardRetryStrategy['recordSuccess']>[0];
type RetryErrorInfo = Parameters<StandardRetryStrategy['refreshRetryTokenForRetry']>[1];

/**
 * The SDK's standard retry strategy (which errors, how many attempts, the retry quota), its backoff slept on
 * `clock` instead of a real timer: the same wait in production, and in the sandbox a wait the virtual clock can
 * fast-forward like any other sleep (a real-time wait runs the human-pace clock at 1x, sandbox/src/clock.ts).
 */
export class ClockedRetryStrategy extends StandardRetryStrategy {
  constructor(
    maxAttempts: number,
    private readonly clock: Clock,
  ) {
    // The SDK's own wait is zero; `refreshRetryTokenForRetry` waits instead.
    super({ maxAttempts, backoff: { computeNextBackoffDelay: () => 0, setDelayBase: () => undefined } });
  }

  override async refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    // Without the hint the SDK does not wait for it either.
    const next = await super.refreshRetryTokenForRetry(token, { ...errorInfo, retryAfterHint: undefined });
    await this.clock.sleep(sdkBackoffMs(errorInfo, token.getRetryCount()));
    return next;
  }
}

/** The SDK's standard backoff (full jitter, a longer base for throttling, a Retry-After hint honoured up to 5 s more). */
function sdkBackoffMs({ errorType, retryAfterHint }: RetryErrorInfo, retries: number): number {
  const base = errorType === 'THROTTLING' ? Retry.throttlingDelay() : Retry.delay();
  const backoff = Math.floor(Math.random() * Math.min(base * 2 ** retries, MAXIMUM_RETRY_DELAY));
  if (!retryAfterHint) return backoff;
  return Math.max(backoff, Math.min(retryAfterHint.getTime() - Date.now(), backoff + 5_000));
}

/** True when the layer that owns this error's retries has used them up: retrying the run would multiply them. */
export function retriedBelow(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  // AWS SDK errors carry `$metadata.attempts`: the SDK's retry strategy has run.
  const attempts = (error as { $metadata?: { attempts?: unknown } }).$metadata?.attempts;
  return typeof attempts === 'number' || retried.has(error);
}
