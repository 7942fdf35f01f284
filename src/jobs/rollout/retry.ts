/**
 * Retries for the step machine's API calls. The AWS SDK already retries throttling a few times; this
 * outer loop (virtual-clock aware) also covers Kubernetes 429/5xx and network resets, so a run survives
 * heavy throttling. Anything else (4xx, validation) is thrown at once.
 */
import { ApiException } from '@kubernetes/client-node';
import { hasAwsErrorCode, isAwsThrottling } from '../../integrations/aws/errors.js';
import type { Clock } from '../../integrations/clock.js';

const AWS_SERVER_ERRORS = ['InternalFailure', 'InternalError', 'ServiceUnavailable'];

export function isRetryable(error: unknown): boolean {
  if (error instanceof ApiException) return error.code === 429 || error.code >= 500;
  if (!(error instanceof Error)) return false;
  const meta = (error as { $metadata?: { httpStatusCode?: number }; $retryable?: unknown }).$metadata;
  if (isAwsThrottling(error) || AWS_SERVER_ERRORS.some((code) => hasAwsErrorCode(error, code)) || (meta?.httpStatusCode ?? 0) >= 500) return true;
  const code = (error as { code?: string }).code;
  return code === 'ECONNRESET' || code === 'ECONNREFUSED' || code === 'EPIPE' || /socket hang up|fetch failed/i.test(error.message);
}

export async function retrying<T>(clock: Clock, signal: AbortSignal | undefined, call: () => Promise<T>, attempts = 12): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) throw error;
      await clock.sleep(Math.min(500 * 2 ** (attempt - 1), 15_000), signal);
    }
  }
}

/** Polls `check` every `pollMs` of the clock's time until it holds (true) or `timeoutMs` passed (false); a throwing check counts as not yet. */
export async function pollUntil(clock: Clock, signal: AbortSignal | undefined, timeoutMs: number, pollMs: number, check: () => Promise<boolean>): Promise<boolean> {
  const deadline = clock.now() + timeoutMs;
  while (clock.now() < deadline) {
    if (await check().catch(() => false)) return true;
    await clock.sleep(pollMs, signal);
  }
  return false;
}
