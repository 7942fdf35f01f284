import { planRollout } from '../../../../src/jobs/rollout/plan.js';
import { observeRollout } from '../../../../src/jobs/rollout/observe.js';
import { rolloutKind } from '../../../../src/jobs/rollout/index.js';
import { rolloutSettingsSchema } from '../../../../src/jobs/rollout/settings.js';
import { LOCK_TAG, ORIGINAL_TAG, SCALE_DOWN_DISABLED } from '../../../../src/jobs/rollout/tags.js';
import type { RolloutPlan } from '../../../../src/jobs/rollout/types.js';
import { RefusalError } from '../../../../src/errors.js';
import { describeGroup, setGroupTags } from '../../../../src/integrations/aws/auto-scaling.js';
import { listNodes } from '../../../../src/integrations/kubernetes/nodes.js';
import { listPods, readDeploymentReplicas } from '../../../../src/integrations/kubernetes/pods.js';
import { runSteps } from '../../../helpers/step-harness.js';
import { checkSafety } from './safety.js';
import { startTestSandbox, type TestSandbox } from '../../../helpers/sandbox.js';

const GROUP = 'eks-prod-workers';
const SYSTEM_NODES = ['ip-10-0-2-50.ec2.internal', 'ip-10-0-34-50.ec2.internal'];

async function plan(env: TestSandbox, extra = {}, settings: object = {}): Promise<RolloutPlan> {
  const observed = await observeRollout(env.bot, { group: GROUP, canary: false, dryRun: false, ...extra });
  const outcome = planRollout(observed, { group: GROUP, canary: false, dryRun: false, ...extra }, env.clock.now(), rolloutSettingsSchema.parse(settings));
  if (outcome.kind !== 'plan') throw new Error(outcome.reason);
  return outcome.plan;
}

describe('rollout against the sandbox (default scenario, stateless)', () => {
  let env: TestSandbox;
  beforeEach(async () => {
    env = await startTestSandbox({ speed: 200, maxAttempts: 3 });
  });
  afterEach(async () => {
    await env.stop();
  });

  test('observe -> plan -> steps replaces every worker, keeps the safety properties, and a second plan is empty', async () => {
    const p = await plan(env);
    expect(p.nodes).toHaveLength(6);
    expect(p.waves.map((w) => w.instanceIds.length)).toEqual([6]);
    expect(p.risks.map((r) => r.kind)).toEqual(expect.arrayContaining(['single-replica', 'bare-pod', 'empty-dir']));
    // No redis-server runs here: the sandbox's Redis workloads are plain pods (no procedure label), nothing is dialed.
    expect(p.nodes.flatMap((n) => n.pods.filter((x) => x.procedure))).toEqual([]);

    const { checkpoint, recorder, error } = await runSteps({ kind: rolloutKind, kindContext: env.workerContext(rolloutKind), plan: p, answer: () => 'wait' });
    await rolloutKind.cleanup!({ ...env.workerContext(rolloutKind), plan: p, state: checkpoint.state });
    expect(error).toBeUndefined();

    const safety = checkSafety(env.log, { group: GROUP, originalDesired: 6, maxUnavailable: 1, otherNodes: SYSTEM_NODES });
    expect(safety.terminations.sort()).toEqual(p.nodes.map((n) => n.instanceId).sort());
    expect(recorder.audits.filter((a) => a.action === 'autoscaling:TerminateInstanceInAutoScalingGroup')).toHaveLength(6);

    const group = (await describeGroup(env.admin.autoScaling, GROUP))!;
    expect(group).toMatchObject({ desiredCapacity: 6, maxSize: 9, minSize: 3, suspendedProcesses: [] });
    expect(group.tags[LOCK_TAG]).toBeUndefined();
    expect(group.tags[ORIGINAL_TAG]).toBeUndefined();
    expect(group.instances.filter((i) => i.lifecycleState === 'InService').map((i) => i.launchTemplateVersion)).toEqual(['2', '2', '2', '2', '2', '2']);
    const nodes = await listNodes(env.admin.kube);
    expect(nodes.filter((n) => n.annotations[SCALE_DOWN_DISABLED])).toEqual([]);
    expect(nodes.filter((n) => n.taints.some((t) => t.key === p.taintKey))).toEqual([]);
    const pods = await listPods(env.admin.kube);
    expect(pods.filter((p) => p.namespace === 'web' && p.ready)).toHaveLength(6);
    expect(checkpoint.state.podsMoved).toBeGreaterThanOrEqual(p.nodes.flatMap((n) => n.pods.filter((x) => !x.daemonSet)).length);
    expect(rolloutKind.summarize(p, checkpoint.state, 'succeeded')).toMatch(/6\/6 node\(s\) replaced/);

    const again = await observeRollout(env.bot, { group: GROUP, canary: false, dryRun: false });
    expect(planRollout(again, { group: GROUP, canary: false, dryRun: false }, env.clock.now(), rolloutSettingsSchema.parse({}))).toMatchObject({ kind: 'plan', empty: true });
  });

  test('--to <AMI> plans the launch template version that uses it; an AMI EC2 does not know is refused', async () => {
    expect((await plan(env, { to: 'ami-0new00000000000002' })).target).toMatchObject({ version: '2', imageId: 'ami-0new00000000000002' });
    const unknown = await observeRollout(env.bot, { group: GROUP, canary: false, dryRun: false, to: 'ami-0ffffffffffffffff' });
    expect(unknown.targetError).toBe('EC2 does not know ami-0ffffffffffffffff');
  });

  test('never two rollouts on one group: a run whose group another rollout holds refuses before changing anything', async () => {
    const p = await plan(env);
    await setGroupTags(env.admin.autoScaling, GROUP, { [LOCK_TAG]: 'plan-other' });
    const before = env.log.entries.length;
    const { error } = await runSteps({ kind: rolloutKind, kindContext: env.workerContext(rolloutKind), plan: p });
    expect(error).toBeInstanceOf(RefusalError);
    expect(String(error)).toMatch(/another rollout \(plan-other\) holds the lock/);
    await rolloutKind.cleanup!({ ...env.workerContext(rolloutKind), plan: p, state: rolloutKind.initialState(p) });
    expect(env.log.entries.slice(before)).toEqual([]);
    expect((await describeGroup(env.admin.autoScaling, GROUP))!.tags[LOCK_TAG]).toBe('plan-other');
  });

  test("autoscalerMode 'scale-to-zero': cluster-autoscaler is scaled to 0 for the run and restored by cleanup", async () => {
    const p = await plan(env, { surge: 3 }, { autoscalerMode: 'scale-to-zero' });
    const { checkpoint, recorder, error } = await runSteps({ kind: rolloutKind, kindContext: env.workerContext(rolloutKind), plan: p });
    expect(error).toBeUndefined();
    expect(checkpoint.state.recorded?.autoscalerReplicas).toBe(1);
    expect(recorder.audits.filter((a) => a.action === 'kubernetes:ScaleDeployment').map((a) => a.details.replicas)).toEqual([0]);
    expect(recorder.audits.some((a) => a.action === 'kubernetes:AnnotateNode')).toBe(false);
    expect(await readDeploymentReplicas(env.admin.kube, 'kube-system', 'cluster-autoscaler')).toBe(0);
    await rolloutKind.cleanup!({ ...env.workerContext(rolloutKind), plan: p, state: checkpoint.state });
    expect(await readDeploymentReplicas(env.admin.kube, 'kube-system', 'cluster-autoscaler')).toBe(1);
    checkSafety(env.log, { group: GROUP, originalDesired: 6, maxUnavailable: 1, otherNodes: SYSTEM_NODES });
  });
});
