/** The postmortem draft as a template view (for `templates/postmortem.md`) and as a short Block Kit summary. Pure. */
import type { KnownBlock } from '@slack/types';
import { context, escapeMrkdwn, header, section, slackDate, truncate } from '../../blocks/format.js';
import { formatDuration, formatUtc } from '../../time.js';
import type { TemplateView } from '../template.js';
import type { PostmortemDraft, TimelineEntry } from './draft.js';

const REASON_LABELS: Record<string, string> = {
  start: 'first message', end: 'last message', pinned: 'pinned', marked: 'marked', deckhand: 'deckhand', alert: 'alert',
  deploy: 'deploy', rollback: 'rollback', mitigation: 'mitigation', resolved: 'resolved', cause: 'cause',
};

function entryView(e: TimelineEntry): TemplateView {
  return { time: formatUtc(e.at), who: e.who, text: e.text, tags: e.reasons.map((r) => REASON_LABELS[r] ?? r).join(', '), inThread: e.inThread };
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
    hasBookmarks: d.bookmarks.some((b) => markdownLink(b.link)),
    generatedAt: formatUtc(d.generatedAt),
    windowStart: formatUtc(d.windowStart),
    start: d.start === undefined ? null : formatUtc(d.start),
    end: d.end === undefined ? null : formatUtc(d.end),
    duration: d.start === undefined || d.end === undefined ? null : formatDuration(d.end - d.start),
    detection: d.detection ? entryView(d.detection) : null,
    participants: d.participants.map((p) => ({ name: p.name, messages: p.messages })),
    participantList: d.participants.map((p) => `${p.name} (${p.messages})`).join(', '),
    timeline: d.timeline.map(entryView),
    pinned: d.pinned.map(entryView),
    hasPinned: d.pinned.length > 0,
    messageCount: d.messageCount,
    threadCount: d.threadCount,
    truncated: d.truncated ? { maxMessages: d.maxMessages.toLocaleString('en-US') } : null,
  };
}

const SUMMARY_ENTRIES = 8;

export function renderPostmortemBlocks(d: PostmortemDraft, filename: string): KnownBlock[] {
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
      `*Channel* <#${d.channel.id}>\n*When* ${when}\n*Who* ${who}\n*Read* ${d.messageCount} messages (threads: ${d.threadCount}, pinned: ${d.pinned.length}), since ${slackDate(d.windowStart)}`,
    ),
    ...(lines.length ? [section(`*Key moments*\n${lines.join('\n')}`)] : []),
    ...(d.truncated ? [context(`:warning: Only the newest ${d.maxMessages.toLocaleString('en-US')} messages were read; narrow the window with \`--since\` for the rest.`)] : []),
    context(`Full draft in ${escapeMrkdwn(filename)} in the thread. A human must write the TODO parts: impact, root cause, action items.`),
  ];
}
