/**
 * The whole loop for one offline resize: slash command → plan message → Approve → BullMQ worker →
 * restart question answered by an approver → eviction → summary, with the sandbox behind the SDKs.
 */
import { ActionIds } from '../../../../src/blocks/action-ids.js';
import { resizeKind } from '../../../../src/jobs/volume-resize/index.js';
import { APPROVER, approverPolicy, REQUESTER, startFoundation, type Harness } from '../../../helpers/foundation-harness.js';
import { startTestSandbox, type TestSandbox } from '../../../helpers/sandbox.js';
import { RESIZE_SCENARIO } from './scenario.js';

const POLICY = approverPolicy('resize');

describe('resize through Slack, end to end', () => {
  let env: TestSandbox;
  let h: Harness;
  beforeEach(async () => {
    env = await startTestSandbox({ scenario: RESIZE_SCENARIO, speed: 100, maxAttempts: 2 });
    h = await startFoundation({ kinds: [resizeKind], policyYaml: POLICY, clock: env.clock, clients: env, worker: true });
  });
  afterEach(async () => {
    await h.stop();
    await env.stop();
  });

  it('a bad size string gets a usage error with an example, and no plan', async () => {
    await h.command('resize data/pgdata-postgres-0 big', REQUESTER);
    const reply = await h.waitForEphemeral(REQUESTER, /"big" is not a size/);
    expect(JSON.stringify(reply.blocks)).toContain('/deckhand resize data/pgdata-postgres-0 30Gi');
    expect(await h.plans.listByChannel(h.channel, 5)).toEqual([]);
  });

  it('a refusal is explained to the requester; --dry-run shows the plan without buttons and changes nothing', async () => {
    await h.command('resize logs/archive 600Gi', REQUESTER);
    await h.waitForEphemeral(REQUESTER, /deckhand will not plan this: .*StorageClass "st1-fixed" does not allow volume expansion/);
    await h.command('resize search/statefulset/es 75Gi --dry-run', REQUESTER);
    const plan = await h.waitForPlan();
    expect(plan).toMatchObject({ dryRun: true, target: 'statefulset/search/es' });
    const blocks = JSON.stringify(h.planMessage(plan).blocks);
    expect(blocks).toContain('volumeClaimTemplate');
    expect(blocks).not.toContain(ActionIds.approve);
    expect(env.log.entries).toEqual([]);
  });

  it('offline resize: plan, approve, restart question answered by an approver, eviction, summary', async () => {
    await h.command('resize data/pgdata-postgres-0 30Gi', REQUESTER);
    const plan = await h.waitForPlan();
    expect(plan.target).toBe('pvc/data/pgdata-postgres-0');
    expect(JSON.stringify(h.planMessage(plan).blocks)).toContain('offline: the pod must be restarted');
    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);

    const question = await h.slack.waitFor(
      () => h.slack.thread(plan.channel, plan.messageTs!).find((m) => JSON.stringify(m.blocks).includes(ActionIds.answer)),
      15_000,
      'the restart question',
    );
    expect(question.text).toContain('postgres-0');
    const evict = { planId: plan.id, questionId: 'restart/data/pgdata-postgres-0', choice: 'evict', needsApprover: true };
    await h.click(ActionIds.answer, evict, REQUESTER, question.ts);
    await h.waitForEphemeral(REQUESTER, /Only an approver of this job may pick that choice/);
    expect(env.log.find({ action: 'evict-pod' })).toEqual([]);
    await h.click(ActionIds.answer, evict, APPROVER, question.ts);

    const done = await h.waitForStatus(plan.id, ['succeeded', 'failed'], 20_000);
    expect(done.status).toBe('succeeded');
    expect(done.outcome).toMatch(/Resized 1 claim\(s\) to 30Gi\.\n• data\/pgdata-postgres-0: PVC 30Gi, PV 30Gi/);
    expect(env.log.find({ action: 'evict-pod', target: 'data/postgres-0' })).toHaveLength(1);
    const actions = (await h.audit.read(100)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['kubernetes.pvc.patch-storage', 'run.answer', 'kubernetes.pod.evict']));
    await h.slack.waitFor(() => h.slack.thread(plan.channel, plan.messageTs!).some((m) => m.text.startsWith('Evicted `postgres-0`')), 10_000, 'the eviction milestone');
  });
});
