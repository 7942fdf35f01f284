/**
 * Worker processes that freeze or die mid-run.
 * - Issue 16.1: a run executes in one place only. A worker process is frozen (SIGSTOP) mid-step for longer than
 *   its BullMQ job lock, another worker takes the run over, and the frozen one is resumed (SIGCONT): the resumed
 *   execution finds the run's fencing token changed and stops before its next mutation or checkpoint write.
 * - Issue 10.11: the README's resume time after a worker dies without warning is the truth. With the product's
 *   lock and stall settings (no test overrides), a worker process is SIGKILLed mid-step while another worker runs;
 *   the run is taken up again within RESUME_AFTER_CRASH_MS and completes.
 */
import { ActionIds } from '../../src/blocks/action-ids.js';
import { RESUME_AFTER_CRASH_MS } from '../../src/jobs/worker.js';
import { VirtualClock } from '../../sandbox/src/clock.js';
import { fixtureKeys } from '../helpers/fixture-kind.js';
import { APPROVER, approverPolicy, REQUESTER, startFixtureFoundation, type Harness } from '../helpers/foundation-harness.js';
import { until } from '../helpers/until.js';
import { spawnWorker, type WorkerChild } from '../helpers/worker-child.js';

const POLICY = approverPolicy('fixture');
const SPEED = 20;
const LOCK_MS = 1000;

describe('fault: worker processes frozen or killed mid-run', () => {
  let h: Harness;
  let clock: VirtualClock;
  let child: WorkerChild | undefined;

  beforeEach(async () => {
    clock = new VirtualClock(Date.now(), SPEED);
    h = await startFixtureFoundation({ policyYaml: POLICY, clock });
  });
  afterEach(async () => {
    if (child?.process.exitCode === null) child.process.kill('SIGCONT');
    await child?.kill();
    await h.stop();
    clock.stop();
  });

  it('frozen past its job lock, then resumed: only one execution continues: no step runs twice, the stale one stops before mutating', async () => {
    const keys = fixtureKeys(h.prefix);
    const runs = (planId: string) => h.redis.lrange(keys.runsKey(planId), 0, -1);
    child = await spawnWorker(['fixture'], { ...h.workerEnv(), CLOCK_SPEED: String(SPEED), LOCK_DURATION_MS: String(LOCK_MS) });
    // Each step waits 60 virtual seconds (3 s real), then records its mutation.
    await h.command('fixture fenced --steps 4 --delay-ms 60000', REQUESTER);
    const plan = await h.waitForPlan();
    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
    // Checkpointed, so the step the takeover repeats is the one the child is frozen in, not a finished one.
    await until('step-1 to be checkpointed by the child', async () => (await h.queue.getJob(plan.id))?.data.checkpoint?.done.includes('step-1'));

    child.process.kill('SIGSTOP'); // frozen inside step-2's wait, holding an expiring job lock and lease
    await h.startWorker({ workerOptions: { lockDuration: LOCK_MS, stalledInterval: 300 } });
    await until('the other worker to redo step-2', async () => (await runs(plan.id)).includes('step-2'));
    child.process.kill('SIGCONT');

    const done = await h.waitForStatus(plan.id, ['succeeded', 'failed'], 30_000);
    expect(done.status).toBe('succeeded');
    expect(await runs(plan.id)).toEqual(['step-1', 'step-2', 'step-3', 'step-4']);
    expect(await h.redis.lrange(keys.cleanupKey('fenced'), 0, -1)).toEqual(['cleanup after 4 steps']);

    // Every mutation was audited under a fencing token; the tokens only grow, so the stale execution wrote nothing after the takeover.
    const steps = (await h.audit.read(100)).filter((e) => e.planId === plan.id && e.action === 'fixture.step');
    expect(steps.map((e) => e.details?.step)).toEqual(['step-1', 'step-2', 'step-3', 'step-4']);
    const fences = steps.map((e) => e.fence);
    expect(fences.every((f) => typeof f === 'number')).toBe(true);
    expect(fences[0]).toBeLessThan(fences[1]!);
    expect(new Set(fences.slice(1)).size).toBe(1);
    // The resumed child is alive (it stopped the run's execution, not itself) and did no more steps.
    expect(child.process.exitCode).toBeNull();
  }, 60_000);

  it(`killed with SIGKILL: resumes on another worker within ${RESUME_AFTER_CRASH_MS / 1000} s, as the README states`, async () => {
    child = await spawnWorker(['fixture'], { ...h.workerEnv(), CLOCK_SPEED: String(SPEED), LOCK_DURATION_MS: 'product' });
    await h.command('fixture resume --steps 2 --delay-ms 80000', REQUESTER);
    const plan = await h.waitForPlan();
    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
    const taken = await h.waitForStatus(plan.id, ['running']);
    expect(taken.status).toBe('running');
    await h.startWorker(); // a second replica, as in production, started once the child holds the job
    expect(await child.kill()).toBe('SIGKILL');
    const killedAt = Date.now();

    const resumedAt = await until(
      'the run to be taken up again',
      async () => {
        const job = await h.queue.getJob(plan.id);
        return job?.processedOn !== undefined && job.processedOn > killedAt && (await job.getState()) === 'active' && job.processedOn;
      },
      RESUME_AFTER_CRASH_MS + 15_000,
    );
    const resumedAfter = resumedAt - killedAt;
    // Timers only, no work: the bound holds under load up to the time one poll of ours takes.
    expect(resumedAfter).toBeLessThanOrEqual(RESUME_AFTER_CRASH_MS + 1_000);
    process.stdout.write(`resumed ${resumedAfter} ms after SIGKILL (bound ${RESUME_AFTER_CRASH_MS} ms)\n`);
    expect((await h.waitForStatus(plan.id, ['succeeded'], 30_000)).status).toBe('succeeded');
  }, 90_000);
});
