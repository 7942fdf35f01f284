/** The postmortem draft as a template view (for `templates/postmortem.md`) and as a short Block Kit summary. Pure. */
import type { KnownBlock } from '@slack/types';
import { context, escapeMrkdwn, header, section, slackDate, truncate } from '../../blocks/format.js';
import { formatDuration, formatUtc } from '../../time.js';
import type { TemplateView } from '../template.js';
import type { ReadWindow } from './args.js';
import type { Landing } from './deliver.js';
import type { Milestones, PostmortemDraft, TimelineEntry } from './draft.js';

const REASON_LABELS: Record<string, string> = {
  start: 'first message', end: 'last message', pinned: 'pinned', marked: 'marked', deckhand: 'deckhand', alert: 'alert',
  deploy: 'deploy', rollback: 'rollback', mitigation: 'mitigation', resolved: 'resolved', cause: 'cause',
};

const WINDOW_BASIS: Record<ReadWindow['basis'], string> = {
  since: 'as asked with --since',
  channel: 'when the channel was created',
  default: 'the last 24 h: the channel is older than 30 days; use --since for the incident',
};

function entryView(e: TimelineEntry): TemplateView {
  return { time: formatUtc(e.at), who: e.who, text: e.text, tags: e.reasons.map((r) => REASON_LABELS[r] ?? r).join(', '), inThread: e.inThread, link: e.link ? (markdownLink(e.link) ?? null) : null };
}

/** A YAML scalar for the front matter: JSON strings are valid YAML, so user text cannot break out of its line. */
function yamlValue(value: string | undefined): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}

const isoUtc = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

function sinceStart(m: Milestones, at: number | undefined): string | undefined {
  return at === undefined || m.started === undefined ? undefined : formatDuration(at - m.started);
}

function milestonesView(d: PostmortemDraft): TemplateView {
  const m = d.milestones;
  const row = (name: string, at: number | undefined) => (at === undefined ? null : { name, time: formatUtc(at), sinceStart: sinceStart(m, at) ?? '' });
  return {
    milestoneRows: [row('Started', m.started), row('Detected', m.detected), row('Mitigated', m.mitigated), row('Resolved', m.resolved)].filter((r) => r !== null),
    frontMatter: {
      title: yamlValue(d.title),
      status: yamlValue('draft'),
      severity: yamlValue(d.severity ?? 'TODO'),
      lead: yamlValue(d.lead ?? 'TODO'),
      channel: yamlValue(`#${d.channel.name} (${d.channel.id})`),
      startedAt: yamlValue(isoUtc(m.started)),
      detectedAt: yamlValue(isoUtc(m.detected)),
      mitigatedAt: yamlValue(isoUtc(m.mitigated)),
      resolvedAt: yamlValue(isoUtc(m.resolved)),
      timeToDetect: yamlValue(sinceStart(m, m.detected)),
      timeToMitigate: yamlValue(sinceStart(m, m.mitigated)),
      timeToResolve: yamlValue(sinceStart(m, m.resolved)),
      generatedAt: yamlValue(isoUtc(d.generatedAt)),
      windowStart: yamlValue(isoUtc(d.window.start)),
    },
  };
}

/** An http(s) URL safe inside a Markdown link's parentheses, or undefined for anything else (javascript:, junk). */
export function markdownLink(url: string): string | undefined {
  if (!/^https?:\/\/[^\s]+$/i.test(url)) return undefined;
  return url.replace(/[()<>"'\\`]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

export function postmortemFilename(d: PostmortemDraft): string {
  return `postmortem-${d.channel.name}-${new Date(d.start ?? d.generatedAt).toISOString().slice(0, 10)}.md`;
}

export function postmortemView(d: PostmortemDraft): TemplateView {
  return {
    title: d.title,
    channel: d.channel.name,
    topic: d.channel.topic,
    purpose: d.channel.purpose,
    bookmarks: d.bookmarks.flatMap((b) => {
      const link = markdownLink(b.link);
      return link ? [{ title: b.title, link }] : [];
    }),
    generatedAt: formatUtc(d.generatedAt),
    windowStart: formatUtc(d.window.start),
    windowBasis: WINDOW_BASIS[d.window.basis],
    start: d.start === undefined ? null : formatUtc(d.start),
    end: d.end === undefined ? null : formatUtc(d.end),
    duration: d.start === undefined || d.end === undefined ? null : formatDuration(d.end - d.start),
    detection: d.detection ? entryView(d.detection) : null,
    ...milestonesView(d),
    severity: d.severity ?? null,
    lead: d.lead ?? null,
    actionItems: d.actionItems.map((a) => ({ text: a.text, owner: a.owner ?? 'TODO', due: a.due ?? 'TODO', link: a.link ? (markdownLink(a.link) ?? null) : null })),
    participants: d.participants.map((p) => ({ name: p.name, messages: p.messages })),
    participantList: d.participants.map((p) => `${p.name} (${p.messages})`).join(', '),
    timeline: d.timeline.map(entryView),
    pinned: d.pinned.map(entryView),
    messageCount: d.messageCount,
    threadCount: d.threadCount,
    truncated: d.truncated ? { maxMessages: d.maxMessages.toLocaleString('en-US') } : null,
  };
}

const SUMMARY_ENTRIES = 8;

function whereItLanded(d: PostmortemDraft, landing: Landing, filename: string): string {
  if (landing.kind === 'file') return `Full draft in ${escapeMrkdwn(filename)} in the thread (no canvas: ${escapeMrkdwn(landing.reason)}).`;
  const verb = landing.created ? 'Draft written to' : 'Refreshed';
  const kept = landing.kept.length ? ` Your edits to ${landing.kept.map((name) => `\`${name}\``).join(', ')} were kept; the new version is proposed beside each.` : '';
  return `${verb} the canvas of <#${d.channel.id}>: only deckhand's blocks change when you run it again.${kept}`;
}

export function renderPostmortemBlocks(d: PostmortemDraft, landing: Landing, filename: string): KnownBlock[] {
  const when =
    d.start === undefined || d.end === undefined
      ? 'No messages in the window.'
      : `${slackDate(d.start)} → ${slackDate(d.end)} (${formatDuration(d.end - d.start)})`;
  const who = d.participants.length ? d.participants.map((p) => escapeMrkdwn(p.name)).join(', ') : 'nobody';
  const lines = d.timeline.slice(0, SUMMARY_ENTRIES).map((e) => `• ${slackDate(e.at)} *${escapeMrkdwn(e.who)}*: ${escapeMrkdwn(truncate(e.text, 200))}`);
  if (d.timeline.length > SUMMARY_ENTRIES) lines.push(`… ${d.timeline.length - SUMMARY_ENTRIES} more in the draft`);
  return [
    header(`Postmortem draft: ${d.title}`),
    section(
      `*Channel* <#${d.channel.id}>\n*When* ${when}\n*Who* ${who}\n*Read* ${d.messageCount} messages (threads: ${d.threadCount}, pinned: ${d.pinned.length}), since ${slackDate(d.window.start)} (${WINDOW_BASIS[d.window.basis]})`,
    ),
    ...(lines.length ? [section(`*Key moments*\n${lines.join('\n')}`)] : []),
    ...(d.truncated ? [context(`:warning: Only the newest ${d.maxMessages.toLocaleString('en-US')} messages were read; narrow the window with \`--since\` for the rest.`)] : []),
    context(`${whereItLanded(d, landing, filename)} A human must write the TODO parts: impact, root cause, lessons, action items.`),
  ];
}
