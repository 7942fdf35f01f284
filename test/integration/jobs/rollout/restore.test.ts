/**
 * Cancel and failure leave the group as the run found it (issue 10 item 1): original desired and max, no
 * extra instance, no taint, label or annotation of the run, processes resumed, lock released, and a summary
 * that says so. The cluster is sampled throughout cleanup: schedulable capacity never below desired - maxUnavailable.
 */
import { describeGroup } from '../../../../src/integrations/aws/auto-scaling.js';
import { listNodes } from '../../../../src/integrations/kubernetes/nodes.js';
import { rolloutKind } from '../../../../src/jobs/rollout/index.js';
import { EXCLUDE_FROM_LB, LOCK_TAG, ORIGINAL_TAG, OWNER_ANNOTATION, SCALE_DOWN_DISABLED } from '../../../../src/jobs/rollout/tags.js';
import type { RolloutPlan, RolloutState } from '../../../../src/jobs/rollout/types.js';
import { runSteps } from '../../../helpers/step-harness.js';
import { startTestSandbox, type TestSandbox } from '../../../helpers/sandbox.js';
import { sampleCapacity } from './capacity.js';
import { GROUP, planFor, SYSTEM_NODES } from './plan-for.js';
import { checkSafety } from './safety.js';

const NEW_IMAGE = 'ami-0new00000000000002';
const plan = (env: TestSandbox) => planFor(env, { to: '2', surge: 2 });

/** Runs the kind's cleanup (what every terminal outcome runs) while sampling the cluster; returns the lowest capacity seen. */
async function cleanUp(env: TestSandbox, p: RolloutPlan, state: RolloutState): Promise<number> {
  const sampler = sampleCapacity(env, SYSTEM_NODES);
  try {
    await rolloutKind.cleanup!({ ...env.workerContext(rolloutKind), plan: p, state });
    // Keep sampling until the terminated surplus has left the cluster too, sleeping on the sandbox's clock (which
    // fast-forwards a sleeper; an idle sandbox runs at human pace).
    const settled = () => env.cluster.model.list('Node').filter((n) => !SYSTEM_NODES.includes(n.metadata.name)).length === p.nodes.length;
    for (let waited = 0; !settled() && waited < 300_000; waited += 1_000) await env.clock.sleep(1_000);
  } finally {
    sampler.stop();
  }
  expect(sampler.samples()).toBeGreaterThan(1);
  return sampler.lowest().capacity;
}

async function expectAsFound(env: TestSandbox, p: RolloutPlan): Promise<void> {
  const group = (await describeGroup(env.admin.autoScaling, GROUP))!;
  expect(group).toMatchObject({ desiredCapacity: 6, maxSize: 9, suspendedProcesses: [] });
  expect(group.tags[LOCK_TAG]).toBeUndefined();
  expect(group.tags[ORIGINAL_TAG]).toBeUndefined();
  const live = group.instances.filter((i) => i.lifecycleState !== 'Terminated' && !i.lifecycleState.startsWith('Terminating'));
  expect(live.map((i) => i.instanceId).sort()).toEqual(p.nodes.map((n) => n.instanceId).sort());
  const nodes = (await listNodes(env.admin.kube)).filter((n) => !SYSTEM_NODES.includes(n.name));
  expect(nodes.filter((n) => n.taints.some((t) => t.key === p.taintKey) || n.unschedulable).map((n) => n.name)).toEqual([]);
  expect(nodes.filter((n) => n.labels[EXCLUDE_FROM_LB] || n.annotations[OWNER_ANNOTATION] || n.annotations[SCALE_DOWN_DISABLED]).map((n) => n.name)).toEqual([]);
  checkSafety(env.log, { group: GROUP, originalDesired: 6, maxUnavailable: 1, otherNodes: SYSTEM_NODES });
}

describe('a rollout that stops early gives the group back as it found it (sandbox)', () => {
  let env: TestSandbox;
  beforeEach(async () => {
    env = await startTestSandbox({ speed: 200, maxAttempts: 3 });
  });
  afterEach(async () => {
    await env.stop();
  });

  test('--to 2 --surge 2, Cancel once the first wave\'s new nodes are Ready: back to desired 6 / max 9, surplus removed, nothing left marked', async () => {
    const p = await plan(env);
    expect(p.waves.map((w) => w.instanceIds.length)).toEqual([2, 2, 2]);
    const readyStep = rolloutKind.steps(p, rolloutKind.initialState(p)).findIndex((s) => s.id === 'wave-1/ready');
    const { checkpoint, error } = await runSteps({ kind: rolloutKind, kindContext: env.workerContext(rolloutKind), plan: p, cancelAfterSteps: readyStep + 1 });
    expect(error).toBeUndefined();
    expect(checkpoint.done).toContain('wave-1/ready');
    expect((await describeGroup(env.admin.autoScaling, GROUP))!).toMatchObject({ desiredCapacity: 8 });

    const lowest = await cleanUp(env, p, checkpoint.state);
    expect(lowest).toBeGreaterThanOrEqual(6 - 1);
    await expectAsFound(env, p);
    const summary = rolloutKind.summarize(p, checkpoint.state, 'cancelled');
    expect(summary).toMatch(/cancelled: 0\/6 node\(s\) replaced/);
    expect(summary).toMatch(/eks-prod-workers now: desired 6 \(was 6\), max 9 \(was 9\), launch template version 2; instances: 6 on version 1/);
    expect(summary).toMatch(/removed 2 surplus instance\(s\): i-/);
    expect(summary).toContain('to finish the rollout: `/deckhand rollout eks-prod-workers --to 2`');
    expect(summary).not.toMatch(/left over/);
  });

  test('a failed run (new nodes never Ready, Abort): back to desired 6 / max 9, the unready instances removed', async () => {
    env.faults.neverReadyImages.add(NEW_IMAGE);
    const p = await plan(env);
    const { checkpoint, error } = await runSteps({ kind: rolloutKind, kindContext: env.workerContext(rolloutKind), plan: p, answer: () => 'abort' });
    expect(String(error)).toMatch(/aborted, new nodes not Ready/);
    expect((await describeGroup(env.admin.autoScaling, GROUP))!).toMatchObject({ desiredCapacity: 8, maxSize: 9 });

    const lowest = await cleanUp(env, p, checkpoint.state);
    expect(lowest).toBeGreaterThanOrEqual(6 - 1);
    await expectAsFound(env, p);
    const summary = rolloutKind.summarize(p, checkpoint.state, 'failed');
    expect(summary).toMatch(/desired 6 \(was 6\), max 9 \(was 9\)/);
    expect(summary).toMatch(/removed 2 surplus instance\(s\)/);
  });
});
