/**
 * A worker process SIGKILLed in the middle of a StatefulSet resize: another worker resumes the BullMQ job
 * from its checkpoint and finishes, and no claim is patched (nor EBS volume modified) twice.
 */
import { ActionIds } from '../../../../src/blocks/action-ids.js';
import { resizeKind } from '../../../../src/jobs/volume-resize/index.js';
import { APPROVER, approverPolicy, REQUESTER, startFoundation, type Harness } from '../../../helpers/foundation-harness.js';
import { startTestSandbox, type TestSandbox } from '../../../helpers/sandbox.js';
import { spawnWorker, type WorkerChild } from '../../../helpers/worker-child.js';
import { RESIZE_SCENARIO } from './scenario.js';

const POLICY = approverPolicy('resize');

describe('resize: a worker process killed mid-way', () => {
  let env: TestSandbox;
  let h: Harness;
  let child: WorkerChild | undefined;

  beforeEach(async () => {
    env = await startTestSandbox({ scenario: RESIZE_SCENARIO, speed: 20, maxAttempts: 2 });
    h = await startFoundation({ kinds: [resizeKind], policyYaml: POLICY, clock: env.clock, clients: env });
  });
  afterEach(async () => {
    await child?.kill();
    await h.stop();
    await env.stop();
  });

  it('resumes from the checkpoint in another worker without repeating a patch or a modification', async () => {
    child = await spawnWorker(['resize'], { ...env.env, ...h.workerEnv(), AWS_MAX_ATTEMPTS: '2' });

    await h.command('resize search/statefulset/es 75Gi', REQUESTER);
    const plan = await h.waitForPlan();
    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
    const deadline = Date.now() + 20_000;
    let doneAtKill = 0;
    while (doneAtKill < 3) {
      if (Date.now() > deadline) throw new Error('the child worker made no progress');
      await new Promise((r) => setTimeout(r, 10));
      doneAtKill = (await h.queue.getJob(plan.id))?.data.checkpoint?.done.length ?? 0;
    }
    await child.kill();
    expect(doneAtKill).toBeLessThan(6);

    await h.startWorker({ workerOptions: { lockDuration: 1000, stalledInterval: 300 } });
    const done = await h.waitForStatus(plan.id, ['succeeded', 'failed'], 30_000);
    expect(done.status).toBe('succeeded');
    expect(done.outcome).toMatch(/Resized 3 claim\(s\) to 75Gi\./);
    for (const i of [0, 1, 2]) {
      expect(env.log.find({ action: 'patch-persistentvolumeclaim', target: `search/data-es-${i}` })).toHaveLength(1);
      expect(env.log.find({ action: 'ModifyVolume', target: `vol-0000000000000a00${4 + i}` })).toHaveLength(1);
    }
    // Messages are delivered after the work (the outbox is asynchronous); the summary comes last in the thread.
    const thread = () => h.slack.thread(plan.channel, plan.messageTs!);
    await h.slack.waitFor(() => thread().some((m) => m.text.includes('Resized 3 claim(s)')), 30_000, 'the summary in the thread');
    // Each claim's milestone once; a worker killed after Slack accepted a message but before it was taken off
    // the queue can leave one twice (delivery is at least once, README "Reliability").
    const requested = thread().filter((m) => m.text.startsWith('Requested 75Gi')).map((m) => m.text);
    expect(new Set(requested).size).toBe(3);
    expect(requested.length).toBeLessThanOrEqual(4);
  });
});
