/**
 * Hostile and careless input against the real bot over signed HTTP (issue 16): permissions come from
 * server-side state only, whatever a (validly signed) button value claims, and a click or command reaches
 * only the plans, jobs and channels its own channel may.
 */
import { ActionIds } from '../../../src/blocks/action-ids.js';
import type { StoredPlan } from '../../../src/integrations/redis/plan-store.js';
import { describeGroup } from '../../../src/integrations/aws/auto-scaling.js';
import { ptrCleanupKind } from '../../../src/jobs/ptr-cleanup/index.js';
import { rolloutKind } from '../../../src/jobs/rollout/index.js';
import { resizeKind } from '../../../src/jobs/volume-resize/index.js';
import { PRODUCT_REPORTS } from '../../../src/reports/registry.js';
import { VirtualClock } from '../../../sandbox/src/clock.js';
import type { StoredMessage } from '../../../sandbox/src/slack/web-api.js';
import { createFixtureKind, fixtureKeys } from '../../helpers/fixture-kind.js';
import { CHANNEL, startFixtureFoundation, startFoundation, type Harness } from '../../helpers/foundation-harness.js';
import { startTestSandbox, type TestSandbox } from '../../helpers/sandbox.js';
import { startPtrSandbox, type PtrSandbox } from '../jobs/ptr-cleanup/helpers.js';

const REQUESTER = 'U0REQ';
const LEAD = 'U0LEAD';
const APPROVER = 'U0APPROVER';
const POLICY = `
commands:
  fixture:
    run: ['${REQUESTER}', '${LEAD}']
    approve: ['${LEAD}', '${APPROVER}']
`;

describe('hostile input: force and approval rights', () => {
  let h: Harness;
  let clock: VirtualClock;

  beforeEach(async () => {
    clock = new VirtualClock(Date.now(), 20);
    h = await startFixtureFoundation({ policyYaml: POLICY, clock, worker: true });
  });
  afterEach(async () => {
    await h.stop();
    clock.stop();
  });

  async function askingRun(name: string, requester: string): Promise<{ plan: StoredPlan; question: StoredMessage }> {
    await h.command(`fixture ${name} --steps 2 --ask-step step-1`, requester);
    const plan = await h.waitForPlan();
    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
    const question = await h.slack.waitFor(
      () => h.slack.thread(plan.channel, plan.messageTs!).find((m) => JSON.stringify(m.blocks).includes(ActionIds.answer)),
      10_000,
      'the question in the thread',
    );
    return { plan, question };
  }

  const stepsRun = (plan: StoredPlan) => h.redis.lrange(fixtureKeys(h.prefix).runsKey(plan.id), 0, -1);

  it('an approver-only choice follows the no-self-approve rule: a requester who is an approver cannot force their own run', async () => {
    const { plan, question } = await askingRun('selfforce', LEAD);
    const stop = { planId: plan.id, questionId: 'confirm-step-1', choice: 'stop' };
    await h.click(ActionIds.answer, stop, LEAD, question.ts);
    await h.waitForEphemeral(LEAD, /You requested this job, so another approver must pick that choice/);
    expect(await h.signals.getAnswer(plan.id, stop.questionId)).toBeUndefined();

    await h.click(ActionIds.answer, stop, APPROVER, question.ts);
    const done = await h.waitForStatus(plan.id, ['failed', 'succeeded']);
    expect(done.outcome).toContain('stopped at step-1 by the answer');
    // The run's signals go with the run; the audit keeps who picked what.
    const answers = (await h.audit.read(100)).filter((e) => e.planId === plan.id && e.action === 'run.answer');
    expect(answers.map((e) => ({ by: e.actor, ...e.details }))).toEqual([{ by: APPROVER, questionId: stop.questionId, choice: 'stop' }]);
  });

  it('a forged button value cannot make an approver-only choice open to others, nor invent a choice', async () => {
    const { plan, question } = await askingRun('forged', REQUESTER);
    const rendered = JSON.stringify(question.blocks);
    expect(rendered).not.toContain('needsApprover');
    for (const forged of [
      { planId: plan.id, questionId: 'confirm-step-1', choice: 'stop', needsApprover: false },
      { planId: plan.id, questionId: 'confirm-step-1', choice: 'stop' },
    ]) {
      await h.click(ActionIds.answer, forged, REQUESTER, question.ts);
    }
    await h.slack.waitFor(() => h.ephemeralsTo(REQUESTER).filter((m) => /Only an approver of this job may pick that choice/.test(m.text)).length === 2, 10_000, 'two refusals');
    await h.click(ActionIds.answer, { planId: plan.id, questionId: 'confirm-step-1', choice: 'force' }, REQUESTER, question.ts);
    await h.click(ActionIds.answer, { planId: plan.id, questionId: 'made-up', choice: 'continue' }, REQUESTER, question.ts);
    await h.slack.waitFor(() => h.ephemeralsTo(REQUESTER).filter((m) => /not asking that question, or that is not one of its choices/.test(m.text)).length === 2, 10_000, 'two unknown-choice refusals');
    expect(await h.signals.getAnswer(plan.id, 'confirm-step-1')).toBeUndefined();
    expect(await h.signals.getAnswer(plan.id, 'made-up')).toBeUndefined();

    await h.click(ActionIds.answer, { planId: plan.id, questionId: 'confirm-step-1', choice: 'continue' }, REQUESTER, question.ts);
    const done = await h.waitForStatus(plan.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    expect(await stepsRun(plan)).toEqual(['step-1', 'step-2']);
    const refused = (await h.audit.read(100)).filter((e) => e.action === 'answer.refused');
    expect(refused).toHaveLength(4);
  });
});

describe('hostile input: Slack user groups unavailable', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startFoundation({
      kinds: ({ redis, prefix }) => [createFixtureKind(redis, prefix)],
      policyYaml: `commands:\n  fixture:\n    run: ['@sre']\n    approve: ['@sre']\n`,
      usergroups: { sre: [REQUESTER] },
    });
  });
  afterEach(async () => {
    await h.stop();
  });

  it('the user is told at once why nothing happened; 20 simultaneous commands make one group-list call', async () => {
    // The bot's Slack client tries 3 times: fail them all.
    for (let i = 0; i < 3; i++) h.slack.failNext('usergroups.list', { status: 500 });
    const started = Date.now();
    await h.command('fixture down --steps 1', REQUESTER);
    await h.waitForEphemeral(REQUESTER, /could not check your Slack user groups \(usergroups\.list: .*\), so nothing was done/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await h.plans.listByChannel(h.channel, 5)).toEqual([]);

    const before = h.slack.callsTo('usergroups.list').length;
    await Promise.all(Array.from({ length: 20 }, (_, i) => h.command(`fixture burst-${i} --steps 1 --dry-run`, REQUESTER)));
    for (const deadline = Date.now() + 20_000; (await h.plans.listByChannel(h.channel, 30)).length < 20; await new Promise((r) => setTimeout(r, 50))) {
      if (Date.now() > deadline) throw new Error('20 dry-run plans were not stored');
    }
    expect(h.slack.callsTo('usergroups.list').length - before).toBe(1);
  });
});

describe('hostile input: a click or command acts only on its own channel', () => {
  const OTHER = 'C0OTHER';
  let h: Harness;
  let clock: VirtualClock;

  beforeEach(async () => {
    clock = new VirtualClock(Date.now(), 20);
    h = await startFixtureFoundation({ policyYaml: POLICY, clock });
  });
  afterEach(async () => {
    await h.stop();
    clock.stop();
  });

  it('Approve, Reject, Cancel and answers carrying a plan id of another channel change nothing', async () => {
    await h.command('fixture elsewhere --steps 2', REQUESTER);
    const plan = await h.waitForPlan();
    for (const action of [ActionIds.approve, ActionIds.reject]) await h.click(action, { planId: plan.id }, APPROVER, plan.messageTs!, { channel: OTHER });
    await h.slack.waitFor(() => h.ephemeralsTo(APPROVER, OTHER).filter((m) => /no such plan in this channel/.test(m.text)).length === 2, 10_000, 'two refusals in the other channel');
    expect((await h.plans.get(plan.id))?.status).toBe('planned');
    expect(await h.queue.getJob(plan.id)).toBeUndefined();

    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
    await h.waitForStatus(plan.id, ['approved']);
    await h.click(ActionIds.cancel, { planId: plan.id }, REQUESTER, plan.messageTs!, { channel: OTHER });
    await h.click(ActionIds.pause, { planId: plan.id }, REQUESTER, plan.messageTs!, { channel: OTHER });
    await h.slack.waitFor(() => h.ephemeralsTo(REQUESTER, OTHER).filter((m) => /no such job in this channel/.test(m.text)).length === 2, 10_000, 'two refusals');
    expect(await h.signals.cancelRequested(plan.id)).toBeUndefined();
    expect(await h.signals.isPaused(plan.id)).toBe(false);
    const refused = (await h.audit.read(100)).filter((e) => e.action.endsWith('.refused') && (e.details as { reason?: string } | undefined)?.reason === 'plan of another channel');
    expect(refused.map((e) => e.action).sort()).toEqual(['approve.refused', 'cancel.refused', 'pause.refused', 'reject.refused']);
  });
});

describe('hostile input: reports read only allowed channels', () => {
  const INCIDENT = 'C0INCIDENT';
  let h: Harness;

  beforeEach(async () => {
    h = await startFoundation({
      kinds: [],
      reports: PRODUCT_REPORTS,
      policyYaml: `channels: [${CHANNEL}]\ncommands:\n  postmortem: { run: ['${REQUESTER}'] }\n`,
      channels: { [CHANNEL]: 'ops', [INCIDENT]: 'incident-2026-01-05' },
    });
  });
  afterEach(async () => {
    await h.stop();
  });

  it('postmortem of a public channel outside `channels:` is refused and reads nothing from it', async () => {
    h.slack.seedMessage(INCIDENT, { user: REQUESTER, ts: `${Math.floor(Date.now() / 1000) - 60}.000001`, text: 'db password is hunter2' });
    for (const ref of [INCIDENT, '#incident-2026-01-05']) await h.command(`postmortem ${ref}`, REQUESTER);
    const refusal = new RegExp(`may only read <#${CHANNEL}>, not <#${INCIDENT}>`);
    await h.slack.waitFor(() => h.ephemeralsTo(REQUESTER).filter((m) => refusal.test(m.text)).length === 2, 10_000, 'two refusals');
    expect(h.slack.callsTo('conversations.history')).toEqual([]);
    expect(h.slack.messages(CHANNEL).filter((m) => !m.ephemeralTo)).toEqual([]);
  });
});

describe('hostile input: ptr-cleanup restore names only jobs of its own channel', () => {
  const OTHER = 'C0OTHER';
  let sandbox: PtrSandbox;
  let h: Harness;

  const start = async (settings = '') => {
    h = await startFoundation({
      kinds: [ptrCleanupKind],
      policyYaml: `commands:\n  ptr-cleanup:\n    run: '*'\n    approve: ['${APPROVER}']\n    settings:\n      requestsPerSecond: 50\n${settings}`,
      clock: sandbox.clock,
      clients: sandbox,
      worker: true,
    });
  };
  beforeEach(async () => {
    sandbox = await startPtrSandbox();
  });
  afterEach(async () => {
    await h.stop();
    await sandbox.stop();
  });

  it('restore --dry-run of another channel\'s cleanup is refused and posts none of its records', async () => {
    await start();
    await h.command('ptr-cleanup', REQUESTER);
    const plan = await h.waitForPlan();
    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
    expect((await h.waitForStatus(plan.id, ['succeeded', 'failed'], 20_000)).status).toBe('succeeded');

    await h.command(`ptr-cleanup restore ${plan.id} --dry-run`, REQUESTER, { channel: OTHER });
    await h.waitForEphemeral(REQUESTER, new RegExp(`there is no job \`${plan.id}\` in this channel`), OTHER);
    expect(h.slack.messages(OTHER).filter((m) => !m.ephemeralTo)).toEqual([]);
    expect(await h.plans.listByChannel(OTHER, 5)).toEqual([]);

    await h.command(`ptr-cleanup restore ${plan.id} --dry-run`, REQUESTER);
    const restore = await h.waitForPlanFor('route53/reverse-zones', plan.id);
    expect(h.planMessage(restore).text).toContain(`PTR restore of job ${plan.id}`);
  });

  it('zones outside the policy\'s `zones` are refused when named and left alone otherwise', async () => {
    await start(`      zones: ['0.0.10.in-addr.arpa']\n`);
    await h.command('ptr-cleanup --zone 10.in-addr.arpa --dry-run', REQUESTER);
    await h.waitForEphemeral(REQUESTER, /the policy does not let ptr-cleanup touch `10.in-addr.arpa.`/);
    await h.command('ptr-cleanup --dry-run', REQUESTER);
    const plan = await h.waitForPlan();
    const zones = (plan.plan as { scanned: { id: string }[] }).scanned.map((z) => z.id);
    expect(zones).toEqual(['Z0PROD0010REVERSE2']);
  });
});

describe('hostile input: targets and numbers are bounded by the policy', () => {
  let env: TestSandbox;
  let h: Harness;
  const rolloutPolicy = (settings: string) =>
    `commands:\n  resize:\n    run: '*'\n    settings:\n      namespaces: ['search', 'team-*']\n  rollout:\n    run: '*'\n    approve: ['${APPROVER}']\n    settings:\n${settings}`;
  const start = async (settings: string) => {
    h = await startFoundation({ kinds: [rolloutKind, resizeKind], policyYaml: rolloutPolicy(settings), clock: env.clock, clients: env });
  };
  beforeEach(async () => {
    env = await startTestSandbox({ speed: 100, maxAttempts: 3 });
  });
  afterEach(async () => {
    await h.stop();
    await env.stop();
  });

  const refusals = () => h.ephemeralsTo(REQUESTER).filter((m) => m.text.includes('deckhand will not plan this'));
  const group = async () => (await describeGroup(env.bot.autoScaling, 'eks-prod-workers'))!;

  it('--surge, --max-unavailable and --drain-timeout above the policy limits, unknown clusters and groups outside the scope are refused', async () => {
    await start(`      groups: ['eks-prod-work*']\n      limits: { surge: 4, maxUnavailable: 1, drainTimeout: 1h }\n`);
    const before = await group();
    const cases: [string, RegExp][] = [
      ['rollout eks-prod-workers --surge 999999', /--surge 999999 is above the policy's limit of 4/],
      ['rollout eks-prod-workers --max-unavailable 5', /--max-unavailable 5 is above the policy's limit of 1/],
      ['rollout eks-prod-workers --drain-timeout 2d', /--drain-timeout 48h is above the policy's limit of 1h/],
      ['rollout eks-prod-workers --cluster anything', /unknown cluster 'anything'; known: none/],
      ['rollout eks-prod-system', /does not let rollouts touch eks-prod-system/],
      ['resize data/pgdata-postgres-0 30Gi --dry-run', /does not let resize touch namespace data/],
    ];
    for (const [text] of cases) await h.command(text, REQUESTER);
    await h.slack.waitFor(() => refusals().length === cases.length, 20_000, `${cases.length} refusals`);
    for (const [, pattern] of cases) expect(refusals().some((m) => pattern.test(m.text))).toBe(true);
    await h.command('rollout eks-prod-workers --surge 99999999', REQUESTER);
    await h.waitForEphemeral(REQUESTER, /--surge must be a whole number/);
    expect(await h.plans.listByChannel(h.channel, 10)).toEqual([]);
    expect(await group()).toEqual(before);
  });

  it('one lock per group: --cluster does not change what a rollout locks', async () => {
    await start(`      clusters: { prod: sandbox }\n`);
    await h.command('rollout eks-prod-workers', REQUESTER);
    const first = await h.waitForPlan();
    await h.command('rollout eks-prod-workers --cluster prod', REQUESTER);
    const second = await h.waitForPlanFor('asg/eks-prod-workers', first.id);
    expect(second.target).toBe(first.target);
    await h.clickPlan(ActionIds.approve, first.id, APPROVER);
    await h.waitForStatus(first.id, ['approved']);
    await h.clickPlan(ActionIds.approve, second.id, APPROVER);
    await h.waitForEphemeral(APPROVER, /`asg\/eks-prod-workers` is busy: it is locked by /);
    expect((await h.plans.get(second.id))?.status).toBe('planned');
    expect(await h.queue.getJob(second.id)).toBeUndefined();
  });
});
