/**
 * Read-only gathering of an incident channel for the postmortem draft: the channel's messages in the
 * window (cursor-paginated, newest first as Slack serves them) with their reactions, the replies of every
 * thread, the pins, the channel's topic, purpose and bookmarks, and the names of the people involved. Bounded by `maxMessages`; paced per Slack tier.
 */
import type { WebClient } from '@slack/web-api';
import { UserFacingError } from '../../errors.js';
import type { Clock } from '../../integrations/clock.js';
import type { AuditEntry } from '../../integrations/redis/audit.js';
import type { ChannelActivity } from './activity.js';
import type { ChannelRef, ReadWindow } from './args.js';
import { TIER_2, TIER_3, TIER_4, TierPacer } from './pacer.js';

export interface ChatMessage {
  ts: string;
  user?: string;
  botId?: string;
  /** The name an integration posts under (PagerDuty, Alertmanager…), for bot messages. */
  botName?: string;
  text: string;
  /** Set on replies (the parent's ts) and on thread parents (their own ts). */
  threadTs?: string;
  fileTitles?: string[];
  /** Names of the reactions people added (a configured one marks a timeline event). */
  reactions?: string[];
}

export interface Bookmark {
  title: string;
  link: string;
}

export interface ChannelHistory {
  channel: { id: string; name: string; isPrivate: boolean; topic: string; purpose: string; createdMs: number };
  /** Where reading started (the window's basis says why). */
  window: ReadWindow;
  bookmarks: Bookmark[];
  /** Top-level messages and thread replies, oldest first. */
  messages: ChatMessage[];
  pinnedTs: string[];
  /** Display names by user id; ids that users.info does not know stay absent. */
  userNames: Record<string, string>;
  /** The bot's own user id, to recognise deckhand's job messages. */
  botUserId?: string;
  /** deckhand's audit entries for the plans requested in this channel during the window. */
  activity: ChannelActivity;
  /** The workspace's address (auth.test `url`), for permalinks. */
  workspaceUrl: string;
  /** True when the history had more than `maxMessages` messages in the window (the newest were kept). */
  truncated: boolean;
}

export interface GatherOptions {
  slack: WebClient;
  clock: Clock;
  /** The channel the command came from (a private channel is only drafted from inside itself). */
  requestChannel: string;
  /** Why the policy forbids reading a channel, or undefined when it allows it. */
  readRefusal(channel: string): string | undefined;
  target?: ChannelRef;
  /** Where to start reading, once the channel (and its creation time) is known. */
  window(channelCreatedMs: number): ReadWindow;
  maxMessages: number;
  /** deckhand's own record for the resolved channel (audit stream), read alongside Slack's. */
  activity(channelId: string, fromMs: number): Promise<ChannelActivity>;
  /** Called after every history or replies page: a long channel takes minutes at Slack's rate. */
  onProgress?(progress: ReadProgress): void;
}

export interface ReadProgress {
  channel: string;
  historyPages: number;
  threadsRead: number;
  /** Threads found so far (grows while history pages arrive). */
  threadsFound: number;
  messages: number;
}

const PAGE = 200;

/** Slack's housekeeping messages (joins, topic changes, "pinned a message") say nothing about the incident. */
const HOUSEKEEPING = new Set(['channel_join', 'channel_leave', 'channel_topic', 'channel_purpose', 'channel_name', 'channel_archive', 'channel_unarchive', 'pinned_item', 'unpinned_item', 'reminder_add']);

interface WireMessage {
  subtype?: string;
  ts?: string;
  user?: string;
  bot_id?: string;
  username?: string;
  text?: string;
  thread_ts?: string;
  reply_count?: number;
  files?: { title?: string; name?: string }[];
  bot_profile?: { name?: string };
  attachments?: { title?: string; text?: string; fallback?: string; pretext?: string }[];
  reactions?: { name?: string }[];
}

interface WireChannel {
  id?: string;
  name?: string;
  is_private?: boolean;
  topic?: { value?: string };
  purpose?: { value?: string };
  /** Unix seconds. */
  created?: number;
}

/** Alerting integrations put the alert in attachments; their text joins the message's own. */
function messageText(m: WireMessage): string {
  const parts = [m.text ?? '', ...(m.attachments ?? []).flatMap((a) => [a.pretext, a.title, a.text ?? a.fallback])];
  return parts.filter((part) => part?.trim()).join('\n');
}

function toMessage(m: WireMessage): ChatMessage {
  const files = (m.files ?? []).map((f) => f.title ?? f.name ?? 'file');
  const reactions = (m.reactions ?? []).flatMap((r) => (r.name ? [r.name] : []));
  const botName = m.username ?? m.bot_profile?.name;
  return {
    ts: m.ts!,
    text: messageText(m),
    ...(m.user ? { user: m.user } : {}),
    ...(m.bot_id ? { botId: m.bot_id } : {}),
    ...(botName ? { botName } : {}),
    ...(reactions.length ? { reactions } : {}),
    ...(m.thread_ts ? { threadTs: m.thread_ts } : {}),
    ...(files.length ? { fileTitles: files } : {}),
  };
}

/** The `error` of a failed Web API call (`not_in_channel`, `missing_scope`…), if it is one. */
export function slackErrorCode(error: unknown): string | undefined {
  const data = (error as { data?: { error?: unknown } } | undefined)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

/** Turns the errors a user can fix (bot not invited, unknown channel) into advice. */
async function readable<T>(channelLabel: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const code = slackErrorCode(error);
    if (code === 'not_in_channel') {
      throw new UserFacingError(`deckhand is not a member of ${channelLabel}: invite it (\`/invite @deckhand\`) and try again.`, { code: 'slack-not-in-channel', cause: error });
    }
    if (code === 'channel_not_found') {
      throw new UserFacingError(`deckhand cannot see ${channelLabel}: check the name, and invite it if the channel is private.`, { code: 'slack-channel-not-found', cause: error });
    }
    throw error;
  }
}

async function resolveChannel(slack: WebClient, pacer: TierPacer, requestChannel: string, target?: ChannelRef): Promise<ChannelHistory['channel']> {
  if (target && 'name' in target) {
    let cursor: string | undefined;
    do {
      const page = await pacer.call(() => slack.conversations.list({ types: 'public_channel,private_channel', exclude_archived: true, limit: PAGE, ...(cursor ? { cursor } : {}) }));
      const found = (page.channels as WireChannel[] | undefined)?.find((c) => c.name === target.name);
      if (found?.id) return channelOf(found.id, found);
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
    throw new UserFacingError(`No channel #${target.name} that deckhand can see. Check the name, or pass the channel id.`);
  }
  const id = target?.id ?? requestChannel;
  const info = await readable(`<#${id}>`, () => slack.conversations.info({ channel: id }));
  return channelOf(id, (info.channel ?? {}) as WireChannel);
}

function channelOf(id: string, c: WireChannel): ChannelHistory['channel'] {
  return { id, name: c.name ?? id, isPrivate: Boolean(c.is_private), topic: c.topic?.value ?? '', purpose: c.purpose?.value ?? '', createdMs: (c.created ?? 0) * 1000 };
}

export async function gatherChannel(opts: GatherOptions): Promise<ChannelHistory> {
  const { slack } = opts;
  // Slack limits each method separately (per workspace and app): one pacer per method lets history pages and
  // thread replies go out side by side, each at its own tier's rate.
  const pacer = (perMinute: number) => new TierPacer(opts.clock, perMinute);
  const pace = { list: pacer(TIER_2), history: pacer(TIER_3), replies: pacer(TIER_3), pins: pacer(TIER_2), bookmarks: pacer(TIER_3), users: pacer(TIER_4) };
  const channel = await resolveChannel(slack, pace.list, opts.requestChannel, opts.target);
  const refusal = opts.readRefusal(channel.id);
  if (refusal) throw new UserFacingError(refusal);
  // Posting a private channel's content elsewhere could show it to people outside it.
  if (channel.isPrivate && channel.id !== opts.requestChannel) {
    throw new UserFacingError(`#${channel.name} is private: run \`/deckhand postmortem\` inside it so the draft stays there.`);
  }
  const label = `#${channel.name}`;
  const window = opts.window(channel.createdMs);
  const oldest = (window.start / 1000).toFixed(6);

  const progress: ReadProgress = { channel: channel.name, historyPages: 0, threadsRead: 0, threadsFound: 0, messages: 0 };
  const report = () => opts.onProgress?.({ ...progress });
  const topLevel: WireMessage[] = [];
  const replies: WireMessage[] = [];
  let truncated = false;
  const full = () => topLevel.length + replies.length >= opts.maxMessages;

  const readThread = async (parent: WireMessage) => {
    let cursor: string | undefined;
    do {
      if (full()) {
        truncated = true;
        return;
      }
      const page = await pace.replies.call(() => readable(label, () => slack.conversations.replies({ channel: channel.id, ts: parent.ts!, limit: PAGE, ...(cursor ? { cursor } : {}) })));
      replies.push(...((page.messages ?? []) as WireMessage[]).filter((m) => m.ts !== parent.ts));
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
    progress.threadsRead += 1;
    progress.messages = topLevel.length + replies.length;
    report();
  };

  // Threads are read one after another while history pages keep arriving (newest first, like Slack serves them).
  let threads: Promise<void> = Promise.resolve();
  let cursor: string | undefined;
  try {
    do {
      const page = await pace.history.call(() => readable(label, () => slack.conversations.history({ channel: channel.id, oldest, limit: PAGE, ...(cursor ? { cursor } : {}) })));
      const room = opts.maxMessages - topLevel.length - replies.length;
      const messages = (page.messages ?? []) as WireMessage[];
      const taken = messages.slice(0, Math.max(0, room));
      topLevel.push(...taken);
      cursor = page.response_metadata?.next_cursor || undefined;
      if (taken.length < messages.length || (cursor && full())) truncated = true;
      for (const parent of taken.filter((m) => m.reply_count)) {
        progress.threadsFound += 1;
        threads = threads.then(() => readThread(parent));
      }
      progress.historyPages += 1;
      progress.messages = topLevel.length + replies.length;
      report();
    } while (cursor && !truncated);
  } finally {
    // A failed history page must not leave thread reads running unobserved.
    await threads.catch(() => undefined);
  }
  await threads;

  const pins = await pace.pins.call(() => readable(label, () => slack.pins.list({ channel: channel.id })));
  const pinnedTs = (pins.items ?? []).flatMap((item) => (item.message?.ts ? [item.message.ts] : []));
  const marks = await pace.bookmarks.call(() => readable(label, () => slack.bookmarks.list({ channel_id: channel.id })));
  const bookmarks = (marks.bookmarks ?? []).flatMap((b) => (b.link ? [{ title: b.title ?? b.link, link: b.link }] : []));

  const messages = [...topLevel, ...replies]
    .slice(0, opts.maxMessages)
    .filter((m) => !m.subtype || !HOUSEKEEPING.has(m.subtype))
    .map(toMessage)
    .sort((a, b) => Number(a.ts) - Number(b.ts));
  const activity = await opts.activity(channel.id, window.start);
  const auth = await slack.auth.test();
  const userNames = await resolveNames(slack, pace.users, messages, activity.entries);
  return { channel, window, bookmarks, messages, pinnedTs, userNames, activity, workspaceUrl: auth.url ?? '', ...(auth.user_id ? { botUserId: auth.user_id } : {}), truncated };
}

/** users.info once per distinct author, mentioned user and audit actor (a per-report cache: names rarely change mid-incident). */
async function resolveNames(slack: WebClient, pacer: TierPacer, messages: ChatMessage[], activity: AuditEntry[]): Promise<Record<string, string>> {
  const ids = new Set<string>(activity.flatMap((e) => (/^[UW][A-Z0-9]+$/.test(e.actor) ? [e.actor] : [])));
  for (const m of messages) {
    if (m.user) ids.add(m.user);
    for (const [, id] of m.text.matchAll(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g)) ids.add(id!);
  }
  const names: Record<string, string> = {};
  for (const id of ids) {
    try {
      const { user } = await pacer.call(() => slack.users.info({ user: id }));
      const name = user?.profile?.display_name || user?.real_name || user?.name;
      if (name) names[id] = name;
    } catch (error) {
      // A deleted or foreign user keeps its id in the draft; anything else is a real failure.
      if (slackErrorCode(error) !== 'user_not_found') throw error;
    }
  }
  return names;
}
