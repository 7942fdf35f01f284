/**
 * The whole loop for a canary rollout: slash command → plan message → Approve → BullMQ worker → canary
 * question answered with Continue → remaining wave → summary, with the sandbox behind the real SDK clients.
 */
import { ActionIds } from '../../../../src/blocks/action-ids.js';
import { describeGroup } from '../../../../src/integrations/aws/auto-scaling.js';
import { rolloutKind } from '../../../../src/jobs/rollout/index.js';
import { LOCK_TAG } from '../../../../src/jobs/rollout/tags.js';
import { APPROVER, approverPolicy, REQUESTER, startFoundation, type Harness } from '../../../helpers/foundation-harness.js';
import { startTestSandbox, type TestSandbox } from '../../../helpers/sandbox.js';

const POLICY = approverPolicy('rollout');

describe('rollout through Slack, end to end', () => {
  let env: TestSandbox;
  let h: Harness;
  beforeEach(async () => {
    env = await startTestSandbox({ speed: 100, maxAttempts: 3 });
    h = await startFoundation({ kinds: [rolloutKind], policyYaml: POLICY, clock: env.clock, clients: env, worker: true });
  });
  afterEach(async () => {
    await h.stop();
    await env.stop();
  });

  it('--dry-run shows the plan without buttons and changes nothing; $Latest is a usage error', async () => {
    await h.command('rollout eks-prod-workers --to $Latest', REQUESTER);
    await h.waitForEphemeral(REQUESTER, /numbered launch template version/);
    await h.command('rollout eks-prod-workers --dry-run', REQUESTER);
    const plan = await h.waitForPlan();
    expect(plan).toMatchObject({ dryRun: true, target: 'asg/eks-prod-workers' });
    const blocks = JSON.stringify(h.planMessage(plan).blocks);
    expect(blocks).toContain('Outdated instances by AZ');
    expect(blocks).not.toContain(ActionIds.approve);
    expect(env.log.entries.filter((e) => e.service !== 'autoscaling' || !['LaunchInstance', 'InstanceInService'].includes(e.action))).toEqual([]);
  });

  it('canary rollout: approve, Continue after the canary, every node replaced, group restored', async () => {
    await h.command('rollout eks-prod-workers --canary', REQUESTER);
    const plan = await h.waitForPlan();
    expect(JSON.stringify(h.planMessage(plan).blocks)).toContain('canary, then pause for Continue');
    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);

    const question = await h.slack.waitFor(
      () => h.slack.thread(plan.channel, plan.messageTs!).find((m) => JSON.stringify(m.blocks).includes(ActionIds.answer)),
      60_000,
      'the canary question',
    );
    expect(question.text).toContain('Canary node replaced');
    expect(env.log.find({ action: 'TerminateInstanceInAutoScalingGroup' })).toHaveLength(1);
    await h.click(ActionIds.answer, { planId: plan.id, questionId: 'wave-1/canary', choice: 'continue' }, APPROVER, question.ts);

    const done = await h.waitForStatus(plan.id, ['succeeded', 'failed'], 90_000);
    expect(done.outcome).toMatch(/succeeded: 6\/6 node\(s\) replaced/);
    expect(done.status).toBe('succeeded');
    const group = (await describeGroup(env.admin.autoScaling, 'eks-prod-workers'))!;
    expect(group).toMatchObject({ desiredCapacity: 6, maxSize: 9, suspendedProcesses: [] });
    expect(group.tags[LOCK_TAG]).toBeUndefined();
    const thread = h.slack.thread(plan.channel, plan.messageTs!).map((m) => m.text);
    expect(thread.some((t) => /Wave 2\/2 done/.test(t))).toBe(true);
    // About 45 s on a quiet machine: the sandbox's clock waits for deckhand, so a loaded machine takes longer.
  }, 180_000);
});
