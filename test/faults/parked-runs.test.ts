/**
 * Issue 10.8: a run waiting on a human (a question, Pause) holds no worker slot. With more such runs than the
 * worker's concurrency, another run still starts and finishes at once; an answer or Resume wakes the parked run,
 * which goes on from its checkpoint without repeating a finished step.
 */
import { ActionIds } from '../../src/blocks/action-ids.js';
import type { StoredPlan } from '../../src/integrations/redis/plan-store.js';
import { fixtureKeys } from '../helpers/fixture-kind.js';
import { APPROVER, approverPolicy, REQUESTER, startFixtureFoundation, type Harness } from '../helpers/foundation-harness.js';

const POLICY = approverPolicy('fixture');
const CONCURRENCY = 2;

describe('faults: runs waiting on humans', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startFixtureFoundation({ policyYaml: POLICY });
    await h.startWorker({ concurrency: CONCURRENCY });
  });
  afterEach(async () => {
    await h.stop();
  });

  const runs = (plan: StoredPlan) => h.redis.lrange(fixtureKeys(h.prefix).runsKey(plan.id), 0, -1);

  async function approve(text: string, name: string): Promise<StoredPlan> {
    await h.command(text, REQUESTER);
    const plan = await h.waitForPlanFor(`fixture/${name}`);
    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
    return plan;
  }

  const questionIn = (plan: StoredPlan) =>
    h.slack.waitFor(() => h.slack.thread(plan.channel, plan.messageTs!).find((m) => JSON.stringify(m.blocks).includes(ActionIds.answer)), 10_000, `the question of ${plan.id}`);

  it('more runs waiting on answers and Resume than worker slots: another run still finishes at once, and each resumes when its human acts', async () => {
    const asking = [await approve('fixture ask-a --steps 2 --ask-step step-1', 'ask-a'), await approve('fixture ask-b --steps 2 --ask-step step-1', 'ask-b')];
    for (const plan of asking) await questionIn(plan);
    // A run paused during its first step parks at the step boundary.
    const paused = await approve('fixture paused --steps 3 --delay-ms 1000', 'paused');
    await h.waitForStatus(paused.id, ['running']);
    await h.clickPlan(ActionIds.pause, paused.id, REQUESTER);
    await h.slack.waitFor(() => h.slack.thread(paused.channel, paused.messageTs!).find((m) => m.text.includes('Paused')), 10_000, 'the paused card');

    const started = Date.now();
    const free = await approve('fixture free --steps 2', 'free');
    await h.waitForStatus(free.id, ['succeeded'], 10_000);
    expect(Date.now() - started).toBeLessThan(5_000);
    for (const plan of [...asking, paused]) expect((await h.plans.get(plan.id))!.status).toBe('running');

    for (const plan of asking) {
      const question = await questionIn(plan);
      await h.click(ActionIds.answer, { planId: plan.id, questionId: 'confirm-step-1', choice: 'continue' }, REQUESTER, question.ts);
      await h.waitForStatus(plan.id, ['succeeded'], 10_000);
      expect(await runs(plan)).toEqual(['step-1', 'step-2']);
    }
    await h.clickPlan(ActionIds.resume, paused.id, REQUESTER);
    await h.waitForStatus(paused.id, ['succeeded'], 10_000);
    expect(await runs(paused)).toEqual(['step-1', 'step-2', 'step-3']);
  });

  it('Cancel of a parked run wakes it: it ends cancelled, runs its cleanup once, and frees its target', async () => {
    const paused = await approve('fixture parked --steps 3 --delay-ms 1000', 'parked');
    await h.waitForStatus(paused.id, ['running']);
    await h.clickPlan(ActionIds.pause, paused.id, REQUESTER);
    await h.slack.waitFor(() => h.slack.thread(paused.channel, paused.messageTs!).find((m) => m.text.includes('Paused')), 10_000, 'the paused card');

    await h.clickPlan(ActionIds.cancel, paused.id, REQUESTER);
    const done = await h.waitForStatus(paused.id, ['cancelled'], 10_000);
    expect(done.outcome).toMatch(/cancel/i);
    // Pause takes effect at the next step boundary, before or after step 1 depending on when the click lands;
    // either way nothing ran after it, and nothing twice.
    const ran = await runs(paused);
    expect(ran).toEqual(['step-1'].slice(0, ran.length));
    expect(await h.redis.lrange(fixtureKeys(h.prefix).cleanupKey('parked'), 0, -1)).toHaveLength(1);
    expect(await h.locks.holder(paused.target)).toBeUndefined();
  });
});
