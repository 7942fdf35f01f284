import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../../../src/errors.js';
import { parsePostmortemArgs, windowFor } from '../../../src/reports/postmortem/args.js';
import type { ChannelHistory, ChatMessage } from '../../../src/reports/postmortem/gather.js';
import { activityEntries, buildDraft, keyReasons, plainText } from '../../../src/reports/postmortem/draft.js';
import { markdownLink, postmortemFilename, postmortemView, renderPostmortemBlocks } from '../../../src/reports/postmortem/render.js';
import { postmortemSettingsSchema } from '../../../src/reports/postmortem/settings.js';
import { renderTemplate } from '../../../src/reports/template.js';
import { BUNDLED_TEMPLATES_DIR } from '../../../src/reports/templates.js';

const raw = (positionals: string[], flags: Record<string, string> = {}) => ({ subcommand: 'postmortem', positionals, flags });
const NOW = Date.parse('2026-01-05T12:00:00Z');
const settings = postmortemSettingsSchema.parse({});
const frontMatterOf = (md: string) => md.slice(md.indexOf('```yaml\n') + 8, md.indexOf('\n```', md.indexOf('```yaml')));

describe('parsePostmortemArgs', () => {
  it.each([
    [[], {}, {}],
    [['#incident-2026-01-05'], {}, { channel: { name: 'incident-2026-01-05' } }],
    [['<#C0INC|incident>'], { since: '6h' }, { channel: { id: 'C0INC' }, since: { agoMs: 21_600_000 } }],
    [['C0INC123'], { since: '2026-01-05T09:00Z', title: ' Checkout latency ' }, { channel: { id: 'C0INC123' }, since: { at: Date.parse('2026-01-05T09:00Z') }, title: 'Checkout latency' }],
    [[], { since: '1h30m' }, { since: { agoMs: 5_400_000 } }],
    [[], { since: '90s' }, { since: { agoMs: 90_000 } }],
  ])('%j %j', (positionals, flags, expected) => {
    expect(parsePostmortemArgs(raw(positionals, flags))).toEqual(expected);
  });

  it.each([
    [['incident'], {}, /is not a channel/],
    [['#a', '#b'], {}, /at most one channel/],
    [[], { since: 'yesterday' }, /neither a duration/],
    [[], { since: '45d' }, /between 1m and 30d/],
    [[], { since: '30s' }, /between 1m and 30d/],
    [[], { title: '' }, /--title/],
  ])('%j %j is a usage error', (positionals, flags, message) => {
    expect(() => parsePostmortemArgs(raw(positionals, flags))).toThrow(UsageError);
    expect(() => parsePostmortemArgs(raw(positionals, flags))).toThrow(message);
  });

  it('refuses a window that starts in the future or too far back', () => {
    expect(windowFor({ agoMs: 3_600_000 }, 0, NOW)).toEqual({ start: NOW - 3_600_000, basis: 'since' });
    expect(() => windowFor({ at: NOW + 1 }, 0, NOW)).toThrow(/in the future/);
    expect(() => windowFor({ at: NOW - 31 * 86_400_000 }, 0, NOW)).toThrow(/more than 30 days/);
  });

  it("without --since, follows the channel's history: from its creation, or the last 24 h for an old channel", () => {
    const created = NOW - 3 * 86_400_000;
    expect(windowFor(undefined, created, NOW)).toEqual({ start: created, basis: 'channel' });
    expect(windowFor(undefined, NOW - 45 * 86_400_000, NOW)).toEqual({ start: NOW - 86_400_000, basis: 'default' });
    // --since wins even for an incident channel.
    expect(windowFor({ agoMs: 3_600_000 }, created, NOW).start).toBe(NOW - 3_600_000);
  });
});

const ts = (iso: string) => (Date.parse(iso) / 1000).toFixed(6);

describe('timeline extraction', () => {
  it.each<[string, Partial<ChatMessage>, { pinned?: boolean }, string[]]>([
    ['an alert', { text: 'PagerDuty: checkout p99 latency alert FIRING' }, {}, ['alert']],
    ['a deploy', { text: 'deployed api v2.3.1 at 09:05' }, {}, ['deploy']],
    ['a rollback', { text: 'rolling back to v2.3.0' }, {}, ['rollback']],
    ['a revert', { text: 'reverted the config change' }, {}, ['rollback']],
    ['a mitigation', { text: 'failover of redis done, restarting api pods' }, {}, ['mitigation']],
    ['resolution', { text: 'latency is back to normal, resolved' }, {}, ['resolved']],
    ['a cause', { text: 'looks like it was caused by the new index' }, {}, ['cause']],
    ['a pin', { text: 'status page: https://status.example.com' }, { pinned: true }, ['pinned']],
    ['deckhand itself', { text: 'Plan p-1: roll 6 nodes', user: 'U0BOT' }, {}, ['deckhand']],
    ['chatter', { text: 'anyone got coffee?' }, {}, []],
    ['"page" as a word is not an alert', { text: 'the login page looks fine' }, {}, []],
  ])('%s', (_name, message, context, expected) => {
    expect(keyReasons({ ts: '1.0', text: '', ...message }, { pinned: Boolean(context.pinned), botUserId: 'U0BOT', settings })).toEqual(expected);
  });

  it.each<[string, Partial<ChatMessage>, string[]]>([
    ['a configured reaction marks a message', { text: 'db CPU at 100%', reactions: ['eyes', 'timeline'] }, ['marked']],
    ['other reactions do not', { text: 'db CPU at 100%', reactions: ['eyes'] }, []],
    ['an alerting integration by name', { text: 'checkout p99 > 2s', botId: 'B0AM', botName: 'Alertmanager' }, ['alert']],
    ['an alerting integration by id', { text: 'checkout p99 > 2s', botId: 'B0PD' }, ['alert']],
    ['any bot worded like an alert', { text: '[FIRING:1] HighLatency checkout', botId: 'B0OTHER', botName: 'hooks' }, ['alert']],
    ['the integration saying resolved', { text: '[RESOLVED] HighLatency checkout', botId: 'B0AM', botName: 'Alertmanager' }, ['resolved']],
    ['a chatty bot is not an alert', { text: 'build 42 passed', botId: 'B0CI', botName: 'ci' }, []],
  ])('%s', (_name, message, expected) => {
    const custom = postmortemSettingsSchema.parse({ timelineReactions: [':timeline:'], alertBots: ['Alertmanager', 'B0PD'] });
    expect(keyReasons({ ts: '1.0', text: '', ...message }, { pinned: false, settings: custom })).toEqual(expected);
  });

  it('refuses settings that are not emoji names', () => {
    expect(postmortemSettingsSchema.safeParse({ timelineReactions: ['not an emoji'] }).success).toBe(false);
    expect(postmortemSettingsSchema.safeParse({ alertBot: [] }).success).toBe(false);
  });

  it('turns Slack markup into readable text', () => {
    expect(plainText('<@U1> see <https://grafana/x|dash> in <#C1|ops> &lt;b&gt; <!here>\n ok', { U1: 'alice' })).toBe('@alice see dash (https://grafana/x) in #ops <b> @here ok');
  });
});

function history(messages: ChatMessage[], extra: Partial<ChannelHistory> = {}): ChannelHistory {
  return {
    channel: { id: 'C0INC', name: 'incident-2026-01-05', isPrivate: false, topic: '', purpose: '', createdMs: 0 },
    window: { start: NOW - 86_400_000, basis: 'since' },
    bookmarks: [],
    activity: { entries: [], planMessageTs: {} },
    workspaceUrl: 'https://acme.slack.com/',
    messages,
    pinnedTs: [],
    userNames: { U0ALICE: 'alice', U0BOB: 'bob' },
    botUserId: 'U0BOT',
    truncated: false,
    ...extra,
  };
}

const incident: ChatMessage[] = [
  { ts: ts('2026-01-05T09:12:00Z'), user: 'U0ALICE', text: 'checkout latency alert fired, looking' },
  { ts: ts('2026-01-05T09:14:00Z'), user: 'U0BOB', text: 'anything deployed? <@U0ALICE>' },
  { ts: ts('2026-01-05T09:15:00Z'), user: 'U0ALICE', text: 'yes, deployed api v2.3.1 at 09:05', threadTs: ts('2026-01-05T09:14:00Z') },
  { ts: ts('2026-01-05T09:20:00Z'), user: 'U0BOB', text: 'coffee first' },
  { ts: ts('2026-01-05T09:25:00Z'), user: 'U0BOT', text: 'Rollout plan p-abc posted' },
  { ts: ts('2026-01-05T09:40:00Z'), user: 'U0ALICE', text: 'rolled back to v2.3.0; latency back to normal' },
];

describe('buildDraft', () => {
  const draft = buildDraft(history(incident, { pinnedTs: [incident[1]!.ts] }), { window: { start: NOW - 86_400_000, basis: 'since' }, now: NOW, maxMessages: 5000, settings });

  it('keeps the key moments in order, with why each is there', () => {
    expect(draft.timeline.map((e) => [e.who, e.reasons, e.inThread])).toEqual([
      ['alice', ['start', 'alert'], false],
      ['bob', ['pinned', 'deploy'], false],
      ['alice', ['deploy'], true],
      ['deckhand', ['deckhand', 'deploy'], false],
      ['alice', ['rollback', 'resolved', 'end'], false],
    ]);
    expect(draft.timeline[1]!.text).toBe('anything deployed? @alice');
  });

  it('summarises when, who and how much was read', () => {
    expect(draft.start).toBe(Date.parse('2026-01-05T09:12:00Z'));
    expect(draft.end).toBe(Date.parse('2026-01-05T09:40:00Z'));
    expect(draft.detection?.text).toBe('checkout latency alert fired, looking');
    expect(draft.participants).toEqual([{ id: 'U0ALICE', name: 'alice', messages: 3 }, { id: 'U0BOB', name: 'bob', messages: 2 }]);
    expect(draft.messageCount).toBe(6);
    expect(draft.threadCount).toBe(1);
    expect(draft.pinned.map((e) => e.who)).toEqual(['bob']);
    expect(draft.title).toBe('Incident in #incident-2026-01-05 on 2026-01-05');
    expect(postmortemFilename(draft)).toBe('postmortem-incident-2026-01-05-2026-01-05.md');
  });

  it('names integrations by the name they post under, and leaves them out of the participants', () => {
    const alert = { ts: ts('2026-01-05T09:11:00Z'), botId: 'B0PD', botName: 'PagerDuty', text: 'Triggered: checkout p99 alert' };
    const withBot = buildDraft(history([alert, ...incident]), { window: { start: NOW - 86_400_000, basis: 'since' }, now: NOW, maxMessages: 5000, settings });
    expect(withBot.detection).toMatchObject({ who: 'PagerDuty', text: 'Triggered: checkout p99 alert' });
    expect(withBot.participants.map((p) => p.name)).toEqual(['alice', 'bob']);
  });

  it("puts deckhand's audit record in the timeline: who requested and approved what, and what each run changed", () => {
    const at = (iso: string) => Date.parse(iso);
    const plan = { target: 'asg/eks-prod-workers', planId: 'p-1' };
    const activity = [
      { id: '1-0', at: at('2026-01-05T09:22:00Z'), actor: 'U0BOB', action: 'plan.created', ...plan, details: { kind: 'rollout', summary: '6 nodes in 2 waves' } },
      { id: '2-0', at: at('2026-01-05T09:23:00Z'), actor: 'U0ALICE', action: 'plan.approved', ...plan, jobId: 'p-1' },
      { id: '3-0', at: at('2026-01-05T09:24:00Z'), actor: 'deckhand', action: 'autoscaling:SetDesiredCapacity', ...plan },
      { id: '4-0', at: at('2026-01-05T09:25:00Z'), actor: 'deckhand', action: 'kubernetes:EvictPod', ...plan },
      { id: '5-0', at: at('2026-01-05T09:25:30Z'), actor: 'deckhand', action: 'kubernetes:EvictPod', ...plan },
      { id: '6-0', at: at('2026-01-05T09:26:00Z'), actor: 'U0BOB', action: 'approve.refused', ...plan },
      { id: '7-0', at: at('2026-01-05T09:30:00Z'), actor: 'deckhand', action: 'run.succeeded', ...plan, details: { summary: '6 nodes replaced.' } },
    ];
    expect(activityEntries(activity, { U0ALICE: 'alice', U0BOB: 'bob' }).map((e) => [e.who, e.text])).toEqual([
      ['bob', 'requested asg/eks-prod-workers (p-1) 6 nodes in 2 waves'],
      ['alice', 'approved asg/eks-prod-workers (p-1)'],
      ['deckhand', 'succeeded: asg/eks-prod-workers (p-1) 6 nodes replaced.; changed: 1× autoscaling:SetDesiredCapacity, 2× kubernetes:EvictPod'],
    ]);
    const withActivity = buildDraft(history(incident, { activity: { entries: activity, planMessageTs: {} } }), { window: { start: NOW - 86_400_000, basis: 'since' }, now: NOW, maxMessages: 5000, settings });
    // The audit rows take the place of deckhand's chat message, in time order with the people's messages.
    expect(withActivity.timeline.map((e) => e.who)).toEqual(['alice', 'bob', 'alice', 'bob', 'alice', 'deckhand', 'alice']);
  });

  it("an alerting integration's message is the detection even when a person said 'alert' first", () => {
    const human = { ts: ts('2026-01-05T09:10:00Z'), user: 'U0BOB', text: 'do we have an alert for checkout?' };
    const pager = { ts: ts('2026-01-05T09:11:00Z'), botId: 'B0PD', botName: 'PagerDuty', text: 'Triggered: checkout p99' };
    const draft = buildDraft(history([human, pager, ...incident]), { window: { start: NOW - 86_400_000, basis: 'since' }, now: NOW, maxMessages: 5000, settings });
    expect(draft.detection).toMatchObject({ who: 'PagerDuty', fromAlertBot: true });
  });

  it('only http(s) bookmarks become links, with Markdown-breaking characters encoded', () => {
    expect(markdownLink('https://grafana/d/x?a=(1)')).toBe('https://grafana/d/x?a=%281%29');
    expect(markdownLink('javascript:alert(1)')).toBeUndefined();
    const md = renderTemplate(
      readFileSync(join(BUNDLED_TEMPLATES_DIR, 'postmortem.md'), 'utf8'),
      postmortemView(buildDraft(history(incident, { bookmarks: [{ title: 'Runbook [v2]', link: 'https://wiki/runbook' }, { title: 'x', link: 'javascript:x' }] }), { window: { start: NOW - 86_400_000, basis: 'since' }, now: NOW, maxMessages: 5000, settings })),
    );
    expect(md).toContain('- Bookmark: [Runbook \\[v2\\]](https://wiki/runbook)\n<!-- deckhand:end links -->');
  });

  it('front matter, milestones and time to detect / mitigate / resolve, across days', () => {
    const multiDay: ChatMessage[] = [
      { ts: ts('2026-01-03T22:50:00Z'), user: 'U0BOB', text: 'checkout feels slow?' },
      { ts: ts('2026-01-03T23:00:00Z'), botId: 'B0PD', botName: 'PagerDuty', text: 'Triggered: checkout p99 > 2s' },
      { ts: ts('2026-01-04T01:30:00Z'), user: 'U0ALICE', text: 'failover of the db done' },
      { ts: ts('2026-01-04T02:00:00Z'), user: 'U0ALICE', text: 'action item: <@U0BOB> add a cache for the orders table by 2026-01-20' },
      { ts: ts('2026-01-05T08:00:00Z'), botId: 'B0PD', botName: 'PagerDuty', text: 'Resolved: checkout p99 > 2s' },
    ];
    const d = buildDraft(history(multiDay, { channel: { id: 'C0INC', name: 'inc-42', isPrivate: false, topic: 'SEV2 checkout | IC <@U0ALICE>', purpose: '', createdMs: 0 } }), {
      window: { start: NOW - 3 * 86_400_000, basis: 'since' },
      now: NOW,
      maxMessages: 5000,
      settings,
    });
    expect(d.milestones).toEqual({
      started: Date.parse('2026-01-03T22:50:00Z'),
      detected: Date.parse('2026-01-03T23:00:00Z'),
      mitigated: Date.parse('2026-01-04T01:30:00Z'),
      resolved: Date.parse('2026-01-05T08:00:00Z'),
    });
    expect(d.severity).toBe('SEV2');
    expect(d.lead).toBe('alice');
    expect(d.actionItems).toEqual([{ text: '@bob add a cache for the orders table by 2026-01-20', owner: 'bob', due: '2026-01-20', link: `https://acme.slack.com/archives/C0INC/p${ts('2026-01-04T02:00:00Z').replace('.', '')}` }]);
    const md = renderTemplate(readFileSync(join(BUNDLED_TEMPLATES_DIR, 'postmortem.md'), 'utf8'), postmortemView(d));
    const frontMatter = parseYaml(frontMatterOf(md)) as Record<string, unknown>;
    expect(frontMatter).toEqual({
      title: 'Incident in #inc-42 on 2026-01-03',
      status: 'draft',
      severity: 'SEV2',
      incident_lead: 'alice',
      channel: '#inc-42 (C0INC)',
      started_at: '2026-01-03T22:50:00Z',
      detected_at: '2026-01-03T23:00:00Z',
      mitigated_at: '2026-01-04T01:30:00Z',
      resolved_at: '2026-01-05T08:00:00Z',
      time_to_detect: '10m',
      time_to_mitigate: '2h40m',
      time_to_resolve: '33h10m',
      generated_at: '2026-01-05T12:00:00Z',
      messages_since: '2026-01-02T12:00:00Z',
    });
    expect(md).toContain('| Resolved | 2026-01-05 08:00 UTC | 33h10m |');
    expect(md).toContain('| @bob add a cache for the orders table by 2026-01-20 | TODO | bob | 2026-01-20 |');
    // Every row carries its date: the incident spans three days.
    expect(md).toContain('| 2026-01-03 23:00 UTC | PagerDuty | Triggered: checkout p99 \\> 2s | alert |');
  });

  it('a title cannot break out of the YAML front matter', () => {
    const d = buildDraft(history(incident), { title: 'x"\nstatus: published', window: { start: NOW - 86_400_000, basis: 'since' }, now: NOW, maxMessages: 5000, settings });
    const md = renderTemplate(readFileSync(join(BUNDLED_TEMPLATES_DIR, 'postmortem.md'), 'utf8'), postmortemView(d));
    expect(parseYaml(frontMatterOf(md))).toMatchObject({ title: 'x"\nstatus: published', severity: 'TODO' });
  });

  it('an empty window still gives a draft that says so', () => {
    const empty = buildDraft(history([]), { title: 'Quiet', window: { start: NOW - 3_600_000, basis: 'since' }, now: NOW, maxMessages: 5000, settings });
    expect(empty.timeline).toEqual([]);
    expect(empty.start).toBeUndefined();
    const md = renderTemplate(readFileSync(join(BUNDLED_TEMPLATES_DIR, 'postmortem.md'), 'utf8'), postmortemView(empty));
    expect(md).toContain('No messages in the window');
    expect(md).toContain('**Participants** (messages): TODO');
  });

  it('renders the three sections, the timeline table and TODOs from the bundled template', () => {
    const md = renderTemplate(readFileSync(join(BUNDLED_TEMPLATES_DIR, 'postmortem.md'), 'utf8'), postmortemView(draft));
    expect(md).toMatchSnapshot();
    for (const heading of ['## 1. When, what, who', '## 2. How: timeline', '## 3. Why', '## 4. Lessons', '## 5. Follow-up actions', '## Supporting links']) expect(md).toContain(heading);
    expect(md).toContain(
      `| 2026-01-05 09:15 UTC | alice | ↳ yes, deployed api v2.3.1 at 09:05 | deploy | [message](https://acme.slack.com/archives/C0INC/p1767604500000000?thread_ts=${ts('2026-01-05T09:14:00Z')}&cid=C0INC) |`,
    );
    expect(md).toMatch(/\*\*Root cause\*\*: TODO/);
    expect(md).toContain('**duration** 28m');
  });

  it('Block Kit summary stays within Slack limits, also for a huge timeline', () => {
    const blocks = renderPostmortemBlocks(draft, { kind: 'file', reason: 'canvases are turned off in this workspace' }, 'postmortem.md');
    expect(blocks).toMatchSnapshot();
    const many = Array.from({ length: 3000 }, (_, i) => ({ ts: (1767600000 + i).toFixed(6), user: 'U0ALICE', text: `alert ${i} ${'x'.repeat(400)}` }));
    const big = buildDraft(history(many, { truncated: true }), { window: { start: NOW - 86_400_000, basis: 'since' }, now: NOW, maxMessages: 3000, settings });
    const bigBlocks = renderPostmortemBlocks(big, { kind: 'canvas', canvasId: 'F1', created: false, kept: ['timeline'] }, 'postmortem.md');
    expect(bigBlocks.length).toBeLessThanOrEqual(50);
    for (const block of bigBlocks) if (block.type === 'section' && block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
    expect(JSON.stringify(bigBlocks)).toContain('Only the newest 3,000 messages were read');
  });
});
