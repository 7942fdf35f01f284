/**
 * The job runtime against a real Redis and real BullMQ workers, with the fixture kind from the
 * test tree and a recording Slack Web API double. Steps wait on a virtual clock (speed mode), so
 * "10 minutes" of work takes well under a second.
 */
import { Worker } from 'bullmq';
import { pino } from 'pino';
import type { Clients } from '../../../src/integrations/clients.js';
import type { AuditLog } from '../../../src/integrations/redis/audit.js';
import { createRedis, type RedisClient } from '../../../src/integrations/redis/connections.js';
import { RUN_LOCK_TTL_MS, type TargetLocks } from '../../../src/integrations/redis/locks.js';
import { newPlanId, type PlanStore, type StoredPlan } from '../../../src/integrations/redis/plan-store.js';
import type { RunSignals } from '../../../src/integrations/redis/run-signals.js';
import { createStores } from '../../../src/integrations/redis/stores.js';
import { SlackOutbox } from '../../../src/integrations/slack/outbox.js';
import type { Checkpoint } from '../../../src/jobs/queues.js';
import { PlanLifecycle } from '../../../src/jobs/plan-lifecycle.js';
import { RUN_QUEUE, createRunQueue, enqueueRun, wakeRun, type RunQueue } from '../../../src/jobs/queues.js';
import { startWorkers } from '../../../src/jobs/worker.js';
import { VirtualClock } from '../../../sandbox/src/clock.js';
import { withRedis } from '../../../sandbox/src/cluster/redis/process.js';
import { createFixtureKind, fixtureKeys } from '../../helpers/fixture-kind.js';
import { deleteKeys, uniquePrefix } from '../../helpers/redis-prefix.js';
import { DATA_PASSWORD, REDIS_TOPOLOGIES, sentinelMaster, startRedisTopology, type RedisTopology } from '../../helpers/redis-topology.js';
import { postDelivered } from '../../helpers/outbox-delivery.js';
import { SlackApiRecorder } from '../../helpers/slack-api-recorder.js';

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const CHANNEL = 'CRUNS';

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(REDIS_TOPOLOGIES)('job runtime on %s Redis', (topologyName) => {
  let topology: RedisTopology;
  let redis: RedisClient;
  let workerConnection: RedisClient;
  let queueConnection: RedisClient;
  let prefix: string;
  let slack: SlackApiRecorder;
  let outbox: SlackOutbox;
  let clock: VirtualClock;
  let plans: PlanStore;
  let locks: TargetLocks;
  let signals: RunSignals;
  let audit: AuditLog;
  let queue: RunQueue;
  let keys: ReturnType<typeof fixtureKeys>;
  let kind: ReturnType<typeof createFixtureKind>;
  const running: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    topology = await startRedisTopology(topologyName);
    redis = createRedis(topology.connection, 'general');
    workerConnection = createRedis(topology.connection, 'worker');
    queueConnection = createRedis(topology.connection, 'queue');
  });

  beforeEach(async () => {
    prefix = uniquePrefix('runtime');
    slack = await new SlackApiRecorder().start();
    outbox = new SlackOutbox({ token: 'xoxb-test', slackApiUrl: slack.url, redis, prefix, minIntervalPerChannelMs: 5, cardUpdateIntervalMs: 30, retryBaseMs: 10, log });
    // 1 real ms = 1 virtual second: a 10-minute step wait lasts 600 ms.
    clock = new VirtualClock(Date.parse('2026-01-05T09:00:00Z'), 1000, 5);
    ({ plans, locks, signals, audit } = createStores(redis, prefix, log));
    queue = createRunQueue(queueConnection, prefix, { backoffDelayMs: 20 });
    keys = fixtureKeys(prefix);
    kind = createFixtureKind(redis, prefix);
  });

  afterEach(async () => {
    for (const w of running.splice(0)) await w.close();
    await queue.close();
    await outbox.close();
    await slack.stop();
    clock.stop();
    await deleteKeys(redis, prefix);
  });

  afterAll(async () => {
    await Promise.all([redis.quit(), workerConnection.quit(), queueConnection.quit()]);
    await topology.stop();
  });

  async function startWorker() {
    const workers = await startWorkers({
      connection: workerConnection,
      prefix,
      kinds: new Map([['fixture', kind]]),
      clients: {} as Clients, // the fixture kind talks to no cloud
      clock,
      log,
      outbox,
      plans,
      locks,
      signals,
      audit,
      settingsFor: () => kind.settingsSchema.parse({}),
      signalPollMs: 20,
    });
    running.push(workers);
    return workers;
  }

  /** A plan as the bot leaves it after an approval: stored, message posted, lock taken. */
  async function approvedPlan(name: string, flags: Record<string, string> = {}, status: StoredPlan['status'] = 'approved'): Promise<StoredPlan> {
    const args = kind.parseArgs({ subcommand: 'fixture', positionals: [name], flags });
    const settings = kind.settingsSchema.parse({});
    const observed = await kind.observe({ clients: {} as Clients, clock, log, settings, redis, redisPrefix: prefix }, args);
    const outcome = kind.plan(observed, args, clock.now(), settings);
    if (outcome.kind !== 'plan') throw new Error(outcome.reason);
    const id = newPlanId();
    const messageTs = await postDelivered(outbox, CHANNEL, { text: `plan ${id}` });
    const plan: StoredPlan = {
      id,
      kind: 'fixture',
      target: kind.target(args),
      args,
      plan: outcome.plan,
      fingerprint: kind.fingerprint(observed),
      summary: kind.renderPlan(outcome.plan).summary,
      dryRun: false,
      requestedBy: 'UREQ',
      channel: CHANNEL,
      messageTs,
      status,
      createdAt: clock.now(),
      expiresAt: clock.now() + 30 * 60_000,
      requiredApprovals: 1,
      approvals: [{ user: 'UAPP', at: clock.now() }],
      decidedBy: 'UAPP',
      ...(status === 'running' ? { startedAt: clock.now() } : {}),
    };
    await plans.create(plan);
    expect(await locks.acquire(plan.target, { token: plan.id, description: `plan ${plan.id}` }, 60_000)).toEqual({ ok: true });
    return plan;
  }

  const runs = (planId: string) => redis.lrange(keys.runsKey(planId), 0, -1);
  const cleanups = (name: string) => redis.lrange(keys.cleanupKey(name), 0, -1);
  const finished = (planId: string) =>
    waitFor(`plan ${planId} to finish`, async () => {
      const p = await plans.get(planId);
      return p && ['succeeded', 'failed', 'cancelled'].includes(p.status) ? p : undefined;
    });
  const jobState = (planId: string, state: string) =>
    waitFor(`job ${planId} ${state}`, async () => ((await (await queue.getJob(planId))?.getState()) === state ? queue.getJob(planId) : undefined));
  const threadReplies = (plan: StoredPlan) => slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts === plan.messageTs).map((c) => String(c.args.text));

  it('runs every step once, reports into the thread and releases the lock', async () => {
    const plan = await approvedPlan('happy', { steps: '3' });
    await startWorker();
    expect(await enqueueRun(queue, plan)).toEqual({ jobId: plan.id, created: true });
    expect(await enqueueRun(queue, plan)).toEqual({ jobId: plan.id, created: false });

    const done = await finished(plan.id);
    const job = await jobState(plan.id, 'completed');
    expect(done.status).toBe('succeeded');
    expect(done.outcome).toContain('Fixture happy succeeded: 3 of 3 steps completed.');
    expect(await runs(plan.id)).toEqual(['step-1', 'step-2', 'step-3']);
    expect(await cleanups('happy')).toEqual(['cleanup after 3 steps']);
    expect(await locks.holder(plan.target)).toBeUndefined();

    await outbox.flush();
    await outbox.settled();
    const replies = threadReplies(plan);
    expect(replies[0]).toMatch(/fixture on fixture\/happy: Running/); // the status card
    expect(replies.slice(1, 4)).toEqual(['step-1 done', 'step-2 done', 'step-3 done']);
    expect(replies.at(-1)).toMatch(/:large_green_circle: Fixture happy succeeded/);
    const cardTs = await outbox.messageTs(`card:${plan.id}`);
    const cardUpdates = slack.callsOf('chat.update').filter((c) => c.args.ts === cardTs);
    expect(String(cardUpdates.at(-1)!.args.text)).toMatch(/Succeeded/);
    expect(JSON.stringify(cardUpdates.at(-1)!.args.blocks)).not.toContain('deckhand_cancel');
    const parentUpdates = slack.callsOf('chat.update').filter((c) => c.args.ts === plan.messageTs);
    expect(JSON.stringify(parentUpdates.at(-1)!.args.blocks)).toContain('Fixture happy succeeded');
    // The final card went out before the summary.
    const summaryAt = slack.callsOf('chat.postMessage').at(-1)!.at;
    expect(cardUpdates.at(-1)!.at).toBeLessThanOrEqual(summaryAt);

    const actions = (await audit.read(20)).map((e) => e.action);
    expect(actions).toEqual(['run.started', 'fixture.step', 'fixture.step', 'fixture.step', 'run.succeeded']);
    expect(job?.data.checkpoint?.done).toEqual(['step-1', 'step-2', 'step-3']);
  });

  it('resumes from the checkpoint in job data without re-running completed steps', async () => {
    const plan = await approvedPlan('resume', { steps: '4' }, 'running');
    const checkpoint: Checkpoint = { done: ['step-1', 'step-2'], state: { completed: ['step-1', 'step-2'] } };
    await queue.add('fixture', { planId: plan.id, checkpoint }, { jobId: plan.id });
    await startWorker();

    const done = await finished(plan.id);
    expect(done.status).toBe('succeeded');
    expect(await runs(plan.id)).toEqual(['step-3', 'step-4']);
    expect(done.outcome).toContain('4 of 4 steps completed');
  });

  it('hands a run to another worker on shutdown; no completed step runs twice and cleanup runs once', async () => {
    const plan = await approvedPlan('handover', { steps: '3', 'delay-ms': '600000' });
    const first = await startWorker();
    await enqueueRun(queue, plan);
    await waitFor('step-1', async () => (await runs(plan.id)).length === 1);
    await first.close();
    running.splice(running.indexOf(first), 1);

    expect((await plans.get(plan.id))?.status).toBe('running');
    expect(await cleanups('handover')).toEqual([]);
    expect(await (await queue.getJob(plan.id))?.getState()).toMatch(/delayed|waiting/);

    await startWorker();
    const done = await finished(plan.id);
    expect(done.status).toBe('succeeded');
    expect(await runs(plan.id)).toEqual(['step-1', 'step-2', 'step-3']);
    expect(await cleanups('handover')).toEqual(['cleanup after 3 steps']);
    // One status card for the whole run, even across workers.
    expect(threadReplies(plan).filter((t) => t.includes('fixture on fixture/handover'))).toHaveLength(1);
  });

  it('stops at Cancel, reports what was done, and runs cleanup', async () => {
    const plan = await approvedPlan('cancel', { steps: '4', 'delay-ms': '600000' });
    await startWorker();
    await enqueueRun(queue, plan);
    await waitFor('step-1', async () => (await runs(plan.id)).length === 1);
    await signals.requestCancel(plan.id, 'UCANCEL');

    const done = await finished(plan.id);
    expect(done.status).toBe('cancelled');
    expect(await runs(plan.id)).toEqual(['step-1']);
    expect(await cleanups('cancel')).toEqual(['cleanup after 1 steps']);
    expect(done.outcome).toContain('Cancelled by <@UCANCEL>.');
    expect(done.outcome).toContain('Steps done: 1 of 4.');
    expect(await locks.holder(plan.target)).toBeUndefined();
    await jobState(plan.id, 'completed');
    await outbox.flush();
    await outbox.settled();
    expect(threadReplies(plan).at(-1)).toContain('Cancelled by <@UCANCEL>');
  });

  it('retries a transient failure with backoff and continues from the failed step', async () => {
    const plan = await approvedPlan('flaky', { steps: '3', 'fail-step': 'step-2', 'fail-times': '2' });
    await startWorker();
    await enqueueRun(queue, plan);

    const done = await finished(plan.id);
    expect(done.status).toBe('succeeded');
    expect(await runs(plan.id)).toEqual(['step-1', 'step-2', 'step-3']);
    const job = await jobState(plan.id, 'completed');
    expect(job?.attemptsMade).toBe(3);
    expect(await cleanups('flaky')).toHaveLength(1);
  });

  it('gives up after the last attempt and reports a reference id', async () => {
    const plan = await approvedPlan('broken', { steps: '2', 'fail-step': 'step-1', 'fail-times': '99' });
    await startWorker();
    await enqueueRun(queue, plan);

    const done = await finished(plan.id);
    expect(done.status).toBe('failed');
    expect(done.outcome).toMatch(/Failed in step 1 \(Fixture step-1\) after 5 attempts\. Reference: ERR-[A-Z0-9]+/);
    expect((await jobState(plan.id, 'failed'))?.attemptsMade).toBe(5);
    expect(await cleanups('broken')).toHaveLength(1);
    expect(await locks.holder(plan.target)).toBeUndefined();
  });

  it('fails a refusal at once, without retry, and says why', async () => {
    const plan = await approvedPlan('refusal', { steps: '3', 'fail-step': 'step-2', 'fail-kind': 'refusal' });
    await startWorker();
    await enqueueRun(queue, plan);

    const done = await finished(plan.id);
    expect(done.status).toBe('failed');
    expect(done.outcome).toContain('step-2 refuses on purpose');
    expect((await jobState(plan.id, 'failed'))?.attemptsMade).toBe(1);
    expect(await runs(plan.id)).toEqual(['step-1']);
    expect(await cleanups('refusal')).toEqual(['cleanup after 1 steps']);
    expect(await locks.holder(plan.target)).toBeUndefined();
  });

  it('refuses to run when another plan holds the target, and leaves that lock alone', async () => {
    const plan = await approvedPlan('contested', { steps: '2' });
    // The lease ran out while the job waited and another plan took the target.
    await locks.release(plan.target, plan.id);
    await locks.acquire(plan.target, { token: 'p-other', description: 'plan p-other by <@UOTHER>' }, 60_000);
    await startWorker();
    await enqueueRun(queue, plan);

    const done = await finished(plan.id);
    expect(done.status).toBe('failed');
    expect(done.outcome).toContain('locked by plan p-other by <@UOTHER>');
    expect((await jobState(plan.id, 'failed'))?.attemptsMade).toBe(1);
    expect(await runs(plan.id)).toEqual([]);
    expect(await locks.holder(plan.target)).toBe('plan p-other by <@UOTHER>');
  });

  it('fails closed when the lock the approval handed over lapsed before the run confirmed it', async () => {
    const plan = await approvedPlan('lapsed', { steps: '2' });
    // The lease ran out while the job waited and nobody took the target: nothing vouches for it since approval.
    await locks.release(plan.target, plan.id);
    await startWorker();
    await enqueueRun(queue, plan);

    const done = await finished(plan.id);
    expect(done.status).toBe('failed');
    expect(done.outcome).toContain('lapsed before this run confirmed it');
    expect((await jobState(plan.id, 'failed'))?.attemptsMade).toBe(1);
    expect(await runs(plan.id)).toEqual([]);
    expect(await locks.holder(plan.target)).toBeUndefined();
  });

  it('does not run a plan cancelled before its job started', async () => {
    const plan = await approvedPlan('early', { steps: '2' });
    await new PlanLifecycle(plans, clock).finish(plan.id, 'cancelled', 'Cancelled by <@UCANCEL> before it started.');
    await startWorker();
    await enqueueRun(queue, plan);

    await jobState(plan.id, 'completed');
    expect(await runs(plan.id)).toEqual([]);
    expect((await plans.get(plan.id))?.status).toBe('cancelled');
    expect(await locks.holder(plan.target)).toBeUndefined();
  });

  it('posts the final message of a run whose worker died after recording the outcome, once however often its job runs again', async () => {
    const plan = await approvedPlan('lost-summary', { steps: '1' }, 'running');
    await new PlanLifecycle(plans, clock).finish(plan.id, 'succeeded', 'Fixture lost-summary succeeded: 1 of 1 steps completed.');
    await startWorker();
    for (let attempt = 0; attempt < 2; attempt++) {
      await (await queue.getJob(plan.id))?.remove();
      await enqueueRun(queue, plan); // the dead worker's job, handed out again
      await jobState(plan.id, 'completed');
    }
    await outbox.settled();
    expect(await runs(plan.id)).toEqual([]);
    expect(threadReplies(plan).filter((t) => t.startsWith(':large_green_circle:'))).toEqual([':large_green_circle: Fixture lost-summary succeeded: 1 of 1 steps completed.']);
  });

  it('holds a paused run between steps and asks questions once, resuming on the answer', async () => {
    const plan = await approvedPlan('ask', { steps: '2', 'ask-step': 'step-1' });
    await signals.setPaused(plan.id, true, 'UPAUSE');
    await startWorker();
    await enqueueRun(queue, plan);
    await waitFor('paused card', async () => slack.callsOf('chat.update').some((c) => String(c.args.text).includes('Paused')));
    expect(await runs(plan.id)).toEqual([]);

    // What the bot does on Resume: clear the flag and wake the parked run.
    await signals.setPaused(plan.id, false, 'UPAUSE');
    await wakeRun(queue, plan.id);
    const question = await waitFor('question', async () => slack.callsOf('chat.postMessage').find((c) => String(c.args.text).startsWith('Question:')));
    expect(question.args.thread_ts).toBe(plan.messageTs);
    expect(await signals.answer(plan.id, 'confirm-step-1', 'continue', 'UAPP')).toBe(true);
    await wakeRun(queue, plan.id);

    const done = await finished(plan.id);
    expect(done.status).toBe('succeeded');
    expect(await runs(plan.id)).toEqual(['step-1', 'step-2']);
    expect(slack.callsOf('chat.postMessage').filter((c) => String(c.args.text).startsWith('Question:'))).toHaveLength(1);
    const answered = slack.callsOf('chat.update').find((c) => String(c.args.text).includes('answered: Continue'));
    expect(answered).toBeDefined();
  });

  it('closes runs that died for good and approved plans never queued when a worker starts, and leaves live ones alone', async () => {
    const dead = await approvedPlan('dead', { steps: '3' }, 'running');
    const deadCheckpoint: Checkpoint = { done: ['step-1'], state: { completed: ['step-1'] } };
    const deadJob = await queue.add('fixture', { planId: dead.id, checkpoint: deadCheckpoint }, { jobId: dead.id, attempts: 1 });
    // A worker that dies with the job (here: fails it for good) leaves the plan marked running.
    const crashing = new Worker(RUN_QUEUE, () => Promise.reject(new Error('job stalled more than allowable limit')), { connection: workerConnection, prefix });
    // Its blocking connection may report a Cluster's reconnect while it closes; handled, as a real worker's are.
    crashing.on('error', () => undefined);
    await waitFor('dead job failed', async () => (await deadJob.getState()) === 'failed');
    await crashing.close();
    const live = await approvedPlan('live', { steps: '1' }, 'running');
    await queue.add('fixture', { planId: live.id }, { jobId: live.id, delay: 3_600_000 });
    const gone = await approvedPlan('gone', { steps: '2' }, 'running');
    const lost = await approvedPlan('lost', { steps: '2' });
    await plans.update(lost.id, { approvals: [{ user: 'UAPP', at: clock.now() - 10 * 60_000 }], createdAt: clock.now() - 11 * 60_000 });
    const justApproved = await approvedPlan('fresh', { steps: '2' });

    await startWorker();

    const deadDone = await plans.get(dead.id);
    expect(deadDone?.status).toBe('failed');
    expect(deadDone?.outcome).toContain('its job is failed');
    expect(await cleanups('dead')).toEqual(['cleanup after 1 steps']);
    const goneDone = await plans.get(gone.id);
    expect(goneDone?.status).toBe('failed');
    expect(goneDone?.outcome).toContain('its job is gone');
    expect(await cleanups('gone')).toEqual(['cleanup after 0 steps']);
    expect((await plans.get(live.id))?.status).toBe('running');
    expect(await cleanups('live')).toEqual([]);
    // A run waiting in the queue keeps the lock the approval took: the sweep renews its lease (60 s here) to the run's.
    expect(await redis.pttl(`${prefix}:lock:${live.target}`)).toBeGreaterThan(RUN_LOCK_TTL_MS - 60_000);
    expect(await locks.holder(gone.target)).toBeUndefined();
    expect(await locks.holder(live.target)).toBe(`plan ${live.id}`);
    await outbox.flush();
    await outbox.settled();
    expect(threadReplies(gone).at(-1)).toContain('The run stopped unexpectedly');
    expect((await plans.get(lost.id))?.outcome).toContain('approved but never queued');
    expect(await locks.holder(lost.target)).toBeUndefined();
    expect((await plans.get(justApproved.id))?.status).toBe('approved');
    expect(await locks.holder(justApproved.target)).toBe(`plan ${justApproved.id}`);
  });

  // Only Sentinel has a failover to survive; the other topologies run the suite above.
  if (topologyName === 'sentinel') {
    it('survives the master dying mid-run: Sentinel promotes the replica, the worker reconnects and the run continues, nothing lost', async () => {
      const plan = await approvedPlan('failover', { steps: '4', 'delay-ms': '600000' });
      await startWorker();
      await enqueueRun(queue, plan);
      // Between steps: step-1's checkpoint is written and the next write is 600 ms away.
      await waitFor('step-1 checkpointed', async () => (await queue.getJob(plan.id))?.data.checkpoint?.done.includes('step-1'));
      const [oldMaster, replica] = topology.data!;
      // Everything written so far is on the replica (asynchronous replication is Redis's, not deckhand's, to fix).
      expect(await withRedis(oldMaster!.port, (c) => c.call('WAIT', '1', '2000'), DATA_PASSWORD)).toBe(1);
      await oldMaster!.process.stop();
      await waitFor('Sentinel to promote the replica', async () => (await sentinelMaster(topology)) === replica!.port, 30_000);

      const done = await finished(plan.id);
      // The queue connection fails fast while it reconnects (enableOfflineQueue: false, as the bot's): ask again.
      await waitFor('job completed', async () => (await (await queue.getJob(plan.id).catch(() => undefined))?.getState()) === 'completed', 30_000);
      expect(done.status).toBe('succeeded');
      expect(await runs(plan.id)).toEqual(['step-1', 'step-2', 'step-3', 'step-4']);
      expect(await cleanups('failover')).toEqual(['cleanup after 4 steps']);
      expect(await locks.holder(plan.target)).toBeUndefined();
      const actions = (await audit.read(20)).map((e) => e.action);
      expect(actions).toEqual(['run.started', 'fixture.step', 'fixture.step', 'fixture.step', 'fixture.step', 'run.succeeded']);
      await outbox.flush();
      await outbox.settled();
      expect(threadReplies(plan).at(-1)).toMatch(/Fixture failover succeeded/);
    });
  }
});
