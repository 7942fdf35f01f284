/**
 * Issue 16.2 with the real rollout: the sandbox's Auto Scaling and EC2 endpoints answer 500 for minutes mid-rollout.
 * The run fails, its cleanup undoes everything on the Kubernetes side at once (no node stays tainted or excluded
 * from load balancers while AWS is down), keeps retrying the AWS side, says what is left, and once AWS recovers
 * finishes: processes resumed, MaxSize restored, lock tags gone, target free.
 */
import { ActionIds } from '../../src/blocks/action-ids.js';
import { describeGroup } from '../../src/integrations/aws/auto-scaling.js';
import { listNodes } from '../../src/integrations/kubernetes/nodes.js';
import { rolloutKind } from '../../src/jobs/rollout/index.js';
import { EXCLUDE_FROM_LB, LOCK_TAG, ORIGINAL_TAG } from '../../src/jobs/rollout/tags.js';
import type { RolloutPlan } from '../../src/jobs/rollout/types.js';
import { APPROVER, approverPolicy, REQUESTER, startFoundation, type Harness } from '../helpers/foundation-harness.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { until } from '../helpers/until.js';

const POLICY = approverPolicy('rollout');
const GROUP = 'eks-prod-workers';
const TAINT = 'deckhand.dev/rollout';

describe('fault: AWS answering 500 mid-rollout, then recovering', () => {
  let env: TestSandbox;
  let h: Harness;
  beforeEach(async () => {
    env = await startTestSandbox({ speed: 100, maxAttempts: 2 });
    h = await startFoundation({ kinds: [rolloutKind], policyYaml: POLICY, clock: env.clock, clients: env });
  });
  afterEach(async () => {
    await h.stop();
    await env.stop();
  });

  const touchedNodes = async () =>
    (await listNodes(env.admin.kube)).filter((n) => n.taints.some((t) => t.key === TAINT) || n.labels[EXCLUDE_FROM_LB] !== undefined).map((n) => n.name);

  it('undoes the Kubernetes side at once, retries the AWS side until it works, and the thread says what was left, then that it finished', async () => {
    await h.startWorker({ cleanupRetryMs: 300 });
    await h.command(`rollout ${GROUP} --surge 2`, REQUESTER);
    const plan = await h.waitForPlan();
    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
    await until('the rollout to taint a node', async () => (await touchedNodes()).length > 0, 30_000);

    env.faults.services.autoscaling = { errorRate: 1 };
    env.faults.services.ec2 = { errorRate: 1 };
    const failed = await h.waitForStatus(plan.id, ['failed'], 120_000);
    expect(failed.outcome).toMatch(/Cleanup not finished/);
    const pending = await h.slack.waitFor(() => h.slack.thread(plan.channel, plan.messageTs!).find((m) => JSON.stringify(m.blocks).includes(ActionIds.stopCleanup)), 20_000, 'what the cleanup left');
    // AWS is still down, and yet no node is tainted or excluded from load balancers any more.
    expect(await touchedNodes()).toEqual([]);
    const left = JSON.stringify(pending.blocks);
    expect(left).toContain('resume the suspended Auto Scaling processes');
    expect(left).toContain(LOCK_TAG);
    expect(await h.locks.holder(plan.target)).toBeDefined();

    env.faults.services.autoscaling = {};
    env.faults.services.ec2 = {};
    await h.slack.waitFor(() => h.slack.thread(plan.channel, plan.messageTs!).find((m) => /^:white_check_mark: Cleanup finished/.test(m.text)), 60_000, 'the cleanup to finish');
    const group = (await describeGroup(env.admin.autoScaling, GROUP))!;
    expect(group.suspendedProcesses).toEqual([]);
    expect(group.maxSize).toBe(Math.max((failed.plan as RolloutPlan).original.max, group.desiredCapacity));
    expect(group.tags[LOCK_TAG]).toBeUndefined();
    expect(group.tags[ORIGINAL_TAG]).toBeUndefined();
    expect(await touchedNodes()).toEqual([]);
    expect(await h.locks.holder(plan.target)).toBeUndefined();
  }, 240_000);
});
