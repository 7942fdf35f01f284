/**
 * The whole loop: `/deckhand ptr-cleanup` → plan message with the CSV → Approve → BullMQ worker →
 * milestones, the deleted records attached to the thread → `/deckhand ptr-cleanup restore <job>` →
 * Approve → every record back. The simulated AWS account sits behind the real SDK clients.
 */
import { ActionIds } from '../../../../src/blocks/action-ids.js';
import { ptrCleanupKind } from '../../../../src/jobs/ptr-cleanup/index.js';
import { startFoundation, type Harness } from '../../../helpers/foundation-harness.js';
import { deletesIn, startPtrSandbox, zonePtrs, type PtrSandbox } from './helpers.js';

const REQUESTER = 'U0REQ';
const APPROVER = 'U0APPROVER';
// The sandbox clock runs at 1000×: a day of plan expiry is 86 real seconds, so a slow machine never expires a plan before the click.
const POLICY = `planExpiry: 24h\ncommands:\n  ptr-cleanup:\n    approve: ['${APPROVER}']\n    settings:\n      requestsPerSecond: 50\n      protectedPatterns: ['^ip-10-0-0-31\\.']\n`;
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

  it('above maxDeletesPerRun the plan is offered but runs only once a second approver agrees', async () => {
    const h = await start(`planExpiry: 24h\ncommands:\n  ptr-cleanup:\n    approve: ['${APPROVER}', '${SECOND}']\n    settings:\n      requestsPerSecond: 50\n      maxDeletesPerRun: 10\n`);
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
