/**
 * Reports end to end: signed slash commands into the real Bolt receiver, the Slack stand-in as Slack
 * (history served in pages with cursors, a thread, a pin, a 429), and the real PricingClient against
 * the sandbox's Price List.
 */
import { PRODUCT_REPORTS } from '../../../src/reports/registry.js';
import { startSandbox, type Sandbox } from '../../../sandbox/src/index.js';
import type { StoredMessage } from '../../../sandbox/src/slack/web-api.js';
import { CHANNEL, startFoundation, type Harness } from '../../helpers/foundation-harness.js';

const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const STRANGER = 'U0STRANGER';
const INCIDENT = 'C0INCIDENT';
const PRIVATE = 'G0SECRET';

const POLICY = `
commands:
  postmortem: { run: ['${ALICE}', '${BOB}'] }
  cost: { run: ['${ALICE}'] }
`;

const slackTs = (ms: number, seq = 0) => `${Math.floor(ms / 1000)}.${String(seq).padStart(6, '0')}`;

describe('reports over signed HTTP', () => {
  let sandbox: Sandbox;
  let h: Harness;

  beforeAll(async () => {
    sandbox = await startSandbox({ scenario: 'minimal' });
  });
  afterAll(async () => {
    await sandbox.stop();
  });
  beforeEach(async () => {
    h = await startFoundation({
      kinds: [],
      reports: PRODUCT_REPORTS,
      policyYaml: POLICY,
      clients: { bot: sandbox.clients('bot'), worker: sandbox.clients('worker') },
      users: { [ALICE]: { name: 'alice' }, [BOB]: { name: 'bob' } },
      channels: { [CHANNEL]: 'ops', [INCIDENT]: 'incident-2026-01-05', [PRIVATE]: 'secret' },
      // A workspace without canvases: the draft comes as a Markdown file in the thread.
      canvases: false,
    });
  });
  afterEach(async () => {
    await h.stop();
  });

  const posted = (channel: string, pattern: RegExp) =>
    h.slack.waitFor(() => h.slack.messages(channel).find((m) => !m.ephemeralTo && !m.threadTs && pattern.test(m.text)), 15_000, `a message matching ${pattern}`);
  const attachment = (channel: string, parent: StoredMessage) =>
    h.slack.waitFor(() => h.slack.thread(channel, parent.ts).find((m) => m.files?.length)?.files?.[0], 10_000, 'the attached file');

  it('drafts a postmortem from a channel with several pages of history, a thread and a pin', async () => {
    const start = Date.now() - 3 * 3_600_000;
    h.slack.seedMessage(INCIDENT, { user: ALICE, ts: slackTs(start), text: 'checkout latency alert fired, looking' });
    for (let i = 1; i <= 240; i++) h.slack.seedMessage(INCIDENT, { user: i % 2 ? ALICE : BOB, ts: slackTs(start + i * 20_000, i), text: `graph check ${i}` });
    const question = slackTs(start + 241 * 20_000, 241);
    h.slack.seedMessage(INCIDENT, { user: BOB, ts: question, text: 'anything shipped today? <@U0ALICE>', pinned: true });
    h.slack.seedMessage(INCIDENT, { user: ALICE, ts: slackTs(start + 242 * 20_000, 242), text: 'yes: deployed api v2.3.1 at 09:05', threadTs: question });
    h.slack.seedMessage(INCIDENT, { user: BOB, ts: slackTs(start + 243 * 20_000, 243), text: 'rolled back to v2.3.0, latency back to normal' });
    h.slack.seedMessage(INCIDENT, { user: ALICE, ts: slackTs(Date.now() - 30 * 3_600_000), text: 'before the window: deploy of something else' });
    // Slack throttles: the WebClient must wait Retry-After and carry on.
    h.slack.failNext('conversations.history', { status: 429, retryAfter: 1 });

    const response = await h.command('postmortem #incident-2026-01-05 --since 6h --title "Checkout latency"', ALICE);
    expect(response.status).toBe(200);

    const summary = await posted(CHANNEL, /Postmortem draft for #incident-2026-01-05/);
    expect(summary.text).toContain('244 messages');
    expect(JSON.stringify(summary.blocks)).toContain('Postmortem draft: Checkout latency');
    expect(JSON.stringify(summary.blocks)).toContain('(no canvas: canvases are turned off in this workspace)');
    expect(h.slack.callsTo('conversations.canvases.create').map((c) => c.body.channel_id)).toEqual([INCIDENT]);
    const file = await attachment(CHANNEL, summary);
    expect(file.title).toBe('Postmortem draft: Checkout latency');
    expect(file.content).toContain('# Postmortem: Checkout latency');
    expect(file.content).toMatch(/\| alice \| ↳ yes: deployed api v2\.3\.1 at 09:05 \| deploy \|/);
    expect(file.content).toMatch(/\| bob \| anything shipped today\? @alice \| pinned, deploy \|/);
    expect(file.content).toContain('**Participants** (messages): alice (122), bob (122)');
    expect(file.content).not.toContain('before the window');
    expect(file.content).toMatch(/\*\*Root cause\*\*: TODO/);

    const history = h.slack.callsTo('conversations.history');
    expect(history.map((c) => c.status)).toEqual([429, 200, 200]);
    expect(history[1]!.body.cursor).toBeUndefined();
    expect(history[2]!.body.cursor).toEqual(expect.any(String));
    expect(h.slack.callsTo('conversations.replies').map((c) => c.body.ts)).toEqual([question]);
    expect(h.slack.callsTo('pins.list')).toHaveLength(1);
    // One users.info per person, however many messages they wrote.
    expect(h.slack.callsTo('users.info').map((c) => c.body.user).sort()).toEqual([ALICE, BOB]);
  }, 20_000);

  it('drafts the current channel by default and refuses to copy a private channel elsewhere', async () => {
    h.slack.seedMessage(CHANNEL, { user: BOB, ts: slackTs(Date.now() - 60_000), text: 'restarting the api pods' });
    await h.command('postmortem', BOB);
    const summary = await posted(CHANNEL, /Postmortem draft for #ops/);
    expect((await attachment(CHANNEL, summary)).content).toContain('restarting the api pods');

    h.slack.seedMessage(PRIVATE, { user: BOB, ts: slackTs(Date.now() - 60_000), text: 'secret stuff' });
    await h.command(`postmortem ${PRIVATE}`, BOB);
    await h.waitForEphemeral(BOB, /#secret is private: run `\/deckhand postmortem` inside it/);
    expect(h.slack.messages(CHANNEL).some((m) => m.text.includes('secret stuff') || m.files?.some((f) => f.content.includes('secret stuff')))).toBe(false);
  });

  // Every component kind, --asg, --compare, spot and the cache: test/integration/reports/cost.test.ts.
  it('estimates cost from the Price List with reserved prices and EBS', async () => {
    await h.command('cost m5.large --count 3 --ebs gp3:100', ALICE);
    const summary = await posted(CHANNEL, /Cost estimate for 3 × m5\.large in us-east-1/);
    expect(summary.text).toContain('$234.24 a month on-demand');
    const blocks = JSON.stringify(summary.blocks);
    expect(blocks).toContain('1-yr reserved, no upfront: $155.40');
    expect(blocks).toContain('published 2025-01-01');
    const file = await attachment(CHANNEL, summary);
    expect(file.content).toContain('| Storage (gp3, 100 GB) | 300 | GB-months | $0.0800 | $24.00 |');
    expect(file.content).toContain('730 hours a month');
  });

  it('answers an unknown instance type and a malformed command ephemerally, posting nothing', async () => {
    await h.command('cost m5.huge', ALICE);
    await h.waitForEphemeral(ALICE, /no on-demand Linux price for `m5\.huge` in `us-east-1`.*\/deckhand cost m5\.large/);
    await h.command('cost', ALICE);
    await h.waitForEphemeral(ALICE, /needs an instance type.*For example: \/deckhand cost 3x m6i\.large gp3:500:iops=6000:throughput=250/);
    expect(h.slack.messages(CHANNEL).filter((m) => !m.ephemeralTo)).toEqual([]);
  });

  it('refuses users the policy does not list, and help shows reports only to those who may run them', async () => {
    await h.command('cost m5.large', STRANGER);
    await h.waitForEphemeral(STRANGER, /You may not use `\/deckhand cost`/);
    await h.command('postmortem', BOB);
    await posted(CHANNEL, /Postmortem draft/);
    await h.command('cost m5.large', BOB);
    await h.waitForEphemeral(BOB, /You may not use `\/deckhand cost`/);
    expect(h.slack.callsTo('conversations.history').every((c) => c.body.channel === CHANNEL)).toBe(true);

    await h.command('help', ALICE);
    const aliceHelp = await h.waitForEphemeral(ALICE, /deckhand subcommands/);
    expect(aliceHelp.text).toMatch(/postmortem, cost/);
    await h.command('help', STRANGER);
    const strangerHelp = await h.waitForEphemeral(STRANGER, /deckhand subcommands/);
    expect(strangerHelp.text).not.toMatch(/postmortem|cost/);
  });
});
