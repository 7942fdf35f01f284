import { ApiException } from '@kubernetes/client-node';
import type { Clock } from '../../../src/integrations/clock.js';
import { KUBERNETES_MAX_ATTEMPTS, retriedBelow, retryingKubernetes } from '../../../src/integrations/retry-policy.js';

/** Backoff sleeps end at once: only the number of calls matters here. */
const instant: Clock = { now: () => 0, sleep: async () => undefined };
const aws = (name: string, status: number, attempts?: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status, ...(attempts === undefined ? {} : { attempts }) } });

describe('retry policy', () => {
  test.each([
    ['Kubernetes 429', new ApiException(429, 'too many', {}, {}), KUBERNETES_MAX_ATTEMPTS],
    ['Kubernetes 503', new ApiException(503, 'unavailable', {}, {}), KUBERNETES_MAX_ATTEMPTS],
    ['a connection reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), KUBERNETES_MAX_ATTEMPTS],
    ['Kubernetes 404', new ApiException(404, 'not found', {}, {}), 1],
    // The SDK has already retried these: the Kubernetes path must not multiply its attempts.
    ['AWS Throttling', aws('Throttling', 400, 8), 1],
    ['AWS InternalFailure', aws('InternalFailure', 500, 8), 1],
    ['anything else', new Error('boom'), 1],
  ])('%s: called %i time(s) by the Kubernetes path', async (_name, error, calls) => {
    let made = 0;
    await expect(
      retryingKubernetes(instant, undefined, async () => {
        made++;
        throw error;
      }),
    ).rejects.toBe(error);
    expect(made).toBe(calls);
  });

  test('an error is "retried below" once its own layer used its attempts, so the run is not retried on top', async () => {
    expect(retriedBelow(aws('Throttling', 400, 8))).toBe(true);
    const exhausted = new ApiException(503, 'unavailable', {}, {});
    await retryingKubernetes(instant, undefined, () => Promise.reject(exhausted)).catch(() => undefined);
    expect(retriedBelow(exhausted)).toBe(true);
    expect(retriedBelow(new ApiException(503, 'unavailable', {}, {}))).toBe(false);
    expect(retriedBelow(new Error('a step gave up'))).toBe(false);
  });
});
