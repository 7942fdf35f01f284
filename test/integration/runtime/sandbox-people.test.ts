/**
 * The sandbox's banner and its policy agree (sandbox/src/terminal/people.ts): every command the banner suggests
 * runs for alice, every plan among them is approved by the people the banner lists as its approvers (a PTR
 * cleanup past maxDeletesPerRun needs two), and carol is allowed exactly what the banner says — through the
 * real bot, its policy file and the Slack stand-in's user groups.
 */
import { ActionIds } from '../../../src/blocks/action-ids.js';
import { PRODUCT_KINDS } from '../../../src/jobs/registry.js';
import { PRODUCT_REPORTS } from '../../../src/reports/registry.js';
import { PEOPLE, SANDBOX_POLICY, SUGGESTED_COMMANDS, USERGROUPS, rightsOf, type PersonName, type Rights } from '../../../sandbox/src/terminal/people.js';
import { startFoundation, type Harness } from '../../helpers/foundation-harness.js';
import { until } from '../../helpers/until.js';
import { startTestSandbox, type TestSandbox } from '../../helpers/sandbox.js';

const INCIDENT = 'C0INCIDENT';
const subcommandOf = (command: string) => command.split(' ')[0]!;

describe('the sandbox banner against its policy', () => {
  let env: TestSandbox;
  let h: Harness;
  let rights: Record<PersonName, Rights>;
  beforeAll(async () => {
    env = await startTestSandbox({ speed: 100 });
    h = await startFoundation({
      kinds: PRODUCT_KINDS,
      reports: PRODUCT_REPORTS,
      policyYaml: SANDBOX_POLICY,
      clock: env.clock,
      clients: env,
      users: Object.fromEntries(Object.values(PEOPLE).map(({ id }, i) => [id, { name: Object.keys(PEOPLE)[i]! }])),
      usergroups: USERGROUPS,
      channels: { C0OPS: 'ops', [INCIDENT]: 'incident-2026-01-05' },
    });
    rights = await rightsOf(h.config);
  });
  afterAll(async () => {
    await h.stop();
    await env.stop();
  });

  it('says carol may only read, and the leads approve every change', () => {
    expect(rights.carol).toEqual({ run: expect.arrayContaining(['help', 'jobs', 'status', 'cost']), approve: [] });
    expect(rights.carol.run).not.toContain('rollout');
    // Two besides the requester for each change: a PTR cleanup over maxDeletesPerRun or maxZoneShare needs a second.
    for (const sub of ['rollout', 'ptr-cleanup', 'resize']) {
      expect((Object.keys(PEOPLE) as PersonName[]).filter((name) => name !== 'alice' && rights[name].approve.includes(sub))).toHaveLength(2);
    }
  });

  it.each(SUGGESTED_COMMANDS)('/deckhand %s: alice runs it; a plan is approved by the listed approvers', async (command) => {
    const sub = subcommandOf(command);
    expect(rights.alice.run).toContain(sub);
    const before = (await h.plans.listByChannel(h.channel, 50)).map((p) => p.id);
    const messages = h.slack.messages(h.channel).length;
    await h.command(command, PEOPLE.alice.id);
    if (!['rollout', 'ptr-cleanup', 'resize'].includes(sub)) {
      // Answered, not refused (reports and read-only commands answer in the channel or to alice alone).
      await until('an answer', () => h.slack.messages(h.channel).length > messages, 30_000);
      expect(h.ephemeralsTo(PEOPLE.alice.id).map((m) => m.text).join('\n')).not.toMatch(/You may not/);
      return;
    }
    const dryRun = command.includes('--dry-run');
    const plan = await until('the new plan message', async () => (await h.plans.listByChannel(h.channel, 50)).find((p) => !before.includes(p.id) && p.messageTs && p.dryRun === dryRun), 60_000);
    if (dryRun) return;
    const approvers = (Object.keys(PEOPLE) as PersonName[]).filter((name) => name !== 'alice' && rights[name].approve.includes(sub));
    for (const name of approvers) {
      if ((await h.plans.get(plan.id))!.status !== 'planned') break;
      await h.clickPlan(ActionIds.approve, plan.id, PEOPLE[name].id);
      await until(`${name}'s approval`, async () => {
        const now = (await h.plans.get(plan.id))!;
        return now.status !== 'planned' || now.approvals.some((a) => a.user === PEOPLE[name].id);
      });
    }
    const decided = await h.waitForStatus(plan.id, ['approved', 'running', 'succeeded'], 20_000);
    expect(decided.approvals.length).toBe(decided.requiredApprovals);
  }, 90_000);

  it.each(SUGGESTED_COMMANDS.filter((c) => !c.includes('--dry-run')))('carol and /deckhand %s: refused exactly when the banner says', async (command) => {
    const refusals = () => h.ephemeralsTo(PEOPLE.carol.id).filter((m) => /You may not use/.test(m.text)).length;
    const before = refusals();
    await h.command(command, PEOPLE.carol.id);
    if (rights.carol.run.includes(subcommandOf(command))) {
      await new Promise((r) => setTimeout(r, 300));
      expect(refusals()).toBe(before);
    } else {
      await h.slack.waitFor(() => refusals() > before || undefined, 10_000, `carol refused ${command}`);
    }
  });
});
