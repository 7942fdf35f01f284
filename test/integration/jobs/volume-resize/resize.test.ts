/**
 * observe → plan → steps against the sandbox (real SDK clients, real client-node), for every behaviour
 * the issue asks for: online and offline expansion, refusals, a controller error, a StatefulSet in turn,
 * and resuming after a crash without repeating a mutation.
 */
import { RefusalError, UserFacingError } from '../../../../src/errors.js';
import { parseResizeArgs } from '../../../../src/jobs/volume-resize/args.js';
import { resizeKind } from '../../../../src/jobs/volume-resize/index.js';
import { modificationRecordOf } from '../../../../src/jobs/volume-resize/modifications.js';
import { formatUtc } from '../../../../src/time.js';
import type { ResizePlan, ResizeState } from '../../../../src/jobs/volume-resize/types.js';
import type { PodObject, PvcObject } from '../../../../sandbox/src/cluster/index.js';
import { isPodReady, isTerminating } from '../../../../sandbox/src/cluster/objects.js';
import { newRecorder, runSteps, SimulatedCrash, type RunOptions } from '../../../helpers/step-harness.js';
import { startTestSandbox, type TestSandbox } from '../../../helpers/sandbox.js';
import { RESIZE_SCENARIO } from './scenario.js';

const kind = resizeKind as unknown as RunOptions<ResizePlan, ResizeState>['kind'];
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

async function planFor(env: TestSandbox, text: string, settings?: object, flags: Record<string, string> = {}) {
  const [target, size] = text.split(' ');
  const args = parseResizeArgs({ subcommand: 'resize', positionals: [target!, size!], flags });
  const ctx = env.botContext(resizeKind, settings);
  return resizeKind.plan(await resizeKind.observe(ctx, args), args, env.clock.now(), ctx.settings);
}

async function mustPlan(env: TestSandbox, text: string, settings?: object, flags?: Record<string, string>): Promise<ResizePlan> {
  const outcome = await planFor(env, text, settings, flags);
  if (outcome.kind !== 'plan') throw new Error(`refused: ${outcome.reason}`);
  return outcome.plan;
}

async function refusal(env: TestSandbox, text: string, settings?: object, flags?: Record<string, string>): Promise<string> {
  const outcome = await planFor(env, text, settings, flags);
  if (outcome.kind !== 'refusal') throw new Error(`expected a refusal for ${text}`);
  return outcome.reason;
}

/** An EBS modification made behind deckhand's back (another tool, a previous resize); returns its start time. */
function modifyOutOfBand(env: TestSandbox, volumeId: string, sizeGiB: number): number {
  const startedAt = env.clock.now();
  expect(env.cloud.model.ec2.modifyVolume(volumeId, sizeGiB)).toMatchObject({ ok: true });
  return startedAt;
}

function podUid(env: TestSandbox, namespace: string, name: string): string | undefined {
  return env.cluster.model.get<PodObject>('Pod', namespace, name)?.metadata.uid;
}

describe('resize against the sandbox', () => {
  let env: TestSandbox;
  beforeEach(async () => {
    env = await startTestSandbox({ scenario: RESIZE_SCENARIO, speed: 200, maxAttempts: 2 });
  });
  afterEach(async () => {
    await env.stop();
  });

  it('grows an online gp3 claim to the new capacity; a second run plans nothing', async () => {
    const plan = await mustPlan(env, 'data/redis-data-redis-ha-0 20Gi');
    expect(plan.volumes[0]).toMatchObject({ action: 'resize', expansion: 'online', volumeType: 'gp3', currentGiB: 10, targetGiB: 20, pricePerGbMonth: expect.any(Number) });
    expect(plan.monthlyCostDelta).toBeCloseTo(10 * plan.volumes[0]!.pricePerGbMonth!, 2);

    const run = await runSteps({ kindContext: env.workerContext(resizeKind), kind, plan });
    expect(run.error).toBeUndefined();
    expect(run.checkpoint.state.volumes['data/redis-data-redis-ha-0']?.result).toEqual({ pvcCapacity: '20Gi', pvCapacity: '20Gi', filesystem: 'grown' });
    expect(run.recorder.milestones[0]).toBe('Requested 20Gi for `data/redis-data-redis-ha-0` (was 10Gi); EBS volume `vol-0000000000000a001` is being modified.');
    expect(run.recorder.milestones.at(-1)).toMatch(/^`data\/redis-data-redis-ha-0` is done: PVC capacity 20Gi, PV pvc-.* capacity 20Gi\.$/);
    expect(run.recorder.questions).toEqual([]);
    expect(run.recorder.audits).toEqual([{ action: 'kubernetes.pvc.patch-storage', details: expect.objectContaining({ from: '10Gi', to: '20Gi' }) }]);
    expect(env.log.find({ action: 'ModifyVolume', target: 'vol-0000000000000a001' })).toHaveLength(1);
    // Only the claim's request was patched, never the PV.
    expect(env.log.find({ service: 'kubernetes' }).map((e) => [e.action, e.target, e.details.patch])).toEqual([
      ['patch-persistentvolumeclaim', 'data/redis-data-redis-ha-0', { spec: { resources: { requests: { storage: '20Gi' } } } }],
    ]);

    const again = await planFor(env, 'data/redis-data-redis-ha-0 20Gi');
    expect(again).toMatchObject({ kind: 'plan', empty: true });
  });

  it('offline gp2: asks to restart the pod, evicts it, and watches the filesystem grow', async () => {
    const plan = await mustPlan(env, 'data/pgdata-postgres-0 30Gi');
    expect(plan.volumes[0]).toMatchObject({ expansion: 'offline', pods: [{ name: 'postgres-0', controller: 'StatefulSet/postgres', recreated: true }] });
    const oldUid = podUid(env, 'data', 'postgres-0');

    const run = await runSteps({ kindContext: env.workerContext(resizeKind), kind, plan, answer: () => 'evict' });
    expect(run.error).toBeUndefined();
    expect(run.recorder.questions).toEqual([
      {
        id: 'restart/data/pgdata-postgres-0',
        text: expect.stringContaining('Evict it now? Its StatefulSet postgres recreates it'),
        choices: [
          { id: 'evict', label: 'Restart postgres-0', style: 'primary', needsApprover: true },
          { id: 'wait', label: "I'll restart it myself" },
        ],
      },
    ]);
    // `Resizing` lasts EBS's 5 s of `modifying`: a 10 s poll sees it or not, depending on the machine's load.
    expect(run.recorder.milestones.filter((m) => !/: Resizing \(/.test(m))).toEqual([
      expect.stringMatching(/^Requested 30Gi/),
      expect.stringMatching(/FileSystemResizePending/),
      expect.stringMatching(/the filesystem grows only when pod `postgres-0` restarts/),
      expect.stringMatching(/^Evicted `postgres-0`/),
      expect.stringMatching(/is done: PVC capacity 30Gi, PV .* capacity 30Gi/),
    ]);
    expect(run.recorder.audits.map((a) => a.action)).toEqual(['kubernetes.pvc.patch-storage', 'kubernetes.pod.evict']);
    // The restart went through the Eviction API, never a plain delete.
    expect(env.log.find({ action: 'evict-pod', target: 'data/postgres-0' })).toHaveLength(1);
    expect(env.log.find({ action: 'delete-pod' })).toEqual([]);
    expect(podUid(env, 'data', 'postgres-0')).not.toBe(oldUid);
  });

  it('a claim used by several pods: every pod is offered, and evicted one at a time, each replacement Ready before the next', async () => {
    const plan = await mustPlan(env, 'logs/shared 16Gi');
    const before = env.cluster.model.list<PodObject>('Pod', 'logs').filter((p) => p.metadata.name.startsWith('shipper-'));
    expect(before).toHaveLength(2);
    // Sampled at every eviction: the shipper pods still serving (not terminating, Ready); never both down.
    const readyAtEviction: number[] = [];
    const run = await runSteps({
      kindContext: env.workerContext(resizeKind),
      kind,
      plan,
      answer: () => 'evict',
      onMilestone: (text) => {
        if (text.startsWith('Evicted')) readyAtEviction.push(env.cluster.model.list<PodObject>('Pod', 'logs').filter((p) => p.metadata.name.startsWith('shipper-') && !isTerminating(p) && isPodReady(p)).length);
      },
    });
    expect(run.error).toBeUndefined();
    const names = before.map((p) => p.metadata.name).sort();
    expect(run.recorder.questions).toEqual([
      expect.objectContaining({ text: expect.stringContaining(`grows only when its 2 pods restart: \`${names[0]}\`, \`${names[1]}\`. Evict them now, one at a time`) }),
    ]);
    expect(env.log.find({ action: 'evict-pod' }).map((e) => e.target)).toEqual(names.map((n) => `logs/${n}`));
    expect(readyAtEviction).toEqual([1, 1]);
    expect(run.checkpoint.state.volumes['logs/shared']?.result).toMatchObject({ pvcCapacity: '16Gi', filesystem: 'grown' });
  });

  it('a PodDisruptionBudget blocking the restart is reported and the eviction retried', async () => {
    env.faults.blockingPdbs.add('data/postgres');
    const plan = await mustPlan(env, 'data/pgdata-postgres-0 30Gi');
    const unblockOnReport = (text: string) => {
      if (text.includes('forbids evicting')) env.faults.blockingPdbs.delete('data/postgres');
    };
    const run = await runSteps({ kindContext: env.workerContext(resizeKind), kind, plan, answer: () => 'evict', onMilestone: unblockOnReport });
    expect(run.error).toBeUndefined();
    expect(run.recorder.milestones).toContain('PodDisruptionBudget postgres forbids evicting `postgres-0` right now; deckhand retries while it watches.');
    expect(env.log.find({ action: 'evict-pod' }).map((e) => e.details.allowed)).toEqual([false, true]);
    expect(run.checkpoint.state.volumes['data/pgdata-postgres-0']?.result).toMatchObject({ pvcCapacity: '30Gi' });
  });

  it('"I\'ll restart it myself": nothing is evicted and the watch goes on until the timeout', async () => {
    const plan = await mustPlan(env, 'data/pgdata-postgres-0 30Gi');
    const run = await runSteps({ kindContext: env.workerContext(resizeKind, { watchTimeout: '2m' }), kind, plan, answer: () => 'wait' });
    expect((run.error as Error).message).toMatch(/^Stopped watching data\/pgdata-postgres-0 after 2m /);
    expect(run.recorder.questions).toHaveLength(1);
    expect(run.recorder.milestones).toContain('Not restarting `postgres-0`: deckhand keeps watching `data/pgdata-postgres-0` until its filesystem grows.');
    expect(env.log.find({ action: 'evict-pod' })).toEqual([]);
  });

  it('a pod without a controller is not evicted: deckhand says so and stops at the watch timeout', async () => {
    const plan = await mustPlan(env, 'default/scratch 8Gi');
    const run = await runSteps({ kindContext: env.workerContext(resizeKind, { watchTimeout: '3m' }), kind, plan });
    expect(run.error).toBeInstanceOf(UserFacingError);
    expect((run.error as Error).message).toMatch(/^Stopped watching default\/scratch after 3m \(last phase: FileSystemResizePending\)/);
    expect(run.recorder.questions).toEqual([]);
    expect(run.recorder.milestones).toContainEqual(expect.stringMatching(/waits for pod `scratchpad` to restart, and it has no controller to recreate it/));
    expect(env.log.find({ action: 'evict-pod' })).toEqual([]);
  });

  describe('refusals', () => {
    it.each([
      ['shrink', 'data/redis-data-redis-ha-0 5Gi', /5 GiB is smaller than the current 10 GiB: volumes never shrink/],
      ['non-expandable class', 'logs/archive 600Gi', /StorageClass "st1-fixed" does not allow volume expansion/],
      ['over the type maximum', 'data/pgdata-postgres-0 17Ti', /17408 GiB is above the gp2 maximum of 16 TiB/],
      ['missing claim', 'data/nope 20Gi', /PersistentVolumeClaim data\/nope was not found/],
    ])('%s', async (_name, command, reason) => {
      expect(await refusal(env, command)).toMatch(reason);
    });

    it('a modification in progress', async () => {
      const started = formatUtc(modifyOutOfBand(env, 'vol-0000000000000a001', 12));
      // Modifying lasts 5 virtual seconds, then optimizing: either state blocks the next one.
      expect(await refusal(env, 'data/redis-data-redis-ha-0 20Gi')).toMatch(
        new RegExp(`EBS volume vol-0000000000000a001 has a modification in progress \\((modifying|optimizing), 10 → 12 GiB, started ${started}\\); the next one is possible once it completes`),
      );
    });

    it("rate limited by AWS's latest modification and deckhand's own record together, saying when the next is possible", async () => {
      const record = modificationRecordOf({ redis: env.redis, redisPrefix: env.redisPrefix });
      const first = env.clock.now() - 20 * HOUR;
      for (const [i, hoursAgo] of [20, 12, 6].entries()) {
        await record.add('vol-0000000000000a001', { at: env.clock.now() - hoursAgo * HOUR, fromGiB: 7 + i, toGiB: 8 + i, planId: `p-old${i}` }, 24 * HOUR);
      }
      modifyOutOfBand(env, 'vol-0000000000000a001', 12);
      await env.clock.advance(6 * MINUTE);
      expect(await refusal(env, 'data/redis-data-redis-ha-0 20Gi')).toContain(
        `modified 4 times in the last 24h (limit 4); the next modification is possible at ${formatUtc(first + 24 * HOUR)}`,
      );
    });
  });

  it('records each modification it starts, so the next plan counts it although EBS shows only the latest', async () => {
    const run = await runSteps({ kindContext: env.workerContext(resizeKind), kind, plan: await mustPlan(env, 'data/redis-data-redis-ha-0 20Gi'), jobId: 'p-first' });
    expect(run.error).toBeUndefined();
    const recorded = await modificationRecordOf({ redis: env.redis, redisPrefix: env.redisPrefix }).since('vol-0000000000000a001', 0);
    expect(recorded).toEqual([expect.objectContaining({ fromGiB: 10, toGiB: 20, planId: 'p-first' })]);
  });

  it("EBS's refusal decides at the edge: modifications deckhand never saw stop the run at once, naming the next possible time", async () => {
    const first = modifyOutOfBand(env, 'vol-0000000000000a001', 11);
    for (const size of [12, 13, 14]) {
      await env.clock.advance(6 * MINUTE);
      modifyOutOfBand(env, 'vol-0000000000000a001', size);
    }
    await env.clock.advance(6 * MINUTE);
    // EBS shows only the latest of the four: the plan cannot know the limit is reached.
    const plan = await mustPlan(env, 'data/redis-data-redis-ha-0 20Gi');
    const run = await runSteps({ kindContext: env.workerContext(resizeKind), kind, plan });
    expect(run.error).toBeInstanceOf(RefusalError);
    expect((run.error as Error).message).toMatch(/^EBS refused to modify volume vol-0000000000000a001 of data\/redis-data-redis-ha-0 again \(.*VolumeModificationRateExceeded.*\)/);
    expect((run.error as Error).message).toContain(`the next modification is possible at ${formatUtc(first + 24 * HOUR)}`);
    // A refusal, not an error waited out for errorGrace.
    expect(run.recorder.milestones.filter((m) => m.startsWith(':warning:'))).toEqual([]);
  });

  it('resizes the three claims of a StatefulSet one at a time, each confirmed before the next', async () => {
    const plan = await mustPlan(env, 'search/statefulset/es 75Gi');
    expect(plan.volumes.map((v) => v.pvc)).toEqual(['data-es-0', 'data-es-1', 'data-es-2']);
    expect(plan.templateFix?.commands).toContain('kubectl -n search delete statefulset es --cascade=orphan   # pods and claims keep running');

    const run = await runSteps({ kindContext: env.workerContext(resizeKind), kind, plan });
    expect(run.error).toBeUndefined();
    const order = run.recorder.milestones.filter((m) => /^Requested|is done/.test(m)).map((m) => m.replace(/^Requested 75Gi for `search\/(\S+)`.*/, 'request $1').replace(/^`search\/(\S+)` is done.*/, 'done $1'));
    expect(order).toEqual(['request data-es-0', 'done data-es-0', 'request data-es-1', 'done data-es-1', 'request data-es-2', 'done data-es-2']);
    expect(env.log.find({ action: 'ModifyVolume' }).map((e) => e.target)).toEqual(['vol-0000000000000a004', 'vol-0000000000000a005', 'vol-0000000000000a006']);
    for (const i of [0, 1, 2]) expect(run.checkpoint.state.volumes[`search/data-es-${i}`]?.result).toMatchObject({ pvcCapacity: '75Gi', pvCapacity: '75Gi' });
    expect(resizeKind.summarize(plan, run.checkpoint.state, 'succeeded')).toMatch(/^Resized 3 claim\(s\) to 75Gi\.\n• search\/data-es-0: PVC 75Gi, PV 75Gi/);
  });

  it('--selector: the labelled claims one at a time, each confirmed before the next, with progress', async () => {
    for (const name of ['data-es-0', 'data-es-2']) {
      const pvc = env.cluster.model.get<PvcObject>('PersistentVolumeClaim', 'search', name)!;
      pvc.metadata.labels = { ...pvc.metadata.labels, tier: 'hot' };
      env.cluster.model.save(pvc);
    }
    const plan = await mustPlan(env, 'search 60Gi', undefined, { selector: 'tier=hot' });
    expect(plan.volumes.map((v) => v.pvc)).toEqual(['data-es-0', 'data-es-2']);
    expect(plan.templateFix).toBeUndefined();
    const run = await runSteps({ kindContext: env.workerContext(resizeKind), kind, plan });
    expect(run.error).toBeUndefined();
    const order = run.recorder.milestones.filter((m) => /^Requested|is done/.test(m)).map((m) => m.replace(/^Requested 60Gi for `search\/(\S+)`.*/, 'request $1').replace(/^`search\/(\S+)` is done.*/, 'done $1'));
    expect(order).toEqual(['request data-es-0', 'done data-es-0', 'request data-es-2', 'done data-es-2']);
    expect(new Set(run.recorder.statuses.map((s) => s.Claim!.split(' ')[0]))).toEqual(new Set(['1/2', '2/2']));
    expect(env.log.find({ action: 'ModifyVolume' }).map((e) => e.target)).toEqual(['vol-0000000000000a004', 'vol-0000000000000a006']);
    expect(await refusal(env, 'search 70Gi', undefined, { selector: 'tier=cold' })).toBe('No PersistentVolumeClaim in namespace search has the labels tier=cold.');
  });

  it('a worker killed mid-way resumes from the checkpoint without repeating a mutation', async () => {
    const plan = await mustPlan(env, 'search/statefulset/es 75Gi');
    const recorder = newRecorder();
    const first = await runSteps({ kindContext: env.workerContext(resizeKind), kind, plan, recorder, crashAfterSteps: 3 });
    expect(first.error).toBeInstanceOf(SimulatedCrash);
    expect(first.checkpoint.done).toEqual(['search/data-es-0/request', 'search/data-es-0/watch', 'search/data-es-1/request']);

    const resumed = await runSteps({ kindContext: env.workerContext(resizeKind), kind, plan, recorder, checkpoint: first.checkpoint });
    expect(resumed.error).toBeUndefined();
    for (const i of [0, 1, 2]) {
      expect(env.log.find({ action: 'patch-persistentvolumeclaim', target: `search/data-es-${i}` })).toHaveLength(1);
      expect(env.log.find({ action: 'ModifyVolume', target: `vol-0000000000000a00${4 + i}` })).toHaveLength(1);
    }
    const requested = recorder.milestones.filter((m) => m.startsWith('Requested'));
    expect(requested).toHaveLength(3);
  });

  it('a crash right after the eviction does not evict the recreated pod again', async () => {
    const plan = await mustPlan(env, 'data/pgdata-postgres-0 30Gi');
    const recorder = newRecorder();
    const crashAfterEviction = (text: string) => {
      if (text.startsWith('Evicted')) throw new SimulatedCrash('worker killed after the eviction');
    };
    const first = await runSteps({ kindContext: env.workerContext(resizeKind), kind, plan, recorder, answer: () => 'evict', onMilestone: crashAfterEviction });
    expect(first.error).toBeInstanceOf(SimulatedCrash);
    expect(first.checkpoint.done).toEqual(['data/pgdata-postgres-0/request']);

    const resumed = await runSteps({ kindContext: env.workerContext(resizeKind), kind, plan, recorder, checkpoint: first.checkpoint, answer: () => 'evict' });
    expect(resumed.error).toBeUndefined();
    expect(recorder.questions).toHaveLength(1);
    expect(env.log.find({ action: 'evict-pod' })).toHaveLength(1);
    expect(env.log.find({ action: 'patch-persistentvolumeclaim' })).toHaveLength(1);
    expect(resumed.checkpoint.state.volumes['data/pgdata-postgres-0']?.result).toMatchObject({ pvcCapacity: '30Gi', filesystem: 'grown' });
  });
});
