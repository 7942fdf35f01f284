/**
 * Hostile and careless input against the real bot over signed HTTP (issue 16): permissions come from
 * server-side state only, whatever a (validly signed) button value claims, and a click or command reaches
 * only the plans, jobs and channels its own channel may.
 */
import { ActionIds } from '../../../src/blocks/action-ids.js';
import type { StoredPlan } from '../../../src/integrations/redis/plan-store.js';
import { ptrCleanupKind } from '../../../src/jobs/ptr-cleanup/index.js';
import { PRODUCT_REPORTS } from '../../../src/reports/registry.js';
import { VirtualClock } from '../../../sandbox/src/clock.js';
import type { StoredMessage } from '../../../sandbox/src/slack/web-api.js';
import { createFixtureKind, fixtureKeys } from '../../helpers/fixture-kind.js';
import { CHANNEL, startFoundation, type Harness } from '../../helpers/foundation-harness.js';
import { startPtrSandbox, type PtrSandbox } from '../jobs/ptr-cleanup/helpers.js';

const REQUESTER = 'U0REQ';
const LEAD = 'U0LEAD';
const APPROVER = 'U0APPROVER';
const POLICY = `
commands:
  fixture:
    run: ['${REQUESTER}', '${LEAD}']
    approve: ['${LEAD}', '${APPROVER}']
`;

describe('hostile input: force and approval rights', () => {
  let h: Harness;
  let clock: VirtualClock;

  beforeEach(async () => {
    clock = new VirtualClock(Date.now(), 20);
    h = await startFoundation({ kinds: ({ redis, prefix }) => [createFixtureKind(redis, prefix)], policyYaml: POLICY, clock, worker: true });
  });
  afterEach(async () => {
    await h.stop();
    clock.stop();
  });

  async function askingRun(name: string, requester: string): Promise<{ plan: StoredPlan; question: StoredMessage }> {
    await h.command(`fixture ${name} --steps 2 --ask-step step-1`, requester);
    const plan = await h.waitForPlan();
    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
    const question = await h.slack.waitFor(
      () => h.slack.thread(plan.channel, plan.messageTs!).find((m) => JSON.stringify(m.blocks).includes(ActionIds.answer)),
      10_000,
      'the question in the thread',
    );
    return { plan, question };
  }

  const stepsRun = (plan: StoredPlan) => h.redis.lrange(fixtureKeys(h.prefix).runsKey(plan.id), 0, -1);

  it('an approver-only choice follows the no-self-approve rule: a requester who is an approver cannot force their own run', async () => {
    const { plan, question } = await askingRun('selfforce', LEAD);
    const stop = { planId: plan.id, questionId: 'confirm-step-1', choice: 'stop' };
    await h.click(ActionIds.answer, stop, LEAD, question.ts);
    await h.waitForEphemeral(LEAD, /You requested this job, so another approver must pick that choice/);
    expect(await h.signals.getAnswer(plan.id, stop.questionId)).toBeUndefined();

    await h.click(ActionIds.answer, stop, APPROVER, question.ts);
    const done = await h.waitForStatus(plan.id, ['failed', 'succeeded']);
    expect(done.outcome).toContain('stopped at step-1 by the answer');
    expect(await h.signals.getAnswer(plan.id, stop.questionId)).toEqual({ choice: 'stop', by: APPROVER });
  });

  it('a forged button value cannot make an approver-only choice open to others, nor invent a choice', async () => {
    const { plan, question } = await askingRun('forged', REQUESTER);
    const rendered = JSON.stringify(question.blocks);
    expect(rendered).not.toContain('needsApprover');
    for (const forged of [
      { planId: plan.id, questionId: 'confirm-step-1', choice: 'stop', needsApprover: false },
      { planId: plan.id, questionId: 'confirm-step-1', choice: 'stop' },
    ]) {
      await h.click(ActionIds.answer, forged, REQUESTER, question.ts);
    }
    await h.slack.waitFor(() => h.ephemeralsTo(REQUESTER).filter((m) => /Only an approver of this job may pick that choice/.test(m.text)).length === 2, 10_000, 'two refusals');
    await h.click(ActionIds.answer, { planId: plan.id, questionId: 'confirm-step-1', choice: 'force' }, REQUESTER, question.ts);
    await h.click(ActionIds.answer, { planId: plan.id, questionId: 'made-up', choice: 'continue' }, REQUESTER, question.ts);
    await h.slack.waitFor(() => h.ephemeralsTo(REQUESTER).filter((m) => /not asking that question, or that is not one of its choices/.test(m.text)).length === 2, 10_000, 'two unknown-choice refusals');
    expect(await h.signals.getAnswer(plan.id, 'confirm-step-1')).toBeUndefined();
    expect(await h.signals.getAnswer(plan.id, 'made-up')).toBeUndefined();

    await h.click(ActionIds.answer, { planId: plan.id, questionId: 'confirm-step-1', choice: 'continue' }, REQUESTER, question.ts);
    const done = await h.waitForStatus(plan.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    expect(await stepsRun(plan)).toEqual(['step-1', 'step-2']);
    const refused = (await h.audit.read(100)).filter((e) => e.action === 'answer.refused');
    expect(refused).toHaveLength(4);
  });
});

describe('hostile input: a click or command acts only on its own channel', () => {
  const OTHER = 'C0OTHER';
  let h: Harness;
  let clock: VirtualClock;

  beforeEach(async () => {
    clock = new VirtualClock(Date.now(), 20);
    h = await startFoundation({ kinds: ({ redis, prefix }) => [createFixtureKind(redis, prefix)], policyYaml: POLICY, clock });
  });
  afterEach(async () => {
    await h.stop();
    clock.stop();
  });

  it('Approve, Reject, Cancel and answers carrying a plan id of another channel change nothing', async () => {
    await h.command('fixture elsewhere --steps 2', REQUESTER);
    const plan = await h.waitForPlan();
    for (const action of [ActionIds.approve, ActionIds.reject]) await h.click(action, { planId: plan.id }, APPROVER, plan.messageTs!, { channel: OTHER });
    await h.slack.waitFor(() => h.ephemeralsTo(APPROVER, OTHER).filter((m) => /no such plan in this channel/.test(m.text)).length === 2, 10_000, 'two refusals in the other channel');
    expect((await h.plans.get(plan.id))?.status).toBe('planned');
    expect(await h.queue.getJob(plan.id)).toBeUndefined();

    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
    await h.waitForStatus(plan.id, ['approved']);
    await h.click(ActionIds.cancel, { planId: plan.id }, REQUESTER, plan.messageTs!, { channel: OTHER });
    await h.click(ActionIds.pause, { planId: plan.id }, REQUESTER, plan.messageTs!, { channel: OTHER });
    await h.slack.waitFor(() => h.ephemeralsTo(REQUESTER, OTHER).filter((m) => /no such job in this channel/.test(m.text)).length === 2, 10_000, 'two refusals');
    expect(await h.signals.cancelRequested(plan.id)).toBeUndefined();
    expect(await h.signals.isPaused(plan.id)).toBe(false);
    const refused = (await h.audit.read(100)).filter((e) => e.action.endsWith('.refused') && (e.details as { reason?: string } | undefined)?.reason === 'plan of another channel');
    expect(refused.map((e) => e.action).sort()).toEqual(['approve.refused', 'cancel.refused', 'pause.refused', 'reject.refused']);
  });
});

describe('hostile input: reports read only allowed channels', () => {
  const INCIDENT = 'C0INCIDENT';
  let h: Harness;

  beforeEach(async () => {
    h = await startFoundation({
      kinds: [],
      reports: PRODUCT_REPORTS,
      policyYaml: `channels: [${CHANNEL}]\ncommands:\n  postmortem: { run: ['${REQUESTER}'] }\n`,
      channels: { [CHANNEL]: 'ops', [INCIDENT]: 'incident-2026-01-05' },
    });
  });
  afterEach(async () => {
    await h.stop();
  });

  it('postmortem of a public channel outside `channels:` is refused and reads nothing from it', async () => {
    h.slack.seedMessage(INCIDENT, { user: REQUESTER, ts: `${Math.floor(Date.now() / 1000) - 60}.000001`, text: 'db password is hunter2' });
    for (const ref of [INCIDENT, '#incident-2026-01-05']) await h.command(`postmortem ${ref}`, REQUESTER);
    const refusal = new RegExp(`may only read <#${CHANNEL}>, not <#${INCIDENT}>`);
    await h.slack.waitFor(() => h.ephemeralsTo(REQUESTER).filter((m) => refusal.test(m.text)).length === 2, 10_000, 'two refusals');
    expect(h.slack.callsTo('conversations.history')).toEqual([]);
    expect(h.slack.messages(CHANNEL).filter((m) => !m.ephemeralTo)).toEqual([]);
  });
});

describe('hostile input: ptr-cleanup restore names only jobs of its own channel', () => {
  const OTHER = 'C0OTHER';
  let sandbox: PtrSandbox;
  let h: Harness;

  beforeEach(async () => {
    sandbox = await startPtrSandbox();
    h = await startFoundation({
      kinds: [ptrCleanupKind],
      policyYaml: `commands:\n  ptr-cleanup:\n    approve: ['${APPROVER}']\n    settings:\n      requestsPerSecond: 50\n`,
      clock: sandbox.clock,
      clients: sandbox,
      worker: true,
    });
  });
  afterEach(async () => {
    await h.stop();
    await sandbox.stop();
  });

  it('restore --dry-run of another channel\'s cleanup is refused and posts none of its records', async () => {
    await h.command('ptr-cleanup', REQUESTER);
    const plan = await h.waitForPlan();
    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
    expect((await h.waitForStatus(plan.id, ['succeeded', 'failed'], 20_000)).status).toBe('succeeded');

    await h.command(`ptr-cleanup restore ${plan.id} --dry-run`, REQUESTER, { channel: OTHER });
    await h.waitForEphemeral(REQUESTER, new RegExp(`there is no job \`${plan.id}\` in this channel`), OTHER);
    expect(h.slack.messages(OTHER).filter((m) => !m.ephemeralTo)).toEqual([]);
    expect(await h.plans.listByChannel(OTHER, 5)).toEqual([]);

    await h.command(`ptr-cleanup restore ${plan.id} --dry-run`, REQUESTER);
    const restore = await h.waitForPlanFor('route53/reverse-zones', plan.id);
    expect(h.planMessage(restore).text).toContain(`PTR restore of job ${plan.id}`);
  });
});
