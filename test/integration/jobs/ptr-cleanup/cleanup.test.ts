/**
 * observe → plan → steps against the simulated AWS account, with the real SDK clients.
 */
import type { CleanupObserved, CleanupPlan, PtrArgs, PtrPlan } from '../../../../src/jobs/ptr-cleanup/model.js';
import { unpackRecords } from '../../../../src/jobs/ptr-cleanup/packed-records.js';
import { ipToPtrName } from '../../../../src/jobs/ptr-cleanup/reverse-names.js';
import { runSteps } from '../../../helpers/step-harness.js';
import { deletesIn, startPtrSandbox, zonePtrs, type PtrSandbox } from './helpers.js';

const ZONE_10 = 'Z0PROD10REVERSE001';
const ZONE_0_0_10 = 'Z0PROD0010REVERSE2';
const ZONE_V6 = 'Z0PROD6REVERSE0003';
const FAST = { requestsPerSecond: 50 };
const cleanup: PtrArgs = { mode: 'cleanup', zones: [], dryRun: false };

async function planFor(sandbox: PtrSandbox, settings: object = FAST, args: PtrArgs = cleanup): Promise<{ plan: PtrPlan; empty: boolean; extraApprovals?: number }> {
  const ctx = sandbox.botContext(sandbox.kind, settings);
  const observed = await sandbox.kind.observe(ctx, args);
  const outcome = sandbox.kind.plan(observed, args, sandbox.clock.now(), ctx.settings);
  if (outcome.kind !== 'plan') throw new Error(`refused: ${outcome.reason}`);
  return outcome;
}

const names = (plan: PtrPlan) => new Set(plan.zones.flatMap((z) => unpackRecords(z.records).map((r) => r[0])));

describe('ptr-cleanup against the sandbox (default scenario)', () => {
  let sandbox: PtrSandbox;
  beforeEach(async () => {
    sandbox = await startPtrSandbox();
  });
  afterEach(async () => {
    await sandbox.stop();
  });

  it('deletes exactly the stale records of every reverse zone, keeps the live ones, and a second run plans nothing', async () => {
    const before10 = zonePtrs(sandbox.cloud, ZONE_10);
    const { plan } = await planFor(sandbox);
    const cleanupPlan = plan as CleanupPlan;
    const planned = names(plan);

    // Scope: the three reverse zones, never the public forward zone.
    expect(cleanupPlan.scanned.map((z) => z.id).sort()).toEqual([ZONE_0_0_10, ZONE_10, ZONE_V6].sort());
    // Stale: hand-written IPv4 (odd TTL, multi-value) and IPv6.
    for (const name of ['99.1.0.10.in-addr.arpa.', '5.33.0.10.in-addr.arpa.', '6.33.0.10.in-addr.arpa.', ipToPtrName('2600:1f18:1234:5600::dead'), ipToPtrName('2600:1f18:1234:5602::beef')]) {
      expect(planned).toContain(name);
    }
    // Live: primary, secondary, prefix-delegated IPv4, non-instance ENIs, IPv6 address and IPv6 prefix.
    for (const name of ['23.1.0.10.in-addr.arpa.', '24.1.0.10.in-addr.arpa.', '21.8.0.10.in-addr.arpa.', '10.3.0.10.in-addr.arpa.', '15.36.0.10.in-addr.arpa.', '40.67.0.10.in-addr.arpa.', ipToPtrName('2600:1f18:1234:5600::a1'), ipToPtrName('2600:1f18:1234:5602:a::5')]) {
      expect(planned).not.toContain(name);
    }
    expect(cleanupPlan.skippedByReason).toMatchObject({ 'not-an-ip': 2, 'routing-policy': 2 });

    const run = await runSteps({ kind: sandbox.kind, plan: plan, kindContext: sandbox.workerContext(sandbox.kind, FAST), jobId: 'p-run1' });
    expect(run.error).toBeUndefined();
    const deleted = deletesIn(sandbox.log);
    expect(deleted).toHaveLength(planned.size);
    expect(new Set(deleted.map((d) => d.split(' ')[1]))).toEqual(planned);
    // The DELETE carried the exact TTL and every value.
    const oddTtl = sandbox.log.find({ action: 'ChangeResourceRecordSets', target: ZONE_10 }).flatMap((e) => e.details.changes as { name: string; values: string[] }[]);
    expect(oddTtl.find((c) => c.name === '6.33.0.10.in-addr.arpa.')?.values).toEqual(['old-build-agent.prod.internal.', 'ip-10-0-33-6.ec2.internal.']);
    // Live, skipped and non-PTR records are untouched.
    const after10 = zonePtrs(sandbox.cloud, ZONE_10);
    expect(after10).toEqual(before10.filter((line) => !planned.has(line.split(' ')[0]!)));
    expect(run.checkpoint.state.insync).toBe(true);
    expect(run.recorder.audits).toHaveLength(3);
    expect(run.recorder.files.map((f) => f.filename)).toEqual(['ptr-cleanup-p-run1-deleted.csv']);
    expect(run.recorder.files[0]!.content.trim().split('\n')).toHaveLength(planned.size + 1);
    expect(sandbox.kind.summarize(plan, run.checkpoint.state, 'succeeded')).toContain(`Deleted ${planned.size} of ${planned.size} PTR records in 3 zone(s).`);

    const second = await planFor(sandbox);
    expect(second.empty).toBe(true);
    expect(names(second.plan).size).toBe(0);
  });

  it('observation keeps only the records no interface holds: the live ones are counted, not kept', async () => {
    const observed = (await sandbox.kind.observe(sandbox.botContext(sandbox.kind, FAST), cleanup)) as CleanupObserved;
    const zone = observed.zones.find((z) => z.id === ZONE_10)!;
    const kept = unpackRecords(zone.ptr).map((r) => r[0]);
    for (const live of ['23.1.0.10.in-addr.arpa.', '24.1.0.10.in-addr.arpa.', '21.8.0.10.in-addr.arpa.']) expect(kept).not.toContain(live);
    expect(kept).toContain('99.1.0.10.in-addr.arpa.');
    expect(zone.live).toBeGreaterThan(0);
    expect(zone.live + zone.ptr.count + zone.aliases.length).toBe(zonePtrs(sandbox.cloud, ZONE_10).length);
  });

  it('the status card counts zones, records and change batches, with an ETA from the request rate', async () => {
    const { plan } = await planFor(sandbox);
    const total = names(plan).size;
    const run = await runSteps({ kind: sandbox.kind, plan, kindContext: sandbox.workerContext(sandbox.kind, { requestsPerSecond: 0.1 }), jobId: 'p-eta' });
    expect(run.error).toBeUndefined();
    // One batch per zone here: after each, the batches left at 0.1 requests/s.
    expect(run.recorder.statuses.map((s) => `${s.Zones} ${s.Batches} ${s.ETA}`)).toEqual(['0/3 1/3 20s', '1/3 1/3 20s', '1/3 2/3 10s', '2/3 2/3 10s', '2/3 3/3 0s', '3/3 3/3 0s']);
    expect(run.recorder.statuses.at(-1)!.Deleted).toBe(`${total}/${total}`);
  });

  it('keeps protected CIDRs, patterns and zones; --zone limits the scan', async () => {
    const settings = { ...FAST, protectedCidrs: ['10.0.70.150/32'], protectedPatterns: ['^old-build-'], protectedZones: ['0.0.10.in-addr.arpa'] };
    const { plan } = await planFor(sandbox, settings);
    const planned = names(plan);
    expect(planned).not.toContain('150.70.0.10.in-addr.arpa.');
    expect(planned).not.toContain('6.33.0.10.in-addr.arpa.');
    expect(plan.zones.map((z) => z.id)).not.toContain(ZONE_0_0_10);
    expect((plan as CleanupPlan).skippedByReason).toMatchObject({ 'protected-cidr': 1, 'protected-pattern': 1, 'protected-zone': 2 });

    const only = await planFor(sandbox, FAST, { mode: 'cleanup', zones: ['6.5.4.3.2.1.8.1.f.1.0.0.6.2.ip6.arpa'], dryRun: true });
    expect((only.plan as CleanupPlan).scanned.map((z) => z.id)).toEqual([ZONE_V6]);
    expect(names(only.plan).size).toBe(3);

    const observed = await sandbox.kind.observe(sandbox.botContext(sandbox.kind, FAST), { mode: 'cleanup', zones: ['example.com'], dryRun: false });
    expect(sandbox.kind.plan(observed, cleanup, 0, sandbox.kind.settingsSchema.parse(FAST))).toMatchObject({ kind: 'refusal', reason: expect.stringContaining('is not a reverse zone') });
  });

  it('isolates records Route 53 rejects, keeps an IP that became live, and deletes the rest', async () => {
    const { plan } = await planFor(sandbox);
    const route53 = sandbox.cloud.model.route53;
    const zone = route53.zones.get(ZONE_10)!;
    // Between plan and apply: one stale record is changed by someone, another deleted, a third IP is taken by a new ENI.
    const changed = zone.records.find((r) => r.name === '99.1.0.10.in-addr.arpa.')!;
    changed.ttl = 600;
    route53.changeRecordSets(ZONE_10, [{ action: 'DELETE', record: zone.records.find((r) => r.name === '5.33.0.10.in-addr.arpa.')! }]);
    sandbox.cloud.model.ec2.addNetworkInterface({ networkInterfaceId: 'eni-0f00000000000beef', subnetId: 'subnet-0b00000000000000b', availabilityZone: 'us-east-1b', privateIp: '10.0.33.6', interfaceType: 'interface', inUse: true });
    const deletesBefore = deletesIn(sandbox.log).length;

    const run = await runSteps({ kind: sandbox.kind, plan: plan, kindContext: sandbox.workerContext(sandbox.kind, FAST), jobId: 'p-run2' });
    expect(run.error).toBeUndefined();
    const progress = run.checkpoint.state.zones[ZONE_10]!;
    expect(progress).toMatchObject({ changedSincePlan: 1, alreadyDone: 1, droppedLive: 1, rejected: 0 });
    expect(progress.applied).toBe(plan.zones.find((z) => z.id === ZONE_10)!.records.count - 3);
    expect(zonePtrs(sandbox.cloud, ZONE_10).filter((l) => /^(99\.1|6\.33)\.0\.10/.test(l))).toHaveLength(2);
    expect(run.checkpoint.state.problems.map((p) => `${p.name}: ${p.problem}`)).toEqual(
      expect.arrayContaining([
        '6.33.0.10.in-addr.arpa.: IP in use again since the plan: kept',
        '5.33.0.10.in-addr.arpa.: already gone',
        '99.1.0.10.in-addr.arpa.: changed since the plan: left alone',
      ]),
    );
    expect(run.recorder.milestones.find((m) => m.startsWith('10.in-addr.arpa.'))).toContain('• `99.1.0.10.in-addr.arpa.`: changed since the plan: left alone');
    // One clean batch per zone after isolation; nothing deleted twice.
    const deleted = deletesIn(sandbox.log).slice(deletesBefore);
    expect(new Set(deleted).size).toBe(deleted.length);
    expect(sandbox.kind.summarize(plan, run.checkpoint.state, 'succeeded')).toMatch(/1 kept because their IP is in use again; 1 left alone because they changed since the plan; 1 were already gone/);
  });

  it('completes with 30% of Route 53 calls throttled', async () => {
    const { plan } = await planFor(sandbox);
    sandbox.faults.services.route53 = { throttleRate: 0.3 };
    const run = await runSteps({ kind: sandbox.kind, plan: plan, kindContext: sandbox.workerContext(sandbox.kind, FAST), jobId: 'p-run3' });
    expect(run.error).toBeUndefined();
    expect(deletesIn(sandbox.log)).toHaveLength(names(plan).size);
    sandbox.faults.services.route53 = {};
    expect((await planFor(sandbox)).empty).toBe(true);
  });

  it("the scan completes while Route 53 throttles 30% of calls, with no retries left in the SDK client", async () => {
    await sandbox.stop();
    sandbox = await startPtrSandbox({ maxAttempts: 1 });
    sandbox.faults.services.route53 = { throttleRate: 0.3 };
    const observed = (await sandbox.kind.observe(sandbox.botContext(sandbox.kind, FAST), cleanup)) as CleanupObserved;
    expect(observed.zones.map((z) => z.id).sort()).toEqual([ZONE_0_0_10, ZONE_10, ZONE_V6].sort());
    const zone = observed.zones.find((z) => z.id === ZONE_10)!;
    expect(zone.live + zone.ptr.count + zone.aliases.length).toBe(zonePtrs(sandbox.cloud, ZONE_10).length);
  });

  it('the scan completes while Route 53 cuts 40% of connections, with no retries left in the SDK client', async () => {
    await sandbox.stop();
    sandbox = await startPtrSandbox({ maxAttempts: 1 });
    sandbox.faults.services.route53 = { resetRate: 0.4 };
    const observed = (await sandbox.kind.observe(sandbox.botContext(sandbox.kind, FAST), cleanup)) as CleanupObserved;
    expect(sandbox.faults.reset.route53).toBeGreaterThan(0);
    const zone = observed.zones.find((z) => z.id === ZONE_10)!;
    expect(zone.live + zone.ptr.count + zone.aliases.length).toBe(zonePtrs(sandbox.cloud, ZONE_10).length);
  });

  it('stops at a step boundary when cancelled', async () => {
    const { plan } = await planFor(sandbox);
    const run = await runSteps({ kind: sandbox.kind, plan: plan, kindContext: sandbox.workerContext(sandbox.kind, FAST), jobId: 'p-run4', cancelAfterSteps: 1 });
    expect(run.checkpoint.done).toHaveLength(1);
    expect(sandbox.kind.summarize(plan, run.checkpoint.state, 'cancelled')).toMatch(/^PTR cleanup cancelled: deleted \d+ of \d+ PTR records\./);
  });
});
