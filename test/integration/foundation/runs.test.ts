/**
 * Approved plans run as real BullMQ jobs end to end: status card, milestones and summary in the
 * plan's thread, Cancel between steps, Slack 429s, and a worker process killed mid-job.
 */
import { ActionIds } from '../../../src/blocks/action-ids.js';
import type { StoredPlan } from '../../../src/integrations/redis/plan-store.js';
import type { RunQueue } from '../../../src/jobs/queues.js';
import { VirtualClock } from '../../../sandbox/src/clock.js';
import type { StoredMessage } from '../../../sandbox/src/slack/web-api.js';
import { fixtureKeys } from '../../helpers/fixture-kind.js';
import { APPROVER, approverPolicy, REQUESTER, startFixtureFoundation, TRANSPORTS, type Harness } from '../../helpers/foundation-harness.js';
import { until } from '../../helpers/until.js';
import { spawnWorker, type WorkerChild } from '../../helpers/worker-child.js';

const POLICY = approverPolicy('fixture');
// Virtual time runs 20x faster: a 2 s step takes 100 ms of real time.
const SPEED = 20;

async function approvedPlan(h: Harness, text: string): Promise<StoredPlan> {
  await h.command(text, REQUESTER);
  const plan = await h.waitForPlan();
  await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
  await h.waitForStatus(plan.id, ['approved', 'running', 'succeeded']);
  return plan;
}

function threadTexts(h: Harness, plan: StoredPlan): string[] {
  return h.slack.thread(plan.channel, plan.messageTs!).map((m) => m.text);
}

function statusCard(h: Harness, plan: StoredPlan): StoredMessage | undefined {
  return h.slack.thread(plan.channel, plan.messageTs!).find((m) => m.history.some((v) => JSON.stringify(v.blocks).includes(ActionIds.cancel)));
}

async function checkpointDone(queue: RunQueue, planId: string): Promise<number> {
  const job = await queue.getJob(planId);
  return job?.data.checkpoint?.done.length ?? 0;
}

describe.each(TRANSPORTS)('foundation: runs over %s', (transport) => {
  let h: Harness;
  let clock: VirtualClock;
  const keys = () => fixtureKeys(h.prefix);
  const runs = (planId: string) => h.redis.lrange(keys().runsKey(planId), 0, -1);
  const cleanups = (name: string) => h.redis.lrange(keys().cleanupKey(name), 0, -1);

  beforeEach(async () => {
    clock = new VirtualClock(Date.now(), SPEED);
    h = await startFixtureFoundation({ policyYaml: POLICY, clock, transport });
  });
  afterEach(async () => {
    await h.stop();
    clock.stop();
  });

  it('approve → the job runs: status card updated, milestones in the thread, final summary on thread and parent', async () => {
    await h.startWorker();
    const plan = await approvedPlan(h, 'fixture happy --steps 3 --delay-ms 1000');
    const done = await h.waitForStatus(plan.id, ['succeeded']);
    expect(done.outcome).toContain('3 of 3 steps completed');
    expect(await runs(plan.id)).toEqual(['step-1', 'step-2', 'step-3']);
    expect(await cleanups('happy')).toHaveLength(1);
    const summary = 'Fixture happy succeeded: 3 of 3 steps completed.';
    await h.slack.waitFor(() => threadTexts(h, plan).some((t) => t.includes(summary)), 10_000, 'the summary in the thread');
    const texts = threadTexts(h, plan);
    expect(texts.filter((t) => /^step-\d done$/.test(t))).toEqual(['step-1 done', 'step-2 done', 'step-3 done']);
    const card = statusCard(h, plan);
    expect(card).toBeDefined();
    expect(card!.history.length).toBeGreaterThan(1);
    expect(JSON.stringify(card!.blocks)).not.toContain(ActionIds.cancel);
    await h.slack.waitFor(() => JSON.stringify(h.planMessage(plan).blocks).includes(summary), 10_000, 'the summary on the parent');
    expect(JSON.stringify(h.planMessage(plan).blocks)).toContain('Succeeded');
    expect(await h.locks.holder(plan.target)).toBeUndefined();
    const actions = (await h.audit.read(100)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['command', 'plan.created', 'plan.approved', 'fixture.step', 'run.succeeded']));
  });

  it('reject → nothing runs', async () => {
    await h.startWorker();
    await h.command('fixture nope --steps 2', REQUESTER);
    const plan = await h.waitForPlan();
    await h.clickPlan(ActionIds.reject, plan.id, APPROVER);
    const rejected = await h.waitForStatus(plan.id, ['rejected']);
    // Updating the plan message is the reject handler's last act; it never enqueues, so no job means no run.
    await h.slack.waitFor(() => /Rejected/.test(JSON.stringify(h.planMessage(rejected).blocks)), 5_000, 'the rejected plan message');
    expect(await runs(plan.id)).toEqual([]);
    expect(await h.queue.getJob(plan.id)).toBeUndefined();
  });

  it('cancel mid-job stops at the step boundary, runs cleanup and reports what was done', async () => {
    await h.startWorker();
    const plan = await approvedPlan(h, 'fixture stopme --steps 6 --delay-ms 4000');
    const deadline = Date.now() + 10_000;
    while ((await runs(plan.id)).length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const card = await h.slack.waitFor(() => statusCard(h, plan), 5_000, 'the status card');
    await h.click(ActionIds.cancel, { planId: plan.id }, REQUESTER, card.ts);
    const cancelled = await h.waitForStatus(plan.id, ['cancelled']);
    const completed = await runs(plan.id);
    expect(completed.length).toBeGreaterThanOrEqual(1);
    expect(completed.length).toBeLessThan(6);
    expect(new Set(completed).size).toBe(completed.length);
    expect(await cleanups('stopme')).toEqual([`cleanup after ${completed.length} steps`]);
    expect(cancelled.outcome).toContain(`${completed.length} of 6 steps completed`);
    await h.slack.waitFor(() => threadTexts(h, plan).some((t) => t.includes(`Fixture stopme cancelled: ${completed.length} of 6`)), 10_000, 'the cancel summary');
    expect((await h.audit.read(100)).map((e) => e.action)).toContain('run.cancel');
  });

  it('cancel by someone who is neither requester nor approver is refused', async () => {
    await h.startWorker();
    const plan = await approvedPlan(h, 'fixture keepgoing --steps 3 --delay-ms 2000');
    const card = await h.slack.waitFor(() => statusCard(h, plan), 5_000, 'the status card');
    await h.click(ActionIds.cancel, { planId: plan.id }, 'U0STRANGER', card.ts);
    await h.waitForEphemeral('U0STRANGER', /Only the requester/);
    expect((await h.waitForStatus(plan.id, ['succeeded'])).status).toBe('succeeded');
  });

  it('a mid-run question: approver-only choices refuse others; the requester answers and the run goes on', async () => {
    await h.startWorker();
    const plan = await approvedPlan(h, 'fixture asks --steps 2 --ask-step step-1');
    const question = await h.slack.waitFor(
      () => h.slack.thread(plan.channel, plan.messageTs!).find((m) => JSON.stringify(m.blocks).includes(ActionIds.answer)),
      10_000,
      'the question in the thread',
    );
    const values = (question.blocks as { type: string; elements?: { value?: string }[] }[])
      .filter((b) => b.type === 'actions')
      .flatMap((b) => b.elements ?? [])
      .map((e) => JSON.parse(e.value!) as { planId: string; questionId: string; choice: string });
    const stop = values.find((v) => v.choice === 'stop')!;
    const go = values.find((v) => v.choice === 'continue')!;
    // While the run waits in step 1, `/deckhand status` shows that step (from the job's checkpoint).
    await h.command(`status ${plan.id}`, REQUESTER);
    const status = await h.waitForEphemeral(REQUESTER, new RegExp(`^${plan.id}: `));
    expect(JSON.stringify(status.blocks)).toMatch(/\*Current step\*\\n1 of 2: /);
    await h.click(ActionIds.answer, stop, REQUESTER, question.ts);
    await h.waitForEphemeral(REQUESTER, /Only an approver of this job may pick that choice/);
    await h.click(ActionIds.answer, go, 'U0STRANGER', question.ts);
    await h.waitForEphemeral('U0STRANGER', /Only the requester/);
    await h.click(ActionIds.answer, go, REQUESTER, question.ts);
    const done = await h.waitForStatus(plan.id, ['succeeded']);
    expect(done.outcome).toContain('2 of 2 steps completed');
    // The answer lived as long as the run (it is gone with it); the audit keeps who chose what. The status turns
    // succeeded before the run's signals are forgotten; the run's own audit record is written after both.
    await until('the run.succeeded audit record', async () => (await h.audit.read(100)).some((e) => e.planId === plan.id && e.action === 'run.succeeded'));
    const answers = (await h.audit.read(100)).filter((e) => e.planId === plan.id && e.action === 'run.answer');
    expect(answers.map((e) => ({ by: e.actor, ...e.details }))).toEqual([{ by: REQUESTER, questionId: stop.questionId, choice: 'continue' }]);
    expect(await h.signals.getAnswer(plan.id, stop.questionId)).toBeUndefined();
  });

  it('Slack answering 429 during progress: retried after Retry-After, final message delivered', async () => {
    await h.startWorker();
    await h.command('fixture throttled --steps 2 --delay-ms 500', REQUESTER);
    const plan = await h.waitForPlan();
    // Throttle the job's own calls: the first milestone and the first status-card update.
    h.slack.failNext('chat.postMessage', { status: 429, retryAfter: 1, when: (b) => b.text === 'step-1 done' });
    h.slack.failNext('chat.update', { status: 429, retryAfter: 1, when: (b) => b.ts !== plan.messageTs });
    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
    await h.waitForStatus(plan.id, ['succeeded']);
    const summary = 'Fixture throttled succeeded: 2 of 2 steps completed.';
    await h.slack.waitFor(() => threadTexts(h, plan).some((t) => t.includes(summary)), 15_000, 'the summary after 429s');
    expect(threadTexts(h, plan).filter((t) => /^step-\d done$/.test(t))).toEqual(['step-1 done', 'step-2 done']);
    for (const method of ['chat.postMessage', 'chat.update']) {
      const calls = h.slack.callsTo(method);
      const limited = calls.find((c) => c.status === 429);
      expect(limited).toBeDefined();
      const sameCall = (c: (typeof calls)[number]) => (method === 'chat.update' ? c.body.ts === limited!.body.ts : c.body.text === limited!.body.text);
      const retry = calls.find((c) => c.at >= limited!.at && c !== limited && c.status === 200 && sameCall(c));
      expect(retry).toBeDefined();
      expect(retry!.at - limited!.at).toBeGreaterThanOrEqual(950);
    }
  });

  // The worker's side does not depend on how Slack reaches the bot: once is enough.
  if (transport === 'http') describe('a worker process killed with SIGKILL mid-job', () => {
    let child: WorkerChild | undefined;
    afterEach(async () => {
      await child?.kill();
    });

    it('another worker resumes from the checkpoint; no completed step runs twice; cleanup ran', async () => {
      child = await spawnWorker(['fixture'], { ...h.workerEnv(), CLOCK_SPEED: String(SPEED), LOCK_DURATION_MS: '1000' });
      const plan = await approvedPlan(h, 'fixture crash --steps 5 --delay-ms 6000');
      const deadline = Date.now() + 15_000;
      while ((await checkpointDone(h.queue, plan.id)) < 2) {
        if (Date.now() > deadline) throw new Error('the child worker made no progress');
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(await child.kill()).toBe('SIGKILL');
      const beforeResume = await runs(plan.id);
      expect(beforeResume.length).toBeGreaterThanOrEqual(2);
      expect(beforeResume.length).toBeLessThan(5);

      await h.startWorker({ workerOptions: { lockDuration: 1000, stalledInterval: 300 } });
      const done = await h.waitForStatus(plan.id, ['succeeded'], 20_000);
      expect(done.outcome).toContain('5 of 5 steps completed');
      expect(await runs(plan.id)).toEqual(['step-1', 'step-2', 'step-3', 'step-4', 'step-5']);
      expect(await cleanups('crash')).toEqual(['cleanup after 5 steps']);
    });
  });
});
