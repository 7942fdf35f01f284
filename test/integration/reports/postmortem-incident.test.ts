/**
 * A scripted incident channel, end to end: signed slash commands into the real Bolt receiver, the Slack
 * stand-in as Slack (alerts from an integration, pins, reactions, topic, bookmarks, a hostile message, two
 * days of history) and a real deckhand run (plan → approval → worker) in the same channel, whose audit
 * record the draft must carry.
 */
import { ActionIds } from '../../../src/blocks/action-ids.js';
import { PRODUCT_REPORTS } from '../../../src/reports/registry.js';
import { VirtualClock } from '../../../sandbox/src/clock.js';
import { busiestWindow } from '../../../sandbox/src/slack/pace.js';
import type { StoredMessage } from '../../../sandbox/src/slack/web-api.js';
import { createFixtureKind } from '../../helpers/fixture-kind.js';
import { CHANNEL, startFoundation, type Harness } from '../../helpers/foundation-harness.js';

const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const POLICY = `
commands:
  fixture: { run: ['${ALICE}'], approve: ['${BOB}'] }
  postmortem:
    run: '*'
    settings: { timelineReactions: [':timeline:'], alertBots: [Alertmanager] }
`;
const HOUR = 3_600_000;
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
const slackTs = (ms: number, seq = 0) => `${Math.floor(ms / 1000)}.${String(seq).padStart(6, '0')}`;

describe('postmortem of a scripted incident channel', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startFoundation({
      kinds: ({ redis, prefix }) => [createFixtureKind(redis, prefix)],
      reports: PRODUCT_REPORTS,
      policyYaml: POLICY,
      users: { [ALICE]: { name: 'alice' }, [BOB]: { name: 'bob' } },
      channels: {
        [CHANNEL]: {
          name: 'inc-checkout',
          // Created for the incident, a day and a half ago: without --since the draft reads from here.
          createdMs: Date.now() - 31 * HOUR,
          topic: 'SEV2: checkout latency. IC <@U0ALICE>',
          purpose: 'Incident room for checkout latency',
          bookmarks: [{ title: 'Checkout dashboard', link: 'https://grafana.example.com/d/checkout' }],
        },
      },
    });
  });
  afterEach(() => h.stop());

  async function runPostmortem(command: string): Promise<StoredMessage> {
    const before = h.slack.messages(CHANNEL).length;
    await h.command(command, BOB);
    return h.slack.waitFor(
      () => h.slack.messages(CHANNEL).slice(before).find((m: StoredMessage) => !m.ephemeralTo && !m.threadTs && /^Postmortem draft for/.test(m.text)),
      15_000,
      'the postmortem summary',
    );
  }

  async function draftCanvas(command: string): Promise<string> {
    const versions = h.slack.channelCanvas(CHANNEL)?.history.length ?? 0;
    await runPostmortem(command);
    const canvas = h.slack.channelCanvas(CHANNEL);
    expect(canvas?.history.length).toBe(versions + 1);
    return canvas!.markdown;
  }

  it('carries alerts, pins, reactions, the topic, bookmarks and the deckhand run with its approver', async () => {
    const start = Date.now() - 30 * HOUR;
    h.slack.seedMessage(CHANNEL, {
      user: '',
      botId: 'B0AM',
      botName: 'Alertmanager',
      subtype: 'bot_message',
      ts: slackTs(start),
      text: '',
      attachments: [{ title: '[FIRING:1] CheckoutLatencyHigh', text: 'checkout p99 > 2s for 5m' }],
    });
    h.slack.seedMessage(CHANNEL, { user: ALICE, ts: slackTs(start + 60_000), text: 'looking. db CPU is pegged', reactions: { timeline: [BOB] } });
    h.slack.seedMessage(CHANNEL, { user: BOB, ts: slackTs(start + 120_000), text: 'nothing interesting here', reactions: { eyes: [ALICE] } });
    h.slack.seedMessage(CHANNEL, { user: BOB, ts: slackTs(start + 180_000), text: 'status page updated', pinned: true });
    h.slack.seedMessage(CHANNEL, { user: BOB, ts: slackTs(start + 240_000), text: '<!channel> *bold* | fake | row |\n## heading', pinned: true });

    await h.startWorker();
    await h.command('fixture mitigate --steps 1', ALICE);
    const plan = await h.waitForPlan();
    await h.clickPlan(ActionIds.approve, plan.id, BOB);
    await h.waitForStatus(plan.id, ['succeeded']);
    await until(async () => (await h.audit.read(20)).some((e) => e.action === 'run.succeeded' && e.planId === plan.id), 'the run outcome in the audit stream');

    const md = await draftCanvas('postmortem');
    expect(h.slack.channelCanvas(CHANNEL)?.title).toMatch(/^Postmortem: Incident in #inc-checkout on /);
    expect(md).toContain('**Channel topic**: SEV2: checkout latency. IC @alice');
    expect(md).toContain('**Channel purpose**: Incident room for checkout latency');
    expect(md).toContain('- Bookmark: [Checkout dashboard](https://grafana.example.com/d/checkout)');
    expect(md).toContain('**Detected by**: Alertmanager: "\\[FIRING:1\\] CheckoutLatencyHigh checkout p99 \\> 2s for 5m"');
    expect(md).toContain('severity: "SEV2"\nincident_lead: "alice"');
    expect(md).toContain(`detected_at: "${new Date(Math.floor(start / 1000) * 1000).toISOString().replace('.000', '')}"`);
    // Every timeline row links to its message (the audit rows to the plan's message).
    const rows = md.split('\n').filter((line) => /^\| \d{4}-\d{2}-\d{2} /.test(line));
    expect(rows.length).toBeGreaterThanOrEqual(8);
    for (const row of rows) expect(row).toMatch(/\| \[message\]\(https:\/\/deckhand-sandbox\.slack\.com\/archives\/C0OPS\/p\d{16}\) \|$/);
    expect(md).toMatch(/\| alice \| looking\. db CPU is pegged \| marked \|/);
    expect(md).not.toContain('nothing interesting here');
    expect(md).toMatch(/\| bob \| status page updated \| pinned \|/);
    // The hostile message stays one escaped table cell: no mention, no emphasis, no extra row, no heading.
    expect(md).toContain('| bob | @channel \\*bold\\* \\| fake \\| row \\| \\#\\# heading | pinned |');
    expect(md).toMatch(new RegExp(`\\| alice \\| requested fixture/mitigate \\(${plan.id}\\)`));
    expect(md).toMatch(new RegExp(`\\| bob \\| approved fixture/mitigate \\(${plan.id}\\)`));
    expect(md).toMatch(new RegExp(`\\| deckhand \\| succeeded: fixture/mitigate \\(${plan.id}\\).*changed: 1× fixture\\.step`));
  }, 30_000);

  it('a second run refreshes what deckhand wrote and keeps every human edit', async () => {
    const start = Date.now() - 2 * HOUR;
    h.slack.seedMessage(CHANNEL, { user: '', botId: 'B0AM', botName: 'Alertmanager', ts: slackTs(start), text: '[FIRING:1] CheckoutLatencyHigh' });
    h.slack.seedMessage(CHANNEL, { user: ALICE, ts: slackTs(start + 60_000), text: 'action item: <@U0BOB> add a cache for orders' });
    const first = await draftCanvas('postmortem --since 6h');
    const canvas = h.slack.channelCanvas(CHANNEL)!;

    // People edit the canvas: a root cause (outside deckhand's blocks) and a due date in the action items block.
    const edited = first
      .replace('- **Root cause**: TODO (or "unknown: workaround in place", with the workaround)', '- **Root cause**: the orders table had no cache')
      .replace('| @bob add a cache for orders | TODO | bob | TODO |', '| @bob add a cache for orders | prevent | bob | 2026-02-01 |');
    expect(edited).not.toBe(first);
    h.slack.editCanvas(canvas.id, edited);

    h.slack.seedMessage(CHANNEL, { user: BOB, ts: slackTs(start + 120_000), text: 'failover done, latency recovering' });
    h.slack.seedMessage(CHANNEL, { user: '', botId: 'B0AM', botName: 'Alertmanager', ts: slackTs(start + 180_000), text: '[RESOLVED] CheckoutLatencyHigh' });
    const summary = await runPostmortem('postmortem --since 6h');
    const second = h.slack.channelCanvas(CHANNEL)!.markdown;
    expect(h.slack.callsTo('conversations.canvases.create')).toHaveLength(1);

    expect(second).toContain('- **Root cause**: the orders table had no cache');
    expect(second).toContain('| @bob add a cache for orders | prevent | bob | 2026-02-01 |');
    // The untouched timeline is regenerated with the new messages…
    expect(second).toMatch(/\| bob \| failover done, latency recovering \| mitigation \|/);
    expect(second).toMatch(/\| Alertmanager \| \\\[RESOLVED\\\] CheckoutLatencyHigh \| resolved \|/);
    // …and the edited block's new version is offered beside it, not over it.
    expect(second).toContain("> deckhand's refreshed `action-items`");
    expect(second.match(/\| @bob add a cache for orders \| TODO \| bob \| TODO \|/g)).toHaveLength(1);
    expect(JSON.stringify(summary.blocks)).toContain('Your edits to `action-items` were kept');
    expect(h.slack.thread(CHANNEL, summary.ts).some((m) => m.files?.length)).toBe(false);
  }, 30_000);

  it("never overwrites a channel canvas that is not a deckhand draft: the draft comes as a file", async () => {
    h.slack.seedMessage(CHANNEL, { user: ALICE, ts: slackTs(Date.now() - HOUR), text: 'restarting api pods' });
    await draftCanvas('postmortem --since 6h');
    const canvas = h.slack.channelCanvas(CHANNEL)!;
    h.slack.editCanvas(canvas.id, '# Team runbook\n\nour notes');
    const summary = await runPostmortem('postmortem --since 6h');
    expect(h.slack.channelCanvas(CHANNEL)!.markdown).toBe('# Team runbook\n\nour notes');
    expect(JSON.stringify(summary.blocks)).toContain("no canvas: the channel's canvas is not a deckhand draft, so it was left alone");
    const file = await h.slack.waitFor(() => h.slack.thread(CHANNEL, summary.ts).find((m) => m.files?.length)?.files?.[0], 10_000, 'the draft file');
    expect(file.content).toContain('restarting api pods');
  }, 30_000);
});

describe('postmortem of a channel too long to read in a minute', () => {
  let clock: VirtualClock;
  let h: Harness;
  beforeEach(async () => {
    // Virtual time runs 60x faster: Slack's one-minute windows pass in a second.
    clock = new VirtualClock(Date.now(), 60);
    h = await startFoundation({ kinds: [], reports: PRODUCT_REPORTS, clock, canvases: false, now: () => clock.now(), users: { [ALICE]: { name: 'alice' } }, channels: { [CHANNEL]: 'inc-long' } });
  });
  afterEach(async () => {
    await h.stop();
    clock.stop();
  });

  it('stays within Tier 3 for every method, shows progress, and the answer replaces the progress message', async () => {
    const start = clock.now() - 5 * HOUR;
    for (let i = 0; i < 120; i++) {
      const parent = h.slack.seedMessage(CHANNEL, { user: ALICE, ts: slackTs(start + i * 60_000, i), text: `thread ${i}` });
      h.slack.seedMessage(CHANNEL, { user: ALICE, ts: slackTs(start + i * 60_000 + 1_000, i), text: `reply ${i}`, threadTs: parent.ts });
    }
    await h.command('postmortem --since 6h', ALICE);
    const summary = await h.slack.waitFor(() => h.slack.messages(CHANNEL).find((m) => /^Postmortem draft for/.test(m.text)), 20_000, 'the postmortem summary');
    expect(summary.text).toContain('240 messages');
    // The same message showed the progress first, then became the answer.
    expect(summary.history[0]!.text).toMatch(/^:hourglass_flowing_sand: Reading #inc-long for the postmortem: .* of 120 threads so far…$/);
    expect(h.slack.messages(CHANNEL).filter((m) => /Reading #inc-long/.test(m.text))).toEqual([]);
    expect(h.slack.callsTo('conversations.replies')).toHaveLength(120);
    for (const method of ['conversations.history', 'conversations.replies', 'users.info', 'chat.update']) expect(busiestWindow(h.slack.calls, method)).toBeLessThanOrEqual(50);
  }, 30_000);
});
