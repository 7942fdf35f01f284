/**
 * The AWS SDK's retry backoff sleeps on deckhand's clock, not on a real timer (src/integrations/retry-policy.ts):
 * in the sandbox a throttled call then waits virtual time the clock can fast-forward, instead of real seconds
 * during which the human-pace clock runs at 1x (what made the 30%-throttled rollout test 4x slower).
 */
import { describeGroup } from '../../../src/integrations/aws/auto-scaling.js';
import type { Clients } from '../../../src/integrations/clients.js';
import type { Clock } from '../../../src/integrations/clock.js';
import { destroyClients, startTestSandbox, type TestSandbox } from '../../helpers/sandbox.js';

const ATTEMPTS = 4;

describe('AWS SDK retry backoff', () => {
  let env: TestSandbox;
  let clients: Clients;
  const slept: number[] = [];
  /** Records each backoff and ends it at once. */
  const recording: Clock = { now: () => env.clock.now(), sleep: async (ms) => void slept.push(ms) };

  beforeAll(async () => {
    env = await startTestSandbox({ accessLogFile: null });
    clients = env.newClients('bot', { maxAttempts: ATTEMPTS, clock: recording });
  });
  afterAll(async () => {
    destroyClients(clients);
    await env.stop();
  });

  test('a throttled call sleeps each backoff on the clock it was given, with the SDK’s throttling backoff', async () => {
    env.faults.services.autoscaling = { throttleRate: 1 };
    const failure = await describeGroup(clients.autoScaling, 'eks-prod-workers').catch((error: unknown) => error);
    env.faults.services = {};
    expect(failure).toMatchObject({ name: 'Throttling', $metadata: { attempts: ATTEMPTS } });
    expect(env.faults.throttled.autoscaling).toBe(ATTEMPTS);
    // Full jitter under a base that doubles per retry: 1 s for throttling (the SDK's), so below 1, 2, 4 s.
    expect(slept).toHaveLength(ATTEMPTS - 1);
    slept.forEach((ms, retry) => expect(ms).toBeLessThan(1000 * 2 ** retry));
  });
});
