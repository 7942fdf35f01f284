/**
 * Hostile and careless input against the real bot over signed HTTP (issue 16): permissions come from
 * server-side state only, whatever a (validly signed) button value claims.
 */
import { ActionIds } from '../../../src/blocks/action-ids.js';
import type { StoredPlan } from '../../../src/integrations/redis/plan-store.js';
import { VirtualClock } from '../../../sandbox/src/clock.js';
import type { StoredMessage } from '../../../sandbox/src/slack/web-api.js';
import { createFixtureKind, fixtureKeys } from '../../helpers/fixture-kind.js';
import { startFoundation, type Harness } from '../../helpers/foundation-harness.js';

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
