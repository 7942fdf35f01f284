/**
 * Pure: turns a channel's history into the postmortem draft's facts, following the author's template
 * (seed-posts 4.2/4.6): when/what/who, a timeline of key messages, and the parts only a human can
 * write (impact, root cause, action items) left as TODOs. No I/O, no clock: `now` is passed in.
 */
import type { AuditEntry } from '../../integrations/redis/audit.js';
import type { ReadWindow } from './args.js';
import type { Bookmark, ChannelHistory, ChatMessage } from './gather.js';
import type { PostmortemSettings } from './settings.js';

export type KeyReason = 'start' | 'end' | 'pinned' | 'marked' | 'deckhand' | 'alert' | 'deploy' | 'rollback' | 'mitigation' | 'resolved' | 'cause' | 'action';

/** "action item: …", "follow-up: …", "AI: …": a candidate for the action items table. */
const ACTION_ITEM = /\b(action item|follow[- ]?up|AI)\s*:/i;
const SEVERITY = /\bSEV[ -]?([0-5])\b/i;
/** "IC <@U…>", "incident lead: <@U…>", "commander <@U…>" in the topic or purpose. */
const LEAD = /\b(?:IC|incident (?:lead|commander)|lead|commander)\b\s*[:=-]?\s*<@([UW][A-Z0-9]+)/i;
const DUE = /\b(\d{4}-\d{2}-\d{2})\b/;

/** Words that mark a message worth a line in the timeline, by what they usually mean in an incident. */
const KEYWORDS: [Exclude<KeyReason, 'start' | 'end' | 'pinned' | 'marked' | 'deckhand'>, RegExp][] = [
  ['alert', /\b(alert(s|ed|ing)?|alarm(s|ed)?|paged|paging|pagerduty|opsgenie|firing|fired|sev ?[0-4]|outage)\b/i],
  ['deploy', /\b(deploy(s|ed|ing|ment)?|release[ds]?|rolling out|rollout|shipped)\b/i],
  ['rollback', /\b(roll(ed|ing)? ?back|rollback|revert(s|ed|ing)?)\b/i],
  ['mitigation', /\b(mitigat\w*|workaround|fail(ed)? ?over|restart(s|ed|ing)?|scal(e|ed|ing) (up|out)|drain(ed|ing)?)\b/i],
  ['resolved', /\b(resolved|recovered|back to normal|all clear|fixed|closing the incident)\b/i],
  ['cause', /\b(root cause|caused by|because of|the cause)\b/i],
  ['action', ACTION_ITEM],
];

/** How alerting integrations word a firing and a resolved alert (Alertmanager, PagerDuty, Datadog, Opsgenie, Grafana). */
const ALERT_SHAPE = /\[FIRING(?::\d+)?\]|\bTriggered\b|\[(?:P[1-5]\] )?Triggered|\bAlert(?:ing)?\b.*\b(?:created|firing)\b|\bCRITICAL\b/i;
const RESOLVED_SHAPE = /\[RESOLVED(?::\d+)?\]|\bResolved\b|\[Recovered\]|\bclosed\b/i;

export interface TimelineEntry {
  /** The Slack message's ts; absent for deckhand's audit entries. */
  ts?: string;
  /** Permalink to the message (or, for an audit row, to the plan's message). */
  link?: string;
  at: number;
  who: string;
  text: string;
  reasons: KeyReason[];
  inThread: boolean;
  /** Posted by an alerting integration (or a bot in the shape of one): the detection signal. */
  fromAlertBot: boolean;
}

export interface KeyContext {
  pinned: boolean;
  botUserId?: string;
  settings: PostmortemSettings;
}

export interface Participant {
  id: string;
  name: string;
  messages: number;
}

/** Slack's permalink format (`/archives/<channel>/p<ts without the dot>`, with the thread for a reply). */
export function permalink(workspaceUrl: string, channel: string, ts: string, threadTs?: string): string | undefined {
  if (!/^https:\/\//.test(workspaceUrl)) return undefined;
  const base = `${workspaceUrl.replace(/\/?$/, '/')}archives/${channel}/p${ts.replace('.', '')}`;
  return threadTs && threadTs !== ts ? `${base}?thread_ts=${threadTs}&cid=${channel}` : base;
}

/** The incident's milestones from the timeline: each the first such event after the one before it. */
export interface Milestones {
  started?: number;
  detected?: number;
  mitigated?: number;
  resolved?: number;
}

export interface ActionItem {
  text: string;
  owner?: string;
  due?: string;
  link?: string;
}

export interface PostmortemDraft {
  title: string;
  channel: { id: string; name: string; topic: string; purpose: string };
  bookmarks: Bookmark[];
  window: ReadWindow;
  generatedAt: number;
  /** First and last message in the window; undefined when the window is empty. */
  start?: number;
  end?: number;
  /** The first alert from an alerting integration, else the first message that looks like an alert or page. */
  detection?: TimelineEntry;
  milestones: Milestones;
  /** `SEV2` from the topic, purpose, title or timeline; undefined when nothing says. */
  severity?: string;
  /** The incident lead named in the topic or purpose. */
  lead?: string;
  actionItems: ActionItem[];
  participants: Participant[];
  timeline: TimelineEntry[];
  pinned: TimelineEntry[];
  messageCount: number;
  threadCount: number;
  truncated: boolean;
  maxMessages: number;
}

const MAX_ENTRY_TEXT = 280;

export function tsToMs(ts: string): number {
  return Math.round(Number(ts) * 1000);
}

/** Slack's markup made readable: mentions become names, links their labels, entities decoded. */
export function plainText(text: string, names: Record<string, string>): string {
  return text
    .replace(/<@([UW][A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, label?: string) => `@${names[id] ?? label ?? id}`)
    .replace(/<#[CG][A-Z0-9]+\|([^>]*)>/g, '#$1')
    .replace(/<!(here|channel|everyone)[^>]*>/g, '@$1')
    .replace(/<!subteam\^[A-Z0-9]+\|([^>]*)>/g, '$1')
    .replace(/<(https?:[^|>]+)\|([^>]*)>/g, '$2 ($1)')
    .replace(/<(https?:[^>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

function shorten(text: string): string {
  const chars = [...text];
  return chars.length > MAX_ENTRY_TEXT ? `${chars.slice(0, MAX_ENTRY_TEXT - 1).join('')}…` : text;
}

/** A bot message from a configured alerting integration, or any bot's message worded like an alert. */
export function isAlertBot(message: ChatMessage, settings: PostmortemSettings): boolean {
  if (!message.botId) return false;
  const known = settings.alertBots.map((b) => b.toLowerCase());
  if (known.includes(message.botId.toLowerCase()) || (message.botName && known.includes(message.botName.toLowerCase()))) return true;
  return ALERT_SHAPE.test(message.text) || RESOLVED_SHAPE.test(message.text);
}

/** Why a message belongs in the timeline (empty: it does not). */
export function keyReasons(message: ChatMessage, context: KeyContext): KeyReason[] {
  const reasons: KeyReason[] = [];
  if (context.pinned) reasons.push('pinned');
  if (message.reactions?.some((r) => context.settings.timelineReactions.includes(r))) reasons.push('marked');
  if (context.botUserId && message.user === context.botUserId) reasons.push('deckhand');
  if (isAlertBot(message, context.settings)) {
    // An integration's own words decide: "[RESOLVED]" is a resolution even though it names the alert.
    reasons.push(RESOLVED_SHAPE.test(message.text) ? 'resolved' : 'alert');
    return reasons;
  }
  for (const [reason, pattern] of KEYWORDS) if (pattern.test(message.text)) reasons.push(reason);
  return reasons;
}

/** What an audit action says in the timeline; actions not listed (refusals) are left out. */
const ACTIVITY_LABELS: Record<string, string> = {
  'plan.created': 'requested',
  'plan.dry-run': 'dry run of',
  'plan.approved': 'approved',
  'plan.rejected': 'rejected',
  'plan.expired': 'plan expired for',
  'run.started': 'started',
  'run.succeeded': 'succeeded:',
  'run.failed': 'failed:',
  'run.cancelled': 'cancelled:',
  'run.cancel': 'asked to cancel',
  'run.pause': 'paused',
  'run.resume': 'resumed',
  'run.answer': 'answered a question on',
};
const LIFECYCLE = /^(plan|run|approve|reject|answer|cancel|pause|resume)\./;
const OUTCOMES = new Set(['run.succeeded', 'run.failed', 'run.cancelled']);

function activityLabel(e: AuditEntry): string | undefined {
  // One approver of several: the final approval is `plan.approved`.
  if (e.action === 'plan.approval' && Number(e.details?.have) < Number(e.details?.need)) return `approved (${Number(e.details?.have)} of ${Number(e.details?.need)})`;
  return ACTIVITY_LABELS[e.action];
}

/**
 * deckhand's audit entries as timeline rows: one per plan, approval and run event, and on a run's outcome
 * what it changed (each infrastructure action counted), so the draft says who approved what and what changed.
 */
export function activityEntries(entries: AuditEntry[], names: Record<string, string>, planLink: (planId: string) => string | undefined = () => undefined): TimelineEntry[] {
  const changes = new Map<string, Map<string, number>>();
  for (const e of entries) {
    if (LIFECYCLE.test(e.action) || !e.planId) continue;
    const counts = changes.get(e.planId) ?? new Map<string, number>();
    counts.set(e.action, (counts.get(e.action) ?? 0) + 1);
    changes.set(e.planId, counts);
  }
  const rows: TimelineEntry[] = [];
  for (const e of entries) {
    const label = activityLabel(e);
    if (!label) continue;
    const summary = typeof e.details?.summary === 'string' ? ` ${e.details.summary}` : '';
    const changed = OUTCOMES.has(e.action) && e.planId ? changes.get(e.planId) : undefined;
    const changedText = changed?.size ? `; changed: ${[...changed].map(([action, n]) => `${n}× ${action}`).join(', ')}` : '';
    const who = e.actor === 'deckhand' ? 'deckhand' : (names[e.actor] ?? e.actor);
    const link = e.planId ? planLink(e.planId) : undefined;
    rows.push({ at: e.at, who, text: shorten(`${label} ${e.target} (${e.planId})${summary}${changedText}`), reasons: ['deckhand'], inThread: false, fromAlertBot: false, ...(link ? { link } : {}) });
  }
  return rows;
}

function milestones(timeline: TimelineEntry[], detection: TimelineEntry | undefined, firstMessage: number | undefined): Milestones {
  const started = Math.min(firstMessage ?? Number.POSITIVE_INFINITY, detection?.at ?? Number.POSITIVE_INFINITY);
  if (!Number.isFinite(started)) return {};
  const firstAfter = (from: number, reasons: KeyReason[]) => timeline.find((e) => e.at >= from && e.reasons.some((r) => reasons.includes(r)))?.at;
  const mitigated = firstAfter(detection?.at ?? started, ['mitigation', 'rollback']);
  const resolved = firstAfter(mitigated ?? detection?.at ?? started, ['resolved']);
  return { started, ...(detection ? { detected: detection.at } : {}), ...(mitigated !== undefined ? { mitigated } : {}), ...(resolved !== undefined ? { resolved } : {}) };
}

function actionItem(m: ChatMessage, history: ChannelHistory, link: string | undefined): ActionItem {
  const text = plainText(m.text, history.userNames);
  const owner = /<@([UW][A-Z0-9]+)/.exec(m.text)?.[1];
  const due = DUE.exec(text)?.[1];
  return { text: shorten(text.replace(/^.*?\b(?:action item|follow[- ]?up|AI)\s*:\s*/i, '')), ...(owner ? { owner: history.userNames[owner] ?? owner } : {}), ...(due ? { due } : {}), ...(link ? { link } : {}) };
}

function author(message: ChatMessage, history: ChannelHistory): string {
  if (history.botUserId && message.user === history.botUserId) return 'deckhand';
  if (message.user) return history.userNames[message.user] ?? message.user;
  return message.botName ?? (message.botId ? `bot ${message.botId}` : 'unknown');
}

export interface DraftOptions {
  title?: string;
  window: ReadWindow;
  now: number;
  maxMessages: number;
  settings: PostmortemSettings;
}

export function buildDraft(history: ChannelHistory, options: DraftOptions): PostmortemDraft {
  const pinned = new Set(history.pinnedTs);
  const messages = history.messages.filter((m) => m.text.trim() !== '' || m.fileTitles);
  const linkTo = (ts: string, threadTs?: string) => permalink(history.workspaceUrl, history.channel.id, ts, threadTs);
  const entry = (m: ChatMessage, reasons: KeyReason[]): TimelineEntry => ({
    ts: m.ts,
    ...(linkTo(m.ts, m.threadTs) ? { link: linkTo(m.ts, m.threadTs)! } : {}),
    at: tsToMs(m.ts),
    who: author(m, history),
    text: shorten(plainText(m.text, history.userNames) || `(file: ${m.fileTitles?.join(', ')})`),
    reasons,
    inThread: Boolean(m.threadTs && m.threadTs !== m.ts),
    fromAlertBot: isAlertBot(m, options.settings),
  });
  const fromMessages: TimelineEntry[] = [];
  messages.forEach((m, i) => {
    const reasons = keyReasons(m, { pinned: pinned.has(m.ts), settings: options.settings, ...(history.botUserId ? { botUserId: history.botUserId } : {}) });
    if (i === 0) reasons.unshift('start');
    if (i === messages.length - 1 && i > 0) reasons.push('end');
    if (reasons.length) fromMessages.push(entry(m, reasons));
  });
  // The audit rows replace deckhand's own chat messages (they say who approved and what changed), unless a person pinned or marked one.
  const { entries: audit, planMessageTs } = history.activity;
  const superseded = (e: TimelineEntry) => audit.length > 0 && e.reasons.includes('deckhand') && !e.reasons.some((r) => r === 'pinned' || r === 'marked');
  const planLink = (planId: string) => (planMessageTs[planId] ? linkTo(planMessageTs[planId]) : undefined);
  const timeline = [...fromMessages.filter((e) => !superseded(e)), ...activityEntries(audit, history.userNames, planLink)].sort((a, b) => a.at - b.at);

  const counts = new Map<string, number>();
  for (const m of messages) if (m.user && m.user !== history.botUserId && !m.botId) counts.set(m.user, (counts.get(m.user) ?? 0) + 1);
  const participants = [...counts]
    .map(([id, n]) => ({ id, name: history.userNames[id] ?? id, messages: n }))
    .sort((a, b) => b.messages - a.messages || a.name.localeCompare(b.name));

  const first = messages[0];
  const last = messages[messages.length - 1];
  // An alerting integration's message is the detection; a person saying "alert" is the fallback.
  const detection = timeline.find((e) => e.fromAlertBot && e.reasons.includes('alert')) ?? timeline.find((e) => e.reasons.includes('alert'));
  const date = new Date(first ? tsToMs(first.ts) : options.now).toISOString().slice(0, 10);
  const title = options.title ?? `Incident in #${history.channel.name} on ${date}`;
  const lead = LEAD.exec(`${history.channel.topic}\n${history.channel.purpose}`)?.[1];
  const severity = [history.channel.topic, history.channel.purpose, title, ...timeline.map((e) => e.text)].map((text) => SEVERITY.exec(text)?.[1]).find(Boolean);
  return {
    title,
    milestones: milestones(timeline, detection, first ? tsToMs(first.ts) : undefined),
    ...(severity ? { severity: `SEV${severity}` } : {}),
    ...(lead ? { lead: history.userNames[lead] ?? lead } : {}),
    actionItems: messages.filter((m) => ACTION_ITEM.test(m.text)).map((m) => actionItem(m, history, linkTo(m.ts, m.threadTs))),
    channel: { id: history.channel.id, name: history.channel.name, topic: plainText(history.channel.topic, history.userNames), purpose: plainText(history.channel.purpose, history.userNames) },
    bookmarks: history.bookmarks,
    window: options.window,
    generatedAt: options.now,
    ...(first ? { start: tsToMs(first.ts) } : {}),
    ...(last ? { end: tsToMs(last.ts) } : {}),
    ...(detection ? { detection } : {}),
    participants,
    timeline,
    pinned: messages.filter((m) => pinned.has(m.ts)).map((m) => entry(m, ['pinned'])),
    messageCount: messages.length,
    threadCount: new Set(messages.filter((m) => m.threadTs && m.threadTs !== m.ts).map((m) => m.threadTs)).size,
    truncated: history.truncated,
    maxMessages: options.maxMessages,
  };
}
