/**
 * Issue 10.7: one retry policy per call path (src/integrations/retry-policy.ts). An AWS call that Auto Scaling
 * throttles every time is sent exactly as many times as the SDK's attempts allow: no loop around the SDK, and the
 * run is not re-run by BullMQ on top, which used to send it attempts × job attempts times.
 */
import { ActionIds } from '../../src/blocks/action-ids.js';
import type { Clients } from '../../src/integrations/clients.js';
import { RUN_ATTEMPTS } from '../../src/jobs/queues.js';
import { describeGroupKind } from '../helpers/aws-call-kind.js';
import { APPROVER, approverPolicy, REQUESTER, startFoundation, type Harness } from '../helpers/foundation-harness.js';
import { destroyClients, startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

const POLICY = approverPolicy('describe-group');
const SDK_ATTEMPTS = 3;

describe('faults: a throttled AWS call', () => {
  let env: TestSandbox;
  let worker: Clients;
  let h: Harness;
  beforeAll(async () => {
    env = await startTestSandbox({ speed: 20, accessLogFile: null });
    worker = env.newClients('worker', { maxAttempts: SDK_ATTEMPTS });
    h = await startFoundation({ kinds: ({ redis, prefix }) => [describeGroupKind(redis, prefix)], policyYaml: POLICY, clients: { bot: env.bot, worker }, worker: true });
  });
  afterAll(async () => {
    await h.stop();
    destroyClients(worker);
    await env.stop();
  });

  it('is sent only as often as the SDK attempts allow, and the run fails once, with cleanup', async () => {
    expect(RUN_ATTEMPTS).toBeGreaterThan(1);
    await h.command('describe-group', REQUESTER);
    const plan = await h.waitForPlan();
    env.faults.services.autoscaling = { throttleRate: 1 };
    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
    const done = await h.waitForStatus(plan.id, ['failed'], 20_000);
    env.faults.services = {};

    expect(env.faults.throttled.autoscaling).toBe(SDK_ATTEMPTS);
    expect(await h.redis.lrange(`${h.prefix}:calls`, 0, -1)).toEqual(['describe']);
    expect(await h.redis.lrange(`${h.prefix}:cleanup`, 0, -1)).toEqual(['done']);
    expect(done.outcome).toMatch(/after 1 attempt\b/);
  });
});
