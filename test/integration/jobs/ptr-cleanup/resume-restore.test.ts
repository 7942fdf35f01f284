/**
 * Kill the run mid-batch (before and after Route 53 accepted a change), resume from the checkpoint:
 * nothing is deleted twice, nothing is skipped. Then restore puts back exactly what was deleted.
 */
import { Route53Client } from '@aws-sdk/client-route-53';
import type { PtrArgs, PtrPlan, PtrState } from '../../../../src/jobs/ptr-cleanup/model.js';
import { unpackRecords } from '../../../../src/jobs/ptr-cleanup/packed-records.js';
import { IDENTITIES } from '../../../../sandbox/src/access.js';
import { generatePtrZones } from '../../../../sandbox/src/cloud/index.js';
import { runSteps, SimulatedCrash, type Checkpoint } from '../../../helpers/step-harness.js';
import { deletesIn, startPtrSandbox, zonePtrs, type PtrSandbox } from './helpers.js';

const FAST = { requestsPerSecond: 50 };
const GENERATED = ['Z0GEN0064PTR', 'Z0GEN0065PTR'];

/** A Route 53 client whose process "dies" around the n-th ChangeResourceRecordSets. */
function crashingRoute53(sandbox: PtrSandbox, crashes: { before?: number[]; after?: number[] }) {
  const { accessKeyId, secretAccessKey } = IDENTITIES.worker;
  const client = new Route53Client({ region: 'us-east-1', endpoint: sandbox.cloud.endpoints.route53, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 8 });
  let changes = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'ChangeResourceRecordSetsCommand') return next(args);
      const n = ++changes;
      if (crashes.before?.includes(n)) throw new SimulatedCrash(`killed before change ${n} was sent`);
      const out = await next(args);
      if (crashes.after?.includes(n)) throw new SimulatedCrash(`killed after change ${n} was accepted`);
      return out;
    },
    { step: 'initialize', name: 'crashForTest' },
  );
  return client;
}

async function planOf(sandbox: PtrSandbox, args: PtrArgs): Promise<{ plan: PtrPlan; empty: boolean }> {
  const ctx = sandbox.botContext(sandbox.kind, FAST);
  const outcome = sandbox.kind.plan(await sandbox.kind.observe(ctx, args), args, sandbox.clock.now(), ctx.settings);
  if (outcome.kind !== 'plan') throw new Error(`refused: ${outcome.reason}`);
  return outcome;
}

describe('ptr-cleanup crash-resume and restore', () => {
  let sandbox: PtrSandbox;
  beforeEach(async () => {
    // Two generated zones of 3,000 PTRs, half stale: two change batches (1,000 + 500) per zone.
    sandbox = await startPtrSandbox({
      scenario: 'minimal',
      prepareCloud: (cloud) => generatePtrZones(cloud.model, { zones: 2, records: 6000, staleShare: 0.5, seed: 5 }),
    });
  });
  afterEach(async () => {
    await sandbox.stop();
  });

  it('resumes after kills before and after a change was accepted, deleting each record exactly once; restore puts them back', async () => {
    const before = Object.fromEntries(GENERATED.map((id) => [id, zonePtrs(sandbox.cloud, id)]));
    const { plan } = await planOf(sandbox, { mode: 'cleanup', zones: GENERATED, dryRun: false });
    const planned = plan.zones.flatMap((z) => unpackRecords(z.records).map((r) => `${z.id} ${r[0]}`));
    expect(planned).toHaveLength(3000);
    // After the plan, a new interface takes the address of a record in zone A's first batch: kept, and counted once across the kill.
    const [takenName] = unpackRecords(plan.zones[0]!.records)[5]!;
    const takenIp = takenName.split('.').slice(0, 4).reverse().join('.');
    sandbox.cloud.model.ec2.addNetworkInterface({ networkInterfaceId: 'eni-0f00000000000cafe', subnetId: 'subnet-0c9a0000000000040', availabilityZone: 'us-east-1a', privateIp: takenIp, interfaceType: 'interface', inUse: true });
    const expected = planned.filter((line) => line !== `${plan.zones[0]!.id} ${takenName}`);

    // Kill 1: after zone A's first batch was accepted (not yet checkpointed). Kill 2: before zone B's last batch is sent.
    const route53 = crashingRoute53(sandbox, { after: [1], before: [4] });
    const ctx = { ...sandbox.workerContext(sandbox.kind, FAST), clients: { ...sandbox.worker, route53 } };
    let checkpoint: Checkpoint<PtrState> | undefined;
    const kills: string[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      const run = await runSteps({ kind: sandbox.kind, plan: plan, kindContext: ctx, jobId: 'p-crash', checkpoint });
      if (run.error === undefined) {
        const zoneA = run.checkpoint.state.zones[GENERATED[0]!]!;
        expect(zoneA).toMatchObject({ applied: 1499, droppedLive: 1, alreadyDone: 0, rejected: 0, complete: true });
        expect(run.checkpoint.state.zones[GENERATED[1]!]).toMatchObject({ applied: 1500, alreadyDone: 0, complete: true });
        break;
      }
      expect(run.error).toBeInstanceOf(SimulatedCrash);
      kills.push((run.error as Error).message);
      checkpoint = run.checkpoint;
      expect(checkpoint.state.zones[GENERATED[kills.length === 1 ? 0 : 1]!]?.inFlight).toBe(kills.length === 1 ? 0 : 1);
    }
    route53.destroy();
    expect(kills).toEqual(['killed after change 1 was accepted', 'killed before change 4 was sent']);

    const deleted = deletesIn(sandbox.log);
    expect(deleted.sort()).toEqual([...expected].sort());
    expect(zonePtrs(sandbox.cloud, GENERATED[0]!)).toHaveLength(1501);
    expect(zonePtrs(sandbox.cloud, GENERATED[1]!)).toHaveLength(1500);

    // Restore: a plan of exactly the saved records, applied with CREATE.
    const restore = await planOf(sandbox, { mode: 'restore', jobId: 'p-crash', dryRun: false });
    expect(restore.plan).toMatchObject({ mode: 'restore', total: 2999, alreadyPresent: 0 });
    const restored = await runSteps({ kind: sandbox.kind, plan: restore.plan, kindContext: sandbox.workerContext(sandbox.kind, FAST), jobId: 'p-restore' });
    expect(restored.error).toBeUndefined();
    for (const id of GENERATED) expect(zonePtrs(sandbox.cloud, id)).toEqual(before[id]);
    expect(sandbox.kind.summarize(restore.plan, restored.checkpoint.state, 'succeeded')).toBe('Re-created 2999 of 2999 PTR records in 2 zone(s).');
    expect((await planOf(sandbox, { mode: 'restore', jobId: 'p-crash', dryRun: false })).empty).toBe(true);
  });

  it('a restore never overwrites a record re-created meanwhile (CREATE, not UPSERT)', async () => {
    const { plan } = await planOf(sandbox, { mode: 'cleanup', zones: [GENERATED[0]!], dryRun: false });
    expect((await runSteps({ kind: sandbox.kind, plan: plan, kindContext: sandbox.workerContext(sandbox.kind, FAST), jobId: 'p-first' })).error).toBeUndefined();
    const restore = await planOf(sandbox, { mode: 'restore', jobId: 'p-first', dryRun: false });
    // After the restore plan, a new server gets one of the addresses and registers its own PTR.
    const [name] = unpackRecords(restore.plan.zones[0]!.records)[0]!;
    sandbox.cloud.model.route53.changeRecordSets(GENERATED[0]!, [{ action: 'CREATE', record: { name, type: 'PTR', ttl: 60, values: ['new-server.internal.'] } }]);
    const run = await runSteps({ kind: sandbox.kind, plan: restore.plan, kindContext: sandbox.workerContext(sandbox.kind, FAST), jobId: 'p-restore2' });
    expect(run.error).toBeUndefined();
    expect(run.checkpoint.state.zones[GENERATED[0]!]).toMatchObject({ applied: 1499, alreadyDone: 1 });
    expect(zonePtrs(sandbox.cloud, GENERATED[0]!).find((l) => l.startsWith(name))).toBe(`${name} 60 - new-server.internal.`);
  });
});
