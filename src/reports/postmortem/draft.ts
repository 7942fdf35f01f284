/**
 * Pure: turns a channel's history into the postmortem draft's facts, following the author's template
 * (seed-posts 4.2/4.6): when/what/who, a timeline of key messages, and the parts only a human can
 * write (impact, root cause, action items) left as TODOs. No I/O, no clock: `now` is passed in.
 */
import type { ChannelHistory, ChatMessage } from './gather.js';

export type KeyReason = 'start' | 'end' | 'pinned' | 'deckhand' | 'alert' | 'deploy' | 'rollback' | 'mitigation' | 'resolved' | 'cause';

/** Words that mark a message worth a line in the timeline, by what they usually mean in an incident. */
const KEYWORDS: [Exclude<KeyReason, 'start' | 'end' | 'pinned' | 'deckhand'>, RegExp][] = [
  ['alert', /\b(alert(s|ed|ing)?|alarm(s|ed)?|paged|paging|pagerduty|opsgenie|firing|fired|sev ?[0-4]|outage)\b/i],
  ['deploy', /\b(deploy(s|ed|ing|ment)?|release[ds]?|rolling out|rollout|shipped)\b/i],
  ['rollback', /\b(roll(ed|ing)? ?back|rollback|revert(s|ed|ing)?)\b/i],
  ['mitigation', /\b(mitigat\w*|workaround|fail(ed)? ?over|restart(s|ed|ing)?|scal(e|ed|ing) (up|out)|drain(ed|ing)?)\b/i],
  ['resolved', /\b(resolved|recovered|back to normal|all clear|fixed|closing the incident)\b/i],
  ['cause', /\b(root cause|caused by|because of|the cause)\b/i],
];

export interface TimelineEntry {
  ts: string;
  at: number;
  who: string;
  text: string;
  reasons: KeyReason[];
  inThread: boolean;
}

export interface Participant {
  id: string;
  name: string;
  messages: number;
}

export interface PostmortemDraft {
  title: string;
  channel: { id: string; name: string };
  windowStart: number;
  generatedAt: number;
  /** First and last message in the window; undefined when the window is empty. */
  start?: number;
  end?: number;
  /** The first message that looks like an alert or page. */
  detection?: TimelineEntry;
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

/** Why a message belongs in the timeline (empty: it does not). */
export function keyReasons(message: ChatMessage, context: { pinned: boolean; botUserId?: string }): KeyReason[] {
  const reasons: KeyReason[] = [];
  if (context.pinned) reasons.push('pinned');
  if (context.botUserId && message.user === context.botUserId) reasons.push('deckhand');
  for (const [reason, pattern] of KEYWORDS) if (pattern.test(message.text)) reasons.push(reason);
  return reasons;
}

function author(message: ChatMessage, history: ChannelHistory): string {
  if (history.botUserId && message.user === history.botUserId) return 'deckhand';
  if (message.user) return history.userNames[message.user] ?? message.user;
  return message.botName ?? (message.botId ? `bot ${message.botId}` : 'unknown');
}

export function buildDraft(history: ChannelHistory, options: { title?: string; windowStart: number; now: number; maxMessages: number }): PostmortemDraft {
  const pinned = new Set(history.pinnedTs);
  const messages = history.messages.filter((m) => m.text.trim() !== '' || m.fileTitles);
  const entry = (m: ChatMessage, reasons: KeyReason[]): TimelineEntry => ({
    ts: m.ts,
    at: tsToMs(m.ts),
    who: author(m, history),
    text: shorten(plainText(m.text, history.userNames) || `(file: ${m.fileTitles?.join(', ')})`),
    reasons,
    inThread: Boolean(m.threadTs && m.threadTs !== m.ts),
  });
  const timeline: TimelineEntry[] = [];
  messages.forEach((m, i) => {
    const reasons = keyReasons(m, { pinned: pinned.has(m.ts), ...(history.botUserId ? { botUserId: history.botUserId } : {}) });
    if (i === 0) reasons.unshift('start');
    if (i === messages.length - 1 && i > 0) reasons.push('end');
    if (reasons.length) timeline.push(entry(m, reasons));
  });

  const counts = new Map<string, number>();
  for (const m of messages) if (m.user && m.user !== history.botUserId && !m.botId) counts.set(m.user, (counts.get(m.user) ?? 0) + 1);
  const participants = [...counts]
    .map(([id, n]) => ({ id, name: history.userNames[id] ?? id, messages: n }))
    .sort((a, b) => b.messages - a.messages || a.name.localeCompare(b.name));

  const first = messages[0];
  const last = messages[messages.length - 1];
  const detection = timeline.find((e) => e.reasons.includes('alert'));
  const date = new Date(first ? tsToMs(first.ts) : options.now).toISOString().slice(0, 10);
  return {
    title: options.title ?? `Incident in #${history.channel.name} on ${date}`,
    channel: { id: history.channel.id, name: history.channel.name },
    windowStart: options.windowStart,
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
