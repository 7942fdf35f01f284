/**
 * Issue 16.2: cleanup always finishes. A cleanup with parts left keeps the target locked, tells the thread what is
 * left, and retries with backoff as a durable job that another worker resumes after a restart, until nothing is
 * left or an approver clicks Stop retrying.
 */
import { ActionIds } from '../../src/blocks/action-ids.js';
import type { StoredPlan } from '../../src/integrations/redis/plan-store.js';
import { VirtualClock } from '../../sandbox/src/clock.js';
import { fixtureKeys } from '../helpers/fixture-kind.js';
import { APPROVER, approverPolicy, REQUESTER, startFixtureFoundation, type Harness } from '../helpers/foundation-harness.js';
import { until } from '../helpers/until.js';

const POLICY = approverPolicy('fixture');

describe('fault: a cleanup that cannot finish at once', () => {
  let h: Harness;
  let clock: VirtualClock;
  const thread = (plan: StoredPlan) => h.slack.thread(plan.channel, plan.messageTs!);
  const cleanupMessage = (plan: StoredPlan) => thread(plan).find((m) => m.history.some((v) => JSON.stringify(v.blocks).includes(ActionIds.retryCleanup)));
  const cleanups = () => h.redis.lrange(fixtureKeys(h.prefix).cleanupKey('tidy'), 0, -1);

  beforeEach(async () => {
    clock = new VirtualClock(Date.now(), 20);
    h = await startFixtureFoundation({ policyYaml: POLICY, clock });
  });
  afterEach(async () => {
    await h.stop();
    clock.stop();
  });

  async function runToEnd(flags: string): Promise<StoredPlan> {
    await h.command(`fixture tidy --steps 2 ${flags}`, REQUESTER);
    const plan = await h.waitForPlan();
    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
    const done = await h.waitForStatus(plan.id, ['succeeded', 'failed', 'cancelled']);
    await h.slack.waitFor(() => cleanupMessage(done), 10_000, 'the message saying what the cleanup left');
    return done;
  }

  it('is retried with backoff by another worker after a restart, keeps the target until done, and says so in the thread', async () => {
    const first = await h.startWorker({ cleanupRetryMs: 400 });
    const plan = await runToEnd('--cleanup-fails 2');
    expect(plan.status).toBe('failed');
    expect(plan.outcome).toMatch(/Cleanup not finished: 1 part\(s\) left/);
    expect(cleanupMessage(plan)!.text).toMatch(/1 part\(s\) left/);
    expect(await h.locks.holder(plan.target)).toBeDefined();
    // The worker that ran it goes away; the pending cleanup is in Redis and the next worker resumes it.
    await first.close();
    await h.startWorker({ cleanupRetryMs: 400 });
    await h.slack.waitFor(() => thread(plan).find((m) => /Cleanup finished after 3 attempts/.test(m.text)), 20_000, 'the cleanup to finish');
    expect(await cleanups()).toEqual(['cleanup left (attempt 1)', 'cleanup left (attempt 2)', 'cleanup after 2 steps']);
    expect(await h.locks.holder(plan.target)).toBeUndefined();
    const last = cleanupMessage(plan)!;
    expect(last.text).toMatch(/Cleanup of fixture\/tidy finished/);
    expect(JSON.stringify(last.blocks)).not.toContain(ActionIds.retryCleanup);
    // Its first version said what was left, with the reason.
    expect(JSON.stringify(last.history[0]!.blocks)).toMatch(/Still to do.*undo fixture\/tidy \(failed on purpose, attempt 1\)/);
  });

  it('Retry cleanup and Stop retrying are for approvers only; Stop lists what is left to do by hand and frees the target', async () => {
    await h.startWorker({ cleanupRetryMs: 3_600_000 });
    const plan = await runToEnd('--cleanup-fails 100');
    const message = cleanupMessage(plan)!;
    await h.click(ActionIds.stopCleanup, { planId: plan.id }, REQUESTER, message.ts);
    await h.waitForEphemeral(REQUESTER, /Only an approver of fixture may stop this cleanup/);
    await h.click(ActionIds.retryCleanup, { planId: plan.id }, APPROVER, message.ts);
    await until('Retry cleanup to try again at once', async () => (await cleanups()).length === 2, 10_000);
    await h.click(ActionIds.stopCleanup, { planId: plan.id }, APPROVER, message.ts);
    await h.slack.waitFor(() => thread(plan).find((m) => /stopped retrying the cleanup\. Left to do by hand: undo fixture\/tidy/.test(m.text)), 10_000, 'the stop to be reported');
    expect(await h.locks.holder(plan.target)).toBeUndefined();
    expect(await cleanups()).toEqual(['cleanup left (attempt 1)', 'cleanup left (attempt 2)']);
    expect(JSON.stringify(cleanupMessage(plan)!.blocks)).not.toContain(ActionIds.stopCleanup);
  });
});
