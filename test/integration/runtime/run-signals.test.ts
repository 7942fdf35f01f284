/**
 * Issue 10.6: a pause lasts until someone resumes or cancels, and an answer as long as its run: the run's signal
 * keys carry no expiry while it runs, and none is left once it ends.
 */
import { ActionIds } from '../../../src/blocks/action-ids.js';
import { VirtualClock } from '../../../sandbox/src/clock.js';
import { APPROVER, approverPolicy, REQUESTER, startFixtureFoundation, type Harness } from '../../helpers/foundation-harness.js';
import { until } from '../../helpers/until.js';

const POLICY = approverPolicy('fixture');

describe('run signals: pause and answers', () => {
  let h: Harness;
  let clock: VirtualClock;
  beforeEach(async () => {
    clock = new VirtualClock(Date.now(), 20);
    h = await startFixtureFoundation({ policyYaml: POLICY, clock, worker: true });
  });
  afterEach(async () => {
    await h.stop();
    clock.stop();
  });

  /** The run's own keys (signals, lease) with their expiry in ms (-1: none). */
  async function runKeys(planId: string): Promise<Record<string, number>> {
    const keys = await h.redis.keys(`${h.prefix}:run:${planId}:*`);
    const entries = await Promise.all(keys.map(async (key) => [key.slice(`${h.prefix}:run:${planId}:`.length), await h.redis.pttl(key)] as const));
    return Object.fromEntries(entries);
  }

  it('a paused run with an answered question keeps both without expiry; the run ending removes them', async () => {
    await h.command('fixture keep --steps 2 --ask-step step-2', REQUESTER);
    const plan = await h.waitForPlan();
    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
    const question = await h.slack.waitFor(() => h.slack.thread(plan.channel, plan.messageTs!).find((m) => m.text.includes('Continue after step-2?')), 10_000, 'the question');
    // Pause first: the run then stops after this step, however fast it goes on once answered.
    await h.clickPlan(ActionIds.pause, plan.id, REQUESTER);
    await until('the pause to be recorded', async () => 'pause' in (await runKeys(plan.id)), 10_000);
    await h.click(ActionIds.answer, { planId: plan.id, questionId: 'confirm-step-2', choice: 'continue' }, REQUESTER, question.ts);
    await until('the answer to be recorded', async () => 'answers' in (await runKeys(plan.id)), 10_000);
    const signals = Object.entries(await runKeys(plan.id)).filter(([name]) => !name.startsWith('lease'));
    expect(signals.map(([name]) => name).sort()).toEqual(['answers', 'pause', 'questions']);
    // No expiry: a day later the run is still paused and still knows its question and answer.
    expect(signals.every(([, ttl]) => ttl === -1)).toBe(true);

    await h.clickPlan(ActionIds.resume, plan.id, REQUESTER);
    await h.waitForStatus(plan.id, ['succeeded']);
    await until('no key of the run to be left', async () => Object.keys(await runKeys(plan.id)).length === 0, 10_000);
  });
});
