/**
 * Issue 16.3: an AWS or Kubernetes endpoint that accepts calls and never answers (the sandbox's `hang` fault).
 * Every call ends within its stated deadline; Cancel interrupts a step that waits on such a call and the run
 * ends cancelled with its cleanup; a worker shutting down returns the run to the queue instead of waiting forever.
 */
import { ActionIds } from '../../src/blocks/action-ids.js';
import type { Clients } from '../../src/integrations/clients.js';
import { describeGroup } from '../../src/integrations/aws/auto-scaling.js';
import { listNodes } from '../../src/integrations/kubernetes/nodes.js';
import { DESCRIBED_GROUP as GROUP, describeGroupKind } from '../helpers/aws-call-kind.js';
import { startFoundation, type Harness } from '../helpers/foundation-harness.js';
import { destroyClients, startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

const REQUESTER = 'U0REQ';
const APPROVER = 'U0APPROVER';
const POLICY = `commands:\n  describe-group:\n    run: "*"\n    approve: ['${APPROVER}']\n`;

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function elapsed(call: () => Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = Date.now();
  const error = await call().then(
    () => undefined,
    (err: unknown) => err,
  );
  return { ms: Date.now() - started, error };
}

describe('faults: endpoints that never answer', () => {
  let env: TestSandbox;
  beforeAll(async () => {
    env = await startTestSandbox({ speed: 20, accessLogFile: null });
  });
  afterAll(async () => {
    await env.stop();
  });
  afterEach(() => {
    env.faults.services = {};
  });

  it('an AWS call gives up after its attempts time out (SDK retries a timed-out attempt, bounded)', async () => {
    const clients = env.newClients('worker', { maxAttempts: 2, timeouts: { awsAttemptMs: 400, awsCallMs: 30_000 } });
    try {
      env.faults.services.autoscaling = { hang: true };
      const { ms, error } = await elapsed(() => describeGroup(clients.autoScaling, GROUP));
      expect((error as Error).name).toBe('TimeoutError');
      // Two attempts of 400 ms plus the SDK's backoff between them (at most a few hundred ms at attempt 1).
      expect(ms).toBeGreaterThanOrEqual(800);
      expect(ms).toBeLessThan(5_000);
    } finally {
      destroyClients(clients);
    }
  });

  it('an AWS call ends at its overall deadline even when one attempt may take longer', async () => {
    const clients = env.newClients('worker', { maxAttempts: 3, timeouts: { awsAttemptMs: 60_000, awsCallMs: 700 } });
    try {
      env.faults.services.autoscaling = { hang: true };
      const { ms, error } = await elapsed(() => describeGroup(clients.autoScaling, GROUP));
      expect((error as Error).name).toBe('AbortError');
      expect(ms).toBeLessThan(3_000);
    } finally {
      destroyClients(clients);
    }
  });

  it('a Kubernetes call ends at its deadline', async () => {
    const clients = env.newClients('worker', { timeouts: { kubernetesCallMs: 700 } });
    try {
      env.faults.services.kubernetes = { hang: true };
      const { ms, error } = await elapsed(() => listNodes(clients.kube));
      expect(error).toBeDefined();
      expect(ms).toBeLessThan(3_000);
    } finally {
      destroyClients(clients);
    }
  });

  describe('a run waiting on a hanging call', () => {
    let h: Harness;
    // Production deadlines: only Cancel or shutdown can end the wait within this test's time.
    let worker: Clients;
    const calls = () => h.redis.lrange(`${h.prefix}:calls`, 0, -1);
    const cleanups = () => h.redis.lrange(`${h.prefix}:cleanup`, 0, -1);

    beforeEach(async () => {
      worker = env.newClients('worker');
      h = await startFoundation({ kinds: ({ redis, prefix }) => [describeGroupKind(redis, prefix)], policyYaml: POLICY, clients: { bot: env.bot, worker } });
    });
    afterEach(async () => {
      env.faults.services = {};
      await h.stop();
      destroyClients(worker);
    });

    async function startHangingRun() {
      env.faults.services.autoscaling = { hang: true };
      await h.command('describe-group', REQUESTER);
      const plan = await h.waitForPlan();
      await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
      await waitUntil('the step to call Auto Scaling', async () => (await calls()).length > 0);
      return (await h.plans.get(plan.id))!;
    }

    it('Cancel interrupts the call: the run ends cancelled, with cleanup, within seconds', async () => {
      await h.startWorker();
      const plan = await startHangingRun();
      const clicked = Date.now();
      await h.clickPlan(ActionIds.cancel, plan.id, REQUESTER);
      await h.waitForStatus(plan.id, ['cancelled'], 10_000);
      expect(Date.now() - clicked).toBeLessThan(5_000);
      expect(await cleanups()).toEqual(['done']);
    });

    it('shutdown interrupts the call: the worker closes in seconds and the run resumes elsewhere from the queue', async () => {
      const first = await h.startWorker();
      const plan = await startHangingRun();
      const closing = Date.now();
      await first.close();
      expect(Date.now() - closing).toBeLessThan(5_000);
      expect((await h.plans.get(plan.id))!.status).toBe('running');
      expect(await h.queue.getJob(plan.id).then((job) => job?.getState())).toBe('delayed');
      expect(await cleanups()).toEqual([]);

      env.faults.services = {};
      await h.startWorker();
      await h.waitForStatus(plan.id, ['succeeded'], 10_000);
      expect(await calls()).toEqual(['describe', 'describe']);
    });
  });
});
