/**
 * The command and approval surface end to end: signed HTTP into the real Bolt receiver (and the same over
 * Socket Mode envelopes), the Slack stand-in as Slack, real Redis. No worker runs here, so "nothing runs" means "no job enqueued".
 */
import { ActionIds } from '../../../src/blocks/action-ids.js';
import { APPROVAL_WINDOW_CLOSED } from '../../../src/jobs/plans.js';
import { z } from 'zod';
import type { JobKind } from '../../../src/jobs/kind.js';
import { UsageError } from '../../../src/errors.js';
import { startFoundation, TRANSPORTS, type Harness } from '../../helpers/foundation-harness.js';

const REQUESTER = 'U0REQ';
const APPROVER = 'U0APPROVER';
const GROUP_MEMBER = 'U0SREMEMBER';
const STRANGER = 'U0STRANGER';

/** A kind whose observed state the test controls, to change fingerprints on purpose. */
function probeKind(observed: { version: number; observeMs: number; broken?: boolean }): JobKind {
  return {
    command: {
      subcommand: 'probe', summary: 'Probe a target', usage: '/deckhand probe <name> [--count N] [--dry-run]', example: '/deckhand probe alpha --count 2',
      flags: [{ name: 'count', type: 'string', description: 'how many' }, { name: 'dry-run', type: 'bool', description: 'plan only' }],
    },
    mutating: true,
    settingsSchema: z.object({}).strict(),
    parseArgs: (raw) => {
      const name = raw.positionals[0];
      if (!name) throw new UsageError('`probe` needs a target name');
      const count = raw.flags.count === undefined ? 1 : Number(raw.flags.count);
      if (!Number.isInteger(count) || count < 1) throw new UsageError('`--count` must be a positive whole number');
      return { name, count, dryRun: raw.flags['dry-run'] === true };
    },
    isDryRun: (args: { dryRun: boolean }) => args.dryRun,
    target: (args: { name: string }) => `probe/${args.name}`,
    observe: () =>
      new Promise((resolve, reject) =>
        setTimeout(() => (observed.broken ? reject(new Error('the cloud API is down')) : resolve({ version: observed.version })), observed.observeMs),
      ),
    fingerprint: (o: { version: number }) => `v${o.version}`,
    // A negative version stands for a target the kind itself sees as taken (a rollout sees its group's lock tag).
    plan: (o: { version: number }, args: { count: number }) =>
      o.version < 0 ? { kind: 'refusal', reason: 'another probe holds it' } : { kind: 'plan', plan: { count: args.count }, empty: false },
    renderPlan: (plan: { count: number }) => ({ summary: `touch ${plan.count} things`, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `Touch ${plan.count} things` } }] }),
    initialState: () => ({}),
    steps: () => [],
    summarize: () => 'done',
  };
}

const POLICY = `
planExpiry: 5m
commands:
  probe:
    run: ['${REQUESTER}', '${APPROVER}', '@sre']
    approve: ['${APPROVER}', '@sre']
`;

// Slack reaches the bot over HTTP or Socket Mode; every behaviour here must hold over both.
describe.each(TRANSPORTS)('foundation: commands and approvals over %s', (transport) => {
  const observed: { version: number; observeMs: number; broken?: boolean } = { version: 1, observeMs: 0 };
  let h: Harness;

  beforeEach(async () => {
    observed.version = 1;
    observed.observeMs = 0;
    observed.broken = false;
    h = await startFoundation({ kinds: [probeKind(observed)], policyYaml: POLICY, usergroups: { sre: [GROUP_MEMBER] }, transport });
  });
  afterEach(async () => {
    await h.stop();
  });

  async function plan(text = 'probe alpha', user = REQUESTER) {
    const response = await h.command(text, user);
    expect(response.status).toBe(200);
    return h.waitForPlan();
  }

  const jobCount = async () => (await h.queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed'));
  const expiredAudits = async () => (await h.audit.read(50)).filter((e) => e.action === 'plan.expired').map((e) => e.details);
  const totalJobs = async () => Object.values(await jobCount()).reduce((a, b) => a + b, 0);

  it('acks a valid command in under 3 s, before observation, then posts the plan with buttons', async () => {
    observed.observeMs = 1_500;
    const response = await h.command('probe alpha --count 3', REQUESTER);
    expect(response.status).toBe(200);
    expect(response.elapsedMs).toBeLessThan(1_000);
    const stored = await h.waitForPlan();
    expect(stored).toMatchObject({ kind: 'probe', target: 'probe/alpha', status: 'planned', requestedBy: REQUESTER, fingerprint: 'v1', dryRun: false });
    const message = h.planMessage(stored);
    expect(message.text).toContain('touch 3 things');
    const json = JSON.stringify(message.blocks);
    expect(json).toContain(ActionIds.approve);
    expect(json).toContain(ActionIds.reject);
    const audit = await h.audit.read(10);
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['command', 'plan.created']));
  });

  it.each([
    ['empty', '', /No subcommand given/],
    ['unknown subcommand', 'prob alpha', /Unknown subcommand `prob`\. Did you mean `probe`/],
    ['bad flag', 'probe alpha --cuont 2', /Unknown flag `--cuont`/],
    ['missing value', 'probe alpha --count', /`--count` needs a value/],
    ['wrong type (kind parseArgs)', 'probe alpha --count many', /`--count` must be a positive whole number/],
    ['missing argument (kind parseArgs)', 'probe', /`probe` needs a target name/],
    ['10 kB of junk', 'z'.repeat(10_000), /too long/],
    ['unicode', 'プローブ 🚀', /Unknown subcommand/],
    ['shell metacharacters', 'probe alpha; rm -rf / --count $(id)', /Unknown flag `-rf`/],
  ])('answers %s with an ephemeral usage error and an example, and stores no plan', async (_name, text, pattern) => {
    const response = await h.command(text, REQUESTER);
    expect(response.status).toBe(200);
    const reply = await h.waitForEphemeral(REQUESTER, pattern);
    expect(JSON.stringify(reply.blocks)).toContain('For example');
    expect(reply.text.length).toBeLessThan(600);
    expect(await h.plans.listByChannel(h.channel, 5)).toEqual([]);
    expect(h.slack.callsTo('chat.postMessage')).toEqual([]);
  });

  it('help lists only what the caller may use; jobs and status show the channel', async () => {
    await h.command('help', STRANGER);
    const help = await h.waitForEphemeral(STRANGER, /deckhand subcommands/);
    expect(help.text).toBe('deckhand subcommands: help, jobs, status');
    await h.command('help', GROUP_MEMBER);
    await h.waitForEphemeral(GROUP_MEMBER, /^deckhand subcommands: help, jobs, status, probe$/);
    await h.command('probe alpha', STRANGER);
    await h.waitForEphemeral(STRANGER, /You may not use `\/deckhand probe`/);
    const stored = await plan();
    await h.command('jobs', STRANGER);
    const jobs = await h.waitForEphemeral(STRANGER, /1 deckhand jobs/);
    expect(JSON.stringify(jobs.blocks)).toContain(stored.id);
    await h.command(`status ${stored.id}`, STRANGER);
    await h.waitForEphemeral(STRANGER, new RegExp(`${stored.id}: probe probe/alpha planned`));
  });

  it('approve by an authorized user enqueues one job with jobId = plan id and says who approved', async () => {
    const stored = await plan();
    await h.clickPlan(ActionIds.approve, stored.id, APPROVER);
    const approved = await h.waitForStatus(stored.id, ['approved']);
    expect(approved.decidedBy).toBe(APPROVER);
    expect(await h.locks.holder('probe/alpha')).toContain(stored.id);
    expect((await h.queue.getJob(stored.id))?.data).toEqual({ planId: stored.id });
    await h.slack.waitFor(() => JSON.stringify(h.planMessage(approved).blocks).includes(`Approved by <@${APPROVER}>`), 5_000, 'Approved by');
    expect(JSON.stringify(h.planMessage(approved).blocks)).not.toContain(ActionIds.approve);
  });

  it('a user-group member may approve', async () => {
    const stored = await plan();
    await h.clickPlan(ActionIds.approve, stored.id, GROUP_MEMBER);
    await h.waitForStatus(stored.id, ['approved']);
    expect(h.slack.callsTo('usergroups.users.list')).toHaveLength(1);
  });

  it('reject: the plan is rejected, buttons go, nothing is enqueued', async () => {
    const stored = await plan();
    await h.clickPlan(ActionIds.reject, stored.id, REQUESTER);
    const rejected = await h.waitForStatus(stored.id, ['rejected']);
    await h.slack.waitFor(() => /Rejected/.test(JSON.stringify(h.planMessage(rejected).blocks)), 5_000, 'Rejected');
    expect(JSON.stringify(h.planMessage(rejected).blocks)).not.toContain(ActionIds.approve);
    await h.clickPlan(ActionIds.approve, stored.id, APPROVER);
    await h.waitForEphemeral(APPROVER, /rejected/);
    expect(await totalJobs()).toBe(0);
  });

  it('unauthorized and self-approval clicks are refused ephemerally and change nothing', async () => {
    const stored = await plan();
    await h.clickPlan(ActionIds.approve, stored.id, STRANGER);
    await h.waitForEphemeral(STRANGER, /You may not approve `probe` plans/);
    await h.clickPlan(ActionIds.reject, stored.id, STRANGER);
    await h.waitForEphemeral(STRANGER, /Only the requester or an approver may reject/);
    await h.command('probe beta', APPROVER);
    const selfPlan = await h.waitForPlanFor('probe/beta');
    await h.clickPlan(ActionIds.approve, selfPlan.id, APPROVER);
    await h.waitForEphemeral(APPROVER, /someone else must approve/);
    expect((await h.plans.get(stored.id))?.status).toBe('planned');
    expect((await h.plans.get(selfPlan.id))?.status).toBe('planned');
    expect(await totalJobs()).toBe(0);
    expect(await h.locks.holder('probe/alpha')).toBeUndefined();
  });

  it('two concurrent approve clicks enqueue exactly one job', async () => {
    const stored = await plan();
    const [a, b] = await Promise.all([h.clickPlan(ActionIds.approve, stored.id, APPROVER), h.clickPlan(ActionIds.approve, stored.id, GROUP_MEMBER)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const approved = await h.waitForStatus(stored.id, ['approved']);
    // Both handlers have finished once the winner updated the plan message and the loser was told.
    await h.slack.waitFor(() => /Approved, queued/.test(JSON.stringify(h.planMessage(approved).blocks)), 5_000, 'the approved plan message');
    await h.slack.waitFor(
      () => [APPROVER, GROUP_MEMBER].some((user) => h.ephemeralsTo(user).some((m) => /already approved/.test(m.text))),
      5_000,
      'the losing click told the plan is already approved',
    );
    expect(await totalJobs()).toBe(1);
    const approvals = (await h.audit.read(50)).filter((e) => e.action === 'plan.approved');
    expect(approvals).toHaveLength(1);
    expect(await h.locks.holder('probe/alpha')).toContain(stored.id);
  });

  it('an internal error while planning or approving reaches the user as a reference id and changes nothing', async () => {
    const stored = await plan();
    observed.broken = true;
    await h.clickPlan(ActionIds.approve, stored.id, APPROVER);
    await h.waitForEphemeral(APPROVER, /Something went wrong on our side \(reference ERR-[0-9A-Z]+\)/);
    expect((await h.plans.get(stored.id))?.status).toBe('planned');
    await h.command('probe beta', REQUESTER);
    await h.waitForEphemeral(REQUESTER, /Something went wrong on our side \(reference ERR-[0-9A-Z]+\)\. Nothing was changed/);
    expect((await h.plans.listByChannel(h.channel, 5)).map((p) => p.target)).toEqual(['probe/alpha']);
    expect(await totalJobs()).toBe(0);
    expect(await h.locks.holder('probe/alpha')).toBeUndefined();
  });

  it('an expired plan is refused and its buttons removed', async () => {
    const stored = await plan();
    await h.plans.update(stored.id, { expiresAt: Date.now() - 1 });
    await h.clickPlan(ActionIds.approve, stored.id, APPROVER);
    await h.waitForEphemeral(APPROVER, /expired/);
    const expired = await h.waitForStatus(stored.id, ['expired']);
    await h.slack.waitFor(() => /Expired/.test(JSON.stringify(h.planMessage(expired).blocks)), 5_000, 'Expired');
    expect(JSON.stringify(h.planMessage(expired).blocks)).not.toContain(ActionIds.approve);
    expect(await totalJobs()).toBe(0);
    // The click and the sweep may race to expire it; either way it is reported once, the same way.
    expect(expired.outcome).toBe(APPROVAL_WINDOW_CLOSED);
    expect(await expiredAudits()).toEqual([{ reason: APPROVAL_WINDOW_CLOSED }]);
  });

  it('an undecided plan expires on its own and loses its buttons', async () => {
    const stored = await plan();
    await h.plans.update(stored.id, { expiresAt: Date.now() - 1 });
    const expired = await h.waitForStatus(stored.id, ['expired'], 5_000);
    await h.slack.waitFor(() => /Expired/.test(JSON.stringify(h.planMessage(expired).blocks)), 5_000, 'Expired');
    expect(JSON.stringify(h.planMessage(expired).blocks)).not.toContain(ActionIds.approve);
    expect(expired.outcome).toBe(APPROVAL_WINDOW_CLOSED);
    expect(await expiredAudits()).toEqual([{ reason: APPROVAL_WINDOW_CLOSED }]);
  });

  it('a plan whose target changed since planning is refused and expired', async () => {
    const stored = await plan();
    observed.version = 2;
    await h.clickPlan(ActionIds.approve, stored.id, APPROVER);
    await h.waitForEphemeral(APPROVER, /changed since this plan was made/);
    await h.waitForStatus(stored.id, ['expired']);
    expect(await totalJobs()).toBe(0);
    expect(await expiredAudits()).toEqual([{ reason: '`probe/alpha` changed since this plan was made.' }]);
  });

  it('approval of a second plan on a locked target is refused naming the holder', async () => {
    const first = await plan('probe alpha');
    await h.clickPlan(ActionIds.approve, first.id, APPROVER);
    await h.waitForStatus(first.id, ['approved']);
    await h.command('probe alpha --count 2', REQUESTER);
    const second = await h.waitForPlanFor('probe/alpha', first.id);
    await h.clickPlan(ActionIds.approve, second.id, APPROVER);
    const refusal = await h.waitForEphemeral(APPROVER, /is busy/);
    expect(refusal.text).toContain(`plan \`${first.id}\``);
    expect(refusal.text).toContain(`<@${REQUESTER}>`);
    expect((await h.plans.get(second.id))?.status).toBe('planned');
    expect(await totalJobs()).toBe(1);
  });

  it('a plan refused because its target is taken names who holds the lock and what they are doing', async () => {
    const first = await plan('probe alpha');
    await h.clickPlan(ActionIds.approve, first.id, APPROVER);
    await h.waitForStatus(first.id, ['approved']);
    observed.version = -1;
    await h.command('probe alpha', APPROVER);
    const refusal = await h.waitForEphemeral(APPROVER, /will not plan this/);
    expect(refusal.text).toContain(`another probe holds it. \`probe/alpha\` is locked by <@${REQUESTER}>'s probe (touch 1 things; plan \`${first.id}\`)`);
  });

  it('an older plan for a target another run holds (and changes) is refused as busy, naming who and what, not expired', async () => {
    const older = await plan('probe alpha');
    await h.command('probe alpha --count 2', REQUESTER);
    const running = await h.waitForPlanFor('probe/alpha', older.id);
    await h.clickPlan(ActionIds.approve, running.id, APPROVER);
    await h.waitForStatus(running.id, ['approved']);
    observed.version = 2; // what that run changes
    await h.clickPlan(ActionIds.approve, older.id, APPROVER);
    const refusal = await h.waitForEphemeral(APPROVER, /is busy/);
    expect(refusal.text).toContain(`<@${REQUESTER}>'s probe (`);
    expect(refusal.text).toContain(`plan \`${running.id}\``);
    expect((await h.plans.get(older.id))?.status).toBe('planned');
    expect(await expiredAudits()).toEqual([]);
  });
});

describe('foundation: the safe default without a policy file', () => {
  it('lets anyone plan, nobody approve, and the plan message says how to fix it', async () => {
    const h = await startFoundation({ kinds: [probeKind({ version: 1, observeMs: 0 })] });
    try {
      await h.command('probe alpha', REQUESTER);
      const stored = await h.waitForPlan();
      const blocks = JSON.stringify(h.planMessage(stored).blocks);
      expect(blocks).toContain('Nobody may approve');
      expect(blocks).toContain("approve: ['@sre']");
      expect(blocks).not.toContain(ActionIds.approve);
      await h.clickPlan(ActionIds.approve, stored.id, STRANGER);
      await h.waitForEphemeral(STRANGER, /Nobody may approve `probe` plans yet/);
      expect((await h.plans.get(stored.id))?.status).toBe('planned');
    } finally {
      await h.stop();
    }
  });
});

describe('foundation: policy options', () => {
  const OTHER = 'U0OTHERAPPROVER';
  let h: Harness;
  beforeEach(async () => {
    h = await startFoundation({
      kinds: [probeKind({ version: 1, observeMs: 0 })],
      policyYaml: `
channels: [C0OPS, C0LAB]
commands:
  probe:
    run: '*'
    approve: ['${APPROVER}', '${OTHER}', '${REQUESTER}']
    selfApprove: true
    approvals: 2
  jobs:
    run: '*'
    channels: [C0LAB]
`,
    });
  });
  afterEach(async () => {
    await h.stop();
  });

  it('needs the configured number of distinct approvals; a self-approval counts when allowed', async () => {
    await h.command('probe alpha', REQUESTER);
    const stored = await h.waitForPlan();
    await h.clickPlan(ActionIds.approve, stored.id, REQUESTER);
    await h.waitForEphemeral(REQUESTER, /1 more approval needed/);
    await h.clickPlan(ActionIds.approve, stored.id, REQUESTER);
    await h.waitForEphemeral(REQUESTER, /You already approved this plan; it needs 1 more approval from someone else/);
    expect((await h.plans.get(stored.id))?.status).toBe('planned');
    await h.slack.waitFor(() => JSON.stringify(h.planMessage(stored).blocks).includes('1 of 2 approvals'), 5_000, '1 of 2 approvals');
    await h.clickPlan(ActionIds.approve, stored.id, OTHER);
    const approved = await h.waitForStatus(stored.id, ['approved']);
    expect(approved.approvals.map((a) => a.user)).toEqual([REQUESTER, OTHER]);
    expect(await h.queue.getJob(stored.id)).toBeDefined();
  });

  it('refuses channels outside the allowed lists', async () => {
    await h.command('help', REQUESTER, { channel: 'C0RANDOM' });
    await h.waitForEphemeral(REQUESTER, /not enabled in this channel/, 'C0RANDOM');
    await h.command('jobs', REQUESTER);
    await h.waitForEphemeral(REQUESTER, /only allowed in/);
    await h.command('jobs', REQUESTER, { channel: 'C0LAB' });
    await h.waitForEphemeral(REQUESTER, /No deckhand jobs/, 'C0LAB');
  });
});

describe('foundation: signed HTTP', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startFoundation({ kinds: [probeKind({ version: 1, observeMs: 0 })], policyYaml: POLICY });
  });
  afterEach(async () => {
    await h.stop();
  });

  it('rejects a forged signature and a stale timestamp with 401, and stores nothing', async () => {
    expect((await h.command('probe alpha', REQUESTER, { forgeSignature: true })).status).toBe(401);
    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60;
    expect((await h.command('probe alpha', REQUESTER, { timestamp: sixMinutesAgo })).status).toBe(401);
    // The receiver answers 401 before dispatching to any handler, so nothing can follow later.
    expect(await h.plans.listByChannel(h.channel, 5)).toEqual([]);
    expect(h.slack.callsTo('chat.postMessage')).toEqual([]);
  });
});

describe('foundation: Socket Mode', () => {
  it('needs no signing secret, acks over the socket, and reconnects when Slack asks it to', async () => {
    const h = await startFoundation({ kinds: [probeKind({ version: 1, observeMs: 0 })], policyYaml: POLICY, transport: 'socket' });
    try {
      expect(h.config.slack.signingSecret).toBe('');
      expect((await h.command('probe alpha', REQUESTER)).status).toBe(200);
      await h.waitForPlan();
      const opened = h.slack.callsTo('apps.connections.open').length;
      h.socketMode!.refresh();
      await h.slack.waitFor(() => h.slack.callsTo('apps.connections.open').length > opened, 10_000, 'a new Socket Mode connection');
      await h.socketMode!.waitForConnections(1);
      expect((await h.command('probe beta', REQUESTER)).status).toBe(200);
      await h.waitForPlanFor('probe/beta');
    } finally {
      await h.stop();
    }
  });
});
