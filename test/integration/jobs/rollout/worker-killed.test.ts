/**
 * Worker processes SIGKILLed at random points of one rollout: each time the BullMQ job is picked up again
 * from its checkpoint; the rollout completes with the safety properties and no instance terminated twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { ActionIds } from '../../../../src/blocks/action-ids.js';
import { rolloutKind } from '../../../../src/jobs/rollout/index.js';
import { seededRandom } from '../../../../src/sandbox/contracts.js';
import { startFoundation, type Harness } from '../../../helpers/foundation-harness.js';
import { checkSafety } from './safety.js';
import { startTestSandbox, type TestSandbox } from '../../../helpers/sandbox.js';

const REQUESTER = 'U0REQ';
const APPROVER = 'U0APPROVER';
const POLICY = `commands:\n  rollout:\n    approve: ['${APPROVER}']\n`;
const KILLS = 4;

describe('rollout: worker processes killed mid-way', () => {
  let env: TestSandbox;
  let h: Harness;
  let child: ChildProcess | undefined;

  beforeEach(async () => {
    env = await startTestSandbox({ speed: 40, maxAttempts: 3 });
    h = await startFoundation({ kinds: [rolloutKind], policyYaml: POLICY, clock: env.clock, clients: env.clients });
  });
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    await h.stop();
    await env.stop();
  });

  async function spawnWorker(): Promise<ChildProcess> {
    // One process (no npx/tsx wrapper), so the SIGKILL hits the worker itself.
    const worker = spawn(process.execPath, ['--import', 'tsx', 'test/integration/jobs/rollout/rollout-worker-process.ts'], {
      env: {
        ...h.workerEnv(),
        SANDBOX_CONTROL_URL: env.control.url,
        KUBECONFIG_PATH: env.cluster.kubeconfigPath,
        AWS_ENDPOINT_URL_EC2: env.cloud.endpoints.ec2,
        AWS_ENDPOINT_URL_PRICING: env.cloud.endpoints.pricing,
        AWS_ENDPOINT_URL_AUTO_SCALING: env.cloud.endpoints.autoScaling,
        AWS_ENDPOINT_URL_ROUTE_53: env.cloud.endpoints.route53,
        AWS_ACCESS_KEY_ID: 'AKIDSANDBOX',
        AWS_SECRET_ACCESS_KEY: 'sandbox-secret',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      worker.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      worker.once('exit', (code) => reject(new Error(`worker process exited early (${code})`)));
    });
    return worker;
  }

  it(`is killed ${KILLS} times and still completes, terminating each old instance exactly once`, async () => {
    await h.command('rollout eks-prod-workers --surge 2', REQUESTER);
    const plan = await h.waitForPlan();
    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
    const random = seededRandom(7);
    const doneAtKill: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      child = await spawnWorker();
      await new Promise((r) => setTimeout(r, 400 + random() * 1200));
      doneAtKill.push((await h.queue.getJob(plan.id))?.data.checkpoint?.done.length ?? 0);
      child.kill('SIGKILL');
      await once(child, 'exit');
      child.stdout!.destroy();
    }
    await h.startWorker({ workerOptions: { lockDuration: 1000, stalledInterval: 300, maxStalledCount: 100 } });
    const done = await h.waitForStatus(plan.id, ['succeeded', 'failed'], 60_000);
    expect(done.outcome).toMatch(/6\/6 node\(s\) replaced/);
    expect(done.status).toBe('succeeded');
    const workers = env.cloud.model.autoScaling.groupInstances(env.cloud.model.autoScaling.group('eks-prod-system')).map((i) => i.privateDnsName);
    const safety = checkSafety(env.log, { group: 'eks-prod-workers', originalDesired: 6, maxUnavailable: 1, otherNodes: workers });
    expect(safety.terminations).toHaveLength(6);
    // The kills landed mid-run: the checkpoint had progressed, and not to the end.
    expect(doneAtKill.some((n) => n > 0 && n < rolloutKind.steps(done.plan as never, rolloutKind.initialState(done.plan as never)).length)).toBe(true);
  }, 90_000);
});
