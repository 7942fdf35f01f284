/**
 * Issue 16.4: Slack answers 500 (or 429) from the moment of approval. The run's steps do not wait on Slack: the
 * first step starts within seconds and the run finishes during the outage. When Slack recovers, the thread gets
 * the status card, the milestones and the final message, each exactly once, in order.
 */
import { ActionIds } from '../../src/blocks/action-ids.js';
import type { StoredPlan } from '../../src/integrations/redis/plan-store.js';
import type { FailureSpec } from '../../sandbox/src/slack/web-api.js';
import { fixtureKeys } from '../helpers/fixture-kind.js';
import { APPROVER, approverPolicy, REQUESTER, startFixtureFoundation, type Harness } from '../helpers/foundation-harness.js';

const POLICY = approverPolicy('fixture');

describe('faults: Slack down from approval', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startFixtureFoundation({ policyYaml: POLICY, worker: true });
  });
  afterEach(async () => {
    h.slack.outage(undefined);
    await h.stop();
  });

  const thread = (plan: StoredPlan) => h.slack.thread(plan.channel, plan.messageTs!).slice(1);

  it.each<[string, FailureSpec]>([
    ['500', { status: 500 }],
    ['429 with Retry-After', { retryAfter: 1 }],
  ])('Slack answering %s: the run does its work during the outage and the thread catches up once Slack recovers', async (_name, failure) => {
    await h.command('fixture outage --steps 3', REQUESTER);
    const plan = await h.waitForPlan();
    h.slack.outage(failure);
    const approved = Date.now();
    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);

    const runs = () => h.redis.lrange(fixtureKeys(h.prefix).runsKey(plan.id), 0, -1);
    const deadline = Date.now() + 10_000;
    while ((await runs()).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(Date.now() - approved).toBeLessThan(3_000);
    const done = await h.waitForStatus(plan.id, ['succeeded'], 10_000);
    expect(done.status).toBe('succeeded');
    expect(await runs()).toEqual(['step-1', 'step-2', 'step-3']);
    // Nothing reached the thread yet: every call during the outage failed.
    expect(thread(plan)).toEqual([]);

    h.slack.outage(undefined);
    const summary = await h.slack.waitFor(() => thread(plan).find((m) => m.text.includes('Fixture outage succeeded')), 40_000, 'the final message');
    const replies = thread(plan);
    expect(replies.map((m) => m.text)).toEqual([expect.stringMatching(/fixture on fixture\/outage/), 'step-1 done', 'step-2 done', 'step-3 done', summary.text]);
    const card = replies[0]!;
    await h.slack.waitFor(() => /Succeeded/.test(card.text), 10_000, 'the final status card');
  });
});
