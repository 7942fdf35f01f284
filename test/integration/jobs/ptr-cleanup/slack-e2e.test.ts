/**
 * The whole loop: `/deckhand ptr-cleanup` → plan message with the CSV → Approve → BullMQ worker →
 * milestones, the deleted records attached to the thread → `/deckhand ptr-cleanup restore <job>` →
 * Approve → every record back. The simulated AWS account sits behind the real SDK clients.
 */
import type { Route53Client } from '@aws-sdk/client-route-53';
import { ActionIds } from '../../../../src/blocks/action-ids.js';
import { SLOW_APPROVAL_NOTICE_MS } from '../../../../src/bot/interactions/plan-decisions.js';
import { ptrCleanupKind } from '../../../../src/jobs/ptr-cleanup/index.js';
import { startFoundation, type Harness } from '../../../helpers/foundation-harness.js';
import { deletesIn, startPtrSandbox, zonePtrs, type PtrSandbox } from './helpers.js';

const REQUESTER = 'U0REQ';
const APPROVER = 'U0APPROVER';
// The sandbox clock runs at 1000×: a day of plan expiry is 86 real seconds, so a slow machine never expires a plan before the click.
const POLICY = `planExpiry: 24h\ncommands:\n  ptr-cleanup:\n    run: '*'\n    approve: ['${APPROVER}']\n    settings:\n      requestsPerSecond: 50\n      protectedPatterns: ['^ip-10-0-0-31\\.']\n`;
const ZONES = ['Z0PROD10REVERSE001', 'Z0PROD0010REVERSE2', 'Z0PROD6REVERSE0003'];
const SECOND = 'U0SECOND';

describe('ptr-cleanup through Slack, end to end', () => {
  let sandbox: PtrSandbox;
  let running: Harness | undefined;
  const start = async (policyYaml = POLICY): Promise<Harness> => {
    running = await startFoundation({
      kinds: [ptrCleanupKind],
      policyYaml,
      clock: sandbox.clock,
      clients: sandbox,
      worker: true,
    });
    return running;
  };
  beforeEach(async () => {
    sandbox = await startPtrSandbox();
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await sandbox.stop();
  });

  it('a usage error names the problem and shows an example', async () => {
    const h = await start();
    await h.command('ptr-cleanup purge', REQUESTER);
    const reply = await h.waitForEphemeral(REQUESTER, /Unexpected "purge"/);
    expect(JSON.stringify(reply.blocks)).toContain('/deckhand ptr-cleanup --zone 10.in-addr.arpa --dry-run');
  });

  it('plans, deletes after approval, attaches the deleted records, and restores them on request', async () => {
    const h = await start();
    const before = Object.fromEntries(ZONES.map((id) => [id, zonePtrs(sandbox.cloud, id)]));
    await h.command('ptr-cleanup', REQUESTER);
    const plan = await h.waitForPlan();
    expect(plan.target).toBe('route53/reverse-zones');
    const message = h.planMessage(plan);
    expect(message.text).toMatch(/PTR cleanup: delete \d+ stale PTR records in 3 zones/);
    expect(JSON.stringify(message.blocks)).toContain('target matches a protected pattern: 1');
    const planCsv = await h.slack.waitFor(() => h.slack.thread(plan.channel, plan.messageTs!).find((m) => m.files?.some((f) => f.title.startsWith('PTR cleanup plan'))), 10_000, 'the plan CSV');
    // The stand-in keeps the raw upload body (multipart framing included): look at the CSV lines inside it.
    expect(planCsv.files![0]!.content).toContain('action,zone_id,zone,name,ip,ttl,values,set_identifier,reason\n');
    expect(deletesIn(sandbox.log)).toEqual([]);

    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
    const done = await h.waitForStatus(plan.id, ['succeeded', 'failed'], 20_000);
    expect(done.status).toBe('succeeded');
    const deleted = deletesIn(sandbox.log);
    expect(done.outcome).toContain(`Deleted ${deleted.length} of ${deleted.length} PTR records in 3 zone(s).`);
    expect(done.outcome).toContain(`/deckhand ptr-cleanup restore ${plan.id}`);
    const thread = () => h.slack.thread(plan.channel, plan.messageTs!);
    await h.slack.waitFor(() => thread().find((m) => m.text.startsWith('10.in-addr.arpa.: deleted')), 10_000, 'the zone milestone');
    const backup = await h.slack.waitFor(() => thread().flatMap((m) => m.files ?? []).find((f) => f.title.startsWith('Deleted PTR records')), 10_000, 'the backup file');
    expect(backup.content.split('\n').filter((line) => line.startsWith('deleted,'))).toHaveLength(deleted.length);
    expect((await h.audit.read(200)).filter((e) => e.action.startsWith('route53.ChangeResourceRecordSets'))).toHaveLength(3);
    expect(zonePtrs(sandbox.cloud, 'Z0PROD0010REVERSE2')).toContain('31.0.0.10.in-addr.arpa. 300 - ip-10-0-0-31.ec2.internal.');

    await h.command(`ptr-cleanup restore ${plan.id}`, REQUESTER);
    const restore = await h.waitForPlanFor('route53/reverse-zones', plan.id);
    expect(h.planMessage(restore).text).toContain(`PTR restore of job ${plan.id}: re-create ${deleted.length} PTR records in 3 zones`);
    await h.clickPlan(ActionIds.approve, restore.id, APPROVER);
    expect((await h.waitForStatus(restore.id, ['succeeded', 'failed'], 20_000)).status).toBe('succeeded');
    for (const id of ZONES) expect(zonePtrs(sandbox.cloud, id)).toEqual(before[id]);
  });

  /** Names of the commands `client` sends, in order. */
  const recordCalls = (client: { middlewareStack: Route53Client['middlewareStack'] }, into: string[]) =>
    client.middlewareStack.add(
      (next, context) => async (args) => {
        into.push(context.commandName!);
        return next(args);
      },
      { step: 'initialize', name: 'testCallRecorder' },
    );

  it('approval re-reads the network interfaces, not the zones: a record changed since the plan is left alone by the exact-match DELETE', async () => {
    // At 10× a minute of virtual time is 6 s: the approval's check is still fresh when the worker starts.
    await sandbox.stop();
    sandbox = await startPtrSandbox({ speed: 10 });
    const botRoute53Calls: string[] = [];
    const workerCalls: string[] = [];
    recordCalls(sandbox.bot.route53, botRoute53Calls);
    for (const client of [sandbox.worker.route53, sandbox.worker.ec2]) recordCalls(client as Route53Client, workerCalls);
    const h = await start();
    await h.command('ptr-cleanup', REQUESTER);
    const plan = await h.waitForPlan();
    const callsToPlan = botRoute53Calls.length;
    expect(botRoute53Calls.filter((name) => name === 'ListResourceRecordSetsCommand').length).toBeGreaterThan(0);
    const changed = sandbox.cloud.model.route53.zones.get('Z0PROD10REVERSE001')!.records.find((r) => r.name === '99.1.0.10.in-addr.arpa.')!;
    changed.ttl = 600;

    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
    const done = await h.waitForStatus(plan.id, ['succeeded', 'failed'], 20_000);
    expect(done.status).toBe('succeeded');
    expect(botRoute53Calls.slice(callsToPlan)).toEqual([]);
    // The approval's check of the interfaces is the run's first read: the first batch does not wait for another.
    expect(workerCalls.slice(0, workerCalls.indexOf('ChangeResourceRecordSetsCommand'))).not.toContain('DescribeNetworkInterfacesCommand');
    expect(done.outcome).toContain('1 left alone because they changed since the plan');
    expect(zonePtrs(sandbox.cloud, 'Z0PROD10REVERSE001')).toContain('99.1.0.10.in-addr.arpa. 600 - ip-10-0-1-99.ec2.internal.');
  });

  it('an approval whose re-check takes a while tells the clicker it is under way, then runs once', async () => {
    const h = await start();
    await h.command('ptr-cleanup', REQUESTER);
    const plan = await h.waitForPlan();
    // Every EC2 call now takes longer than the notice's delay: the approval's read of the interfaces is slow.
    sandbox.faults.services.ec2 = { latencyMs: SLOW_APPROVAL_NOTICE_MS + 2_000 };
    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
    await h.waitForEphemeral(APPROVER, /^Approval received: checking that the plan still holds before it runs/);
    sandbox.faults.services.ec2 = {};
    const done = await h.waitForStatus(plan.id, ['succeeded', 'failed'], 30_000);
    expect(done.status).toBe('succeeded');
    expect(h.ephemeralsTo(APPROVER).filter((m) => m.text.startsWith('Approval received'))).toHaveLength(1);
  });

  it('an address taken since the plan refuses the approval, naming the record, and nothing is deleted', async () => {
    const h = await start();
    await h.command('ptr-cleanup', REQUESTER);
    const plan = await h.waitForPlan();
    sandbox.cloud.model.ec2.addNetworkInterface({ networkInterfaceId: 'eni-0f00000000000beef', subnetId: 'subnet-0b00000000000000b', availabilityZone: 'us-east-1b', privateIp: '10.0.33.6', interfaceType: 'interface', inUse: true });
    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
    await h.waitForEphemeral(APPROVER, /changed since this plan was made \(1 PTR record it would delete now names an IP a network interface holds: `6\.33\.0\.10\.in-addr\.arpa\.`\)/);
    expect((await h.plans.get(plan.id))?.status).toBe('expired');
    expect(deletesIn(sandbox.log)).toEqual([]);
  });

  it('while the zones are scanned, the requester sees zones, records read and the time left at the request rate', async () => {
    const h = await start();
    await h.command('ptr-cleanup --dry-run', REQUESTER);
    const progress = await h.waitForEphemeral(REQUESTER, /Planning: [0-3]\/3 zones scanned, [\d,]+ of about [\d,]+ records read; about \d+s left at 50 requests\/s\./);
    expect(progress.text).toContain('Planning: 0/3 zones scanned');
    await h.waitForPlan();
  });

  it('above maxDeletesPerRun the plan is offered but runs only once a second approver agrees', async () => {
    const h = await start(`planExpiry: 24h\ncommands:\n  ptr-cleanup:\n    run: '*'\n    approve: ['${APPROVER}', '${SECOND}']\n    settings:\n      requestsPerSecond: 50\n      maxDeletesPerRun: 10\n`);
    await h.command('ptr-cleanup', REQUESTER);
    const plan = await h.waitForPlan();
    expect(plan.requiredApprovals).toBe(2);
    expect(JSON.stringify(h.planMessage(plan).blocks)).toContain('exceed maxDeletesPerRun (10): a second approver is needed');
    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
    await h.waitForEphemeral(APPROVER, /1 more approval needed/);
    expect((await h.plans.get(plan.id))?.status).toBe('planned');
    expect(deletesIn(sandbox.log)).toEqual([]);
    await h.clickPlan(ActionIds.approve, plan.id, SECOND);
    expect((await h.waitForStatus(plan.id, ['succeeded', 'failed'], 20_000)).status).toBe('succeeded');
    expect(deletesIn(sandbox.log).length).toBeGreaterThan(10);
  });
});
