/**
 * Worker processes SIGKILLed at random points of one rollout: each time the BullMQ job is picked up again
 * from its checkpoint; the rollout completes with the safety properties and no instance terminated twice.
 */
import { ActionIds } from '../../../../src/blocks/action-ids.js';
import { rolloutKind } from '../../../../src/jobs/rollout/index.js';
import { seededRandom } from '../../../../sandbox/src/contracts.js';
import { APPROVER, approverPolicy, REQUESTER, startFoundation, type Harness } from '../../../helpers/foundation-harness.js';
import { checkSafety } from './safety.js';
import { startTestSandbox, type TestSandbox } from '../../../helpers/sandbox.js';
import { spawnWorker, type WorkerChild } from '../../../helpers/worker-child.js';

const POLICY = approverPolicy('rollout');
const KILLS = 4;

describe('rollout: worker processes killed mid-way', () => {
  let env: TestSandbox;
  let h: Harness;
  let child: WorkerChild | undefined;

  beforeEach(async () => {
    env = await startTestSandbox({ speed: 100, maxAttempts: 3 });
    h = await startFoundation({ kinds: [rolloutKind], policyYaml: POLICY, clock: env.clock, clients: env });
  });
  afterEach(async () => {
    await child?.kill();
    await h.stop();
    await env.stop();
  });

  it(`is killed ${KILLS} times and still completes, terminating each old instance exactly once`, async () => {
    await h.command('rollout eks-prod-workers --surge 2', REQUESTER);
    const plan = await h.waitForPlan();
    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
    const random = seededRandom(7);
    const doneAtKill: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      // A worker process starting up is an actor at work (a replacement Pod would take seconds, not the minutes a
      // loaded machine's tsx start-up would be at this speed): the simulated world waits for it.
      const starting = env.clock.hold();
      child = await spawnWorker(['rollout'], { ...env.env, ...h.workerEnv(), AWS_MAX_ATTEMPTS: '4' }).finally(starting);
      await new Promise((r) => setTimeout(r, 400 + random() * 1200));
      doneAtKill.push((await h.queue.getJob(plan.id))?.data.checkpoint?.done.length ?? 0);
      await child.kill();
    }
    await h.startWorker({ workerOptions: { lockDuration: 1000, stalledInterval: 300, maxStalledCount: 100 } });
    // The rest of the run takes as long as the product needs in real time (the clock stands still while it works):
    // ~45 s on a 2-core machine at load 20.
    const done = await h.waitForStatus(plan.id, ['succeeded', 'failed'], 100_000);
    expect(done.outcome).toMatch(/6\/6 node\(s\) replaced/);
    expect(done.status).toBe('succeeded');
    const workers = env.cloud.model.autoScaling.groupInstances(env.cloud.model.autoScaling.group('eks-prod-system')).map((i) => i.privateDnsName);
    const safety = checkSafety(env.log, { group: 'eks-prod-workers', originalDesired: 6, maxUnavailable: 1, otherNodes: workers });
    expect(safety.terminations).toHaveLength(6);
    // The kills landed mid-run: the checkpoint had progressed, and not to the end.
    expect(doneAtKill.some((n) => n > 0 && n < rolloutKind.steps(done.plan as never, rolloutKind.initialState(done.plan as never)).length)).toBe(true);
  }, 160_000);
});
