/**
 * A Slack Web API stand-in speaking the real wire protocol (form or JSON POST to /api/<method>),
 * so the bot's real WebClient and the outbox run unchanged against it (SLACK_API_URL = `url`).
 * It records every call, keeps messages per channel and thread, hands out response_urls, and
 * answers 429 + Retry-After (or any error) on demand, and on its own to posts beyond Slack's per-channel limit. Channel history, thread replies and pins are
 * served with Slack's cursor pagination from the stored messages (seeded ones included).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';
import type { SocketModeServer } from './socket-mode.js';
import type { VirtualClock } from '../clock.js';

export interface RecordedCall {
  method: string;
  body: Record<string, unknown>;
  at: number;
  /** The HTTP status the stand-in answered with. */
  status: number;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  /** Author; bot posts carry the bot's user id and `botId`. */
  user?: string;
  botId?: string;
  pinned?: boolean;
  subtype?: string;
  text: string;
  blocks: unknown[];
  threadTs?: string;
  /** Ephemeral messages (chat.postEphemeral, response_url) are visible to this user only. */
  ephemeralTo?: string;
  /** `name` is the uploaded file name (its extension says how Slack previews it). */
  files?: { id: string; title: string; name?: string; content: string }[];
  /** Reaction name → the users who added it, in order. */
  reactions?: Record<string, string[]>;
  /** The name an integration posts under (`username` on the wire). */
  botName?: string;
  attachments?: WireAttachment[];
  /** Every version of the message, oldest first (chat.update appends). */
  history: { text: string; blocks: unknown[]; at: number }[];
}

export interface FailureSpec {
  status?: number;
  /** Seconds, sent as the Retry-After header (Slack's 429 contract). */
  retryAfter?: number;
  /** A Slack error code answered as `{ ok: false, error }` (HTTP 200 unless `status` says otherwise). */
  error?: string;
  /** Only calls whose body matches fail (default: the next call of the method). */
  when?: (body: Record<string, unknown>) => boolean;
}

/** Legacy message attachments, the shape alerting integrations (Alertmanager, PagerDuty, Datadog) still post. */
export interface WireAttachment {
  title?: string;
  text?: string;
  fallback?: string;
  pretext?: string;
  color?: string;
}

export interface ChannelSeed {
  name: string;
  /** When the channel was created (ms); default 2020-01-01, a long-lived channel. */
  createdMs?: number;
  topic?: string;
  purpose?: string;
  bookmarks?: { title: string; link: string }[];
}

export interface SlackStandInOptions {
  /** Users known to users.info, by id. */
  users?: Record<string, { name: string; realName?: string; tz?: string }>;
  /** User groups by handle (without @), e.g. `{ sre: ['U0ALICE'] }`. */
  usergroups?: Record<string, string[]>;
  /** Channels by id: a name, or a name with topic, purpose and bookmarks (conversations.info, bookmarks.list). */
  channels?: Record<string, string | ChannelSeed>;
  /** Where `apps.connections.open` (app-level `xapp-` tokens only) sends Socket Mode clients. */
  socketMode?: Pick<SocketModeServer, 'connectionUrl'>;
  /** The bot token's scopes; a method needing another answers `missing_scope` (default: the app manifest's). */
  scopes?: string[];
  /** The sandbox's clock, held while the stand-in answers (the bot is its only caller). */
  clockToHold?: VirtualClock;
  /** False: a workspace whose plan or admins do not allow canvases (`canvas_disabled_user_team`). */
  canvases?: boolean;
  /** The clock that stamps recorded calls (a benchmark's virtual clock); default real time. */
  now?: () => number;
  /** The workspace's installed app's tokens; any other token is `invalid_auth` (default SANDBOX_TOKENS). */
  tokens?: SlackTokens;
  /**
   * Slack's per-channel posting limit ("1 message per second per channel, short bursts allowed"): a token bucket
   * per channel holding `burst` posts, refilled one per `intervalMs`. A chat.postMessage finding it empty answers
   * 429 with Retry-After. On by default with Slack's figures (SLACK_POSTS_PER_CHANNEL); tests may scale it down.
   */
  postsPerChannel?: { intervalMs: number; burst: number };
}

export interface SlackTokens {
  /** The bot user's OAuth token (`xoxb-`). */
  bot: string;
  /** The app-level token with connections:write (`xapp-`), for Socket Mode. */
  app: string;
}

/**
 * Slack's chat.postMessage limit: 1 per second per channel, "short bursts" allowed (docs/platform-facts.md). Slack
 * publishes no burst size; 3 lets a command's plan card and its thread notes land at once and still refuses floods.
 */
export const SLACK_POSTS_PER_CHANNEL = { intervalMs: 1000, burst: 3 };

export const SANDBOX_TOKENS: SlackTokens = { bot: 'xoxb-sandbox-token', app: 'xapp-sandbox-token' };

export interface StoredCanvas {
  id: string;
  channel: string;
  title: string;
  markdown: string;
  /** Every version, oldest first: created, then each edit (deckhand's or a person's). */
  history: string[];
}

/** A message as a test or the sandbox seeds it (a human's, unless `botId` is given). */
export interface SeedMessage {
  user: string;
  text: string;
  /** Slack timestamp, `<unix seconds>.<6 digits>`; absent: now, as for a message a person posts. */
  ts?: string;
  /** The parent's ts, for a thread reply. */
  threadTs?: string;
  pinned?: boolean;
  botId?: string;
  /** e.g. `channel_join`, or `bot_message` for an integration's post. */
  subtype?: string;
  /** The name an integration posts under. */
  botName?: string;
  attachments?: WireAttachment[];
  /** Reaction name (without colons) → the users who added it. */
  reactions?: Record<string, string[]>;
}

export interface SlackStandIn {
  /** Base for SLACK_API_URL, ending in /api/. */
  url: string;
  /** The only tokens the stand-in accepts. */
  tokens: SlackTokens;
  calls: RecordedCall[];
  callsTo(method: string): RecordedCall[];
  messages(channel: string): StoredMessage[];
  /** The parent message followed by its replies. */
  thread(channel: string, ts: string): StoredMessage[];
  /** The channel's canvas, if it has one. */
  channelCanvas(channel: string): StoredCanvas | undefined;
  /** A person editing a canvas in Slack. */
  editCanvas(id: string, markdown: string): void;
  /** A person pinning (or unpinning) a message in Slack's client; `message_not_found` for an unknown or ephemeral one. */
  pin(channel: string, ts: string, pinned: boolean): void;
  /** A person adding (or, when they already had it, removing) a reaction in Slack's client. */
  toggleReaction(channel: string, ts: string, name: string, user: string): void;
  /** Adds a message to a channel's history as if someone had posted it at `ts`. */
  seedMessage(channel: string, message: SeedMessage): StoredMessage;
  /** A fresh response_url for one slash command or click (messages posted to it land in `channel`). */
  responseUrl(channel: string, user: string): string;
  failNext(method: string, failure?: FailureSpec): void;
  /** Every Web API call fails with `failure` (e.g. `{ status: 500 }` or `{ retryAfter: 1 }`) until `outage(undefined)`. */
  outage(failure: FailureSpec | undefined): void;
  /** Poll the recorded state (real time) until `check` returns a value. */
  waitFor<T>(check: () => T | undefined | false, timeoutMs?: number, what?: string): Promise<T>;
  stop(): Promise<void>;
}

const BOT_USER = 'U0DECKHAND';
const LONG_AGO_MS = Date.parse('2020-01-01T00:00:00Z');
const BOT_ID = 'B0DECKHAND';
/** Slack's default page size for history and replies, and its maximum. */
const DEFAULT_PAGE = 100;
const MAX_PAGE = 999;

export async function startSlackStandIn(opts: SlackStandInOptions = {}): Promise<SlackStandIn> {
  const calls: RecordedCall[] = [];
  const byChannel = new Map<string, StoredMessage[]>();
  const pendingFailures = new Map<string, FailureSpec[]>();
  const responseUrls = new Map<string, { channel: string; user: string }>();
  const uploads = new Map<string, { filename: string; content: string }>();
  let tsCounter = 0;
  let idCounter = 0;
  const groupIds = Object.fromEntries(Object.keys(opts.usergroups ?? {}).map((handle) => [`S0${handle.toUpperCase().replace(/[^A-Z0-9]/g, '')}`, handle]));

  // Slack stamps a message with the time it arrives; in a sandbox that is the sandbox's time, which deckhand and
  // the seeded history live in (a person's message from the console and the bot's reply must sort in order).
  const nextTs = () => {
    tsCounter += 1;
    return `${Math.floor((opts.clockToHold?.now() ?? Date.now()) / 1000)}.${String(tsCounter).padStart(6, '0')}`;
  };
  const channelMessages = (channel: string) => {
    let list = byChannel.get(channel);
    if (!list) byChannel.set(channel, (list = []));
    return list;
  };
  const store = (m: Omit<StoredMessage, 'ts' | 'history'> & { ts?: string }): StoredMessage => {
    const message: StoredMessage = { ...m, ts: m.ts ?? nextTs(), history: [{ text: m.text, blocks: m.blocks, at: Date.now() }] };
    const list = channelMessages(m.channel);
    list.push(message);
    // Seeded messages may arrive out of order; Slack's history is ordered by ts.
    if (list.length > 1 && compareTs(list[list.length - 2]!.ts, message.ts) > 0) list.sort((a, b) => compareTs(a.ts, b.ts));
    return message;
  };
  const channelSeed = (id: string): ChannelSeed => {
    const seed = opts.channels?.[id];
    return typeof seed === 'string' ? { name: seed } : (seed ?? { name: id.toLowerCase() });
  };
  const channelInfo = (id: string) => {
    const seed = channelSeed(id);
    const stamp = (value = '') => ({ value, creator: value ? 'U0ADMIN' : '', last_set: 0 });
    const canvas = canvasOf(id);
    return {
      id,
      name: seed.name,
      is_channel: true,
      is_private: id.startsWith('G'),
      topic: stamp(seed.topic),
      purpose: stamp(seed.purpose),
      created: Math.floor((seed.createdMs ?? LONG_AGO_MS) / 1000),
      ...(canvas ? { properties: { canvas: { file_id: canvas.id, is_empty: canvas.markdown === '' } } } : {}),
    };
  };
  const scopes = new Set(opts.scopes ?? MANIFEST_SCOPES);
  const tokens = opts.tokens ?? SANDBOX_TOKENS;
  const now = opts.now ?? Date.now;
  const canvases = new Map<string, StoredCanvas>();
  const canvasOf = (channel: string) => [...canvases.values()].find((c) => c.channel === channel);
  const canvasById = (id: unknown) => {
    const canvas = canvases.get(String(id ?? ''));
    if (!canvas) throw new SlackError('canvas_not_found');
    return canvas;
  };
  const publicMessage = (channel: string, ts: string) => {
    const message = channelMessages(channel).find((m) => m.ts === ts && !m.ephemeralTo);
    if (!message) throw new SlackError('message_not_found');
    return message;
  };
  /** Public (non-ephemeral) messages of a channel, oldest first. */
  const visible = (channel: string) => channelMessages(channel).filter((m) => !m.ephemeralTo);
  /** Reply counts of a channel's threads, counted once per request (a channel may hold 10,000 messages). */
  const replyCounts = (channel: string) => {
    const counts = new Map<string, number>();
    for (const r of visible(channel)) if (r.threadTs && r.threadTs !== r.ts) counts.set(r.threadTs, (counts.get(r.threadTs) ?? 0) + 1);
    return counts;
  };
  const wire = (m: StoredMessage, counts = replyCounts(m.channel)) => {
    const replies = counts.get(m.ts) ?? 0;
    return {
      type: 'message',
      ...(m.subtype ? { subtype: m.subtype } : {}),
      ts: m.ts,
      text: m.text,
      ...(m.user ? { user: m.user } : {}),
      ...(m.botId ? { bot_id: m.botId } : {}),
      ...(m.threadTs ? { thread_ts: m.threadTs } : replies ? { thread_ts: m.ts } : {}),
      ...(replies ? { reply_count: replies } : {}),
      ...(m.blocks.length ? { blocks: m.blocks } : {}),
      ...(m.files ? { files: m.files.map(({ id, title }) => ({ id, title })) } : {}),
      ...(m.pinned ? { pinned_to: [m.channel] } : {}),
      ...(m.botName ? { username: m.botName } : {}),
      ...(m.attachments ? { attachments: m.attachments.map((a, i) => ({ id: i + 1, ...a })) } : {}),
      ...(m.reactions ? { reactions: Object.entries(m.reactions).map(([name, users]) => ({ name, users, count: users.length })) } : {}),
    };
  };
  /** One page of messages on the wire: only the page's messages count their replies. */
  const wirePage = (list: StoredMessage[], body: Record<string, unknown>) => {
    const page = paginate(list, body);
    const counts = replyCounts(String(body.channel));
    return { ...page, messages: page.messages.map((m) => wire(m, counts)) };
  };

  let origin = '';

  const methods: Record<string, (body: Record<string, unknown>) => Record<string, unknown>> = {
    'apps.connections.open': () => {
      if (!opts.socketMode) throw new SlackError('socket_mode_not_enabled');
      return { url: opts.socketMode.connectionUrl() };
    },
    'auth.test': () => ({ url: 'https://deckhand-sandbox.slack.com/', team: 'sandbox', user: 'deckhand', team_id: 'T0SANDBOX', user_id: BOT_USER, bot_id: 'B0DECKHAND' }),
    'chat.postMessage': (body) => {
      const channel = requireString(body, 'channel');
      const message = store({ channel, user: BOT_USER, botId: BOT_ID, text: String(body.text ?? ''), blocks: asArray(body.blocks), ...(body.thread_ts ? { threadTs: String(body.thread_ts) } : {}) });
      return { channel, ts: message.ts, message: { text: message.text, blocks: message.blocks, ts: message.ts, user: BOT_USER, bot_id: BOT_ID } };
    },
    'chat.update': (body) => {
      const channel = requireString(body, 'channel');
      const ts = requireString(body, 'ts');
      const message = publicMessage(channel, ts);
      message.text = String(body.text ?? message.text);
      if (body.blocks !== undefined) message.blocks = asArray(body.blocks);
      message.history.push({ text: message.text, blocks: message.blocks, at: Date.now() });
      return { channel, ts, text: message.text };
    },
    'chat.postEphemeral': (body) => {
      const channel = requireString(body, 'channel');
      const message = store({ channel, text: String(body.text ?? ''), blocks: asArray(body.blocks), ephemeralTo: requireString(body, 'user'), ...(body.thread_ts ? { threadTs: String(body.thread_ts) } : {}) });
      return { message_ts: message.ts };
    },
    'conversations.history': (body) => {
      const channel = requireString(body, 'channel');
      const oldest = body.oldest === undefined ? undefined : String(body.oldest);
      const latest = body.latest === undefined ? undefined : String(body.latest);
      // Top-level messages and thread parents (not replies), newest first, like Slack.
      const list = visible(channel)
        .filter((m) => !m.threadTs || m.threadTs === m.ts)
        .filter((m) => (oldest === undefined || compareTs(m.ts, oldest) > 0) && (latest === undefined || compareTs(m.ts, latest) < 0))
        .reverse();
      return wirePage(list, body);
    },
    'conversations.replies': (body) => {
      const channel = requireString(body, 'channel');
      const ts = requireString(body, 'ts');
      const parent = visible(channel).find((m) => m.ts === ts);
      if (!parent) throw new SlackError('thread_not_found');
      const replies = visible(channel).filter((m) => m.threadTs === ts && m.ts !== ts);
      return wirePage([parent, ...replies], body);
    },
    'conversations.list': (body) => {
      const ids = new Set([...Object.keys(opts.channels ?? {}), ...byChannel.keys()]);
      const channels = [...ids].map(channelInfo);
      const { messages, ...rest } = paginate(channels, body);
      return { channels: messages, ...rest };
    },
    'pins.list': (body) => {
      const channel = requireString(body, 'channel');
      const counts = replyCounts(channel);
      return { items: visible(channel).filter((m) => m.pinned).map((m) => ({ type: 'message', channel, created: Math.floor(Number(m.ts)), message: wire(m, counts) })) };
    },
    'conversations.info': (body) => {
      return { channel: channelInfo(requireString(body, 'channel')) };
    },
    'bookmarks.list': (body) => {
      const seed = channelSeed(requireString(body, 'channel_id'));
      return {
        bookmarks: (seed.bookmarks ?? []).map((b, i) => ({ id: `Bk0${i + 1}`, channel_id: body.channel_id, title: b.title, link: b.link, type: 'link', emoji: null, date_created: 0 })),
      };
    },
    'users.info': (body) => {
      const id = requireString(body, 'user');
      const user = opts.users?.[id];
      if (!user) throw new SlackError('user_not_found');
      return { user: { id, name: user.name, real_name: user.realName ?? user.name, tz: user.tz ?? 'UTC' } };
    },
    'usergroups.list': () => ({
      usergroups: Object.entries(groupIds).map(([id, handle]) => ({ id, handle, name: handle, users: opts.usergroups?.[handle] ?? [] })),
    }),
    'usergroups.users.list': (body) => {
      const handle = groupIds[requireString(body, 'usergroup')];
      if (handle === undefined) throw new SlackError('no_such_subteam');
      return { users: opts.usergroups?.[handle] ?? [] };
    },
    'conversations.canvases.create': (body) => {
      const channel = requireString(body, 'channel_id');
      if (opts.canvases === false) throw new SlackError('canvas_disabled_user_team');
      if (canvasOf(channel)) throw new SlackError('channel_canvas_already_exists');
      const markdown = documentMarkdown(body.document_content);
      idCounter += 1;
      const canvas: StoredCanvas = { id: `F0CANVAS${idCounter}`, channel, title: String(body.title ?? ''), markdown, history: [markdown] };
      canvases.set(canvas.id, canvas);
      return { canvas_id: canvas.id };
    },
    'canvases.getContent': (body) => ({ content: canvasById(body.canvas_id).markdown }),
    'canvases.edit': (body) => {
      const canvas = canvasById(body.canvas_id);
      const changes = (typeof body.changes === 'string' ? JSON.parse(body.changes) : body.changes) as { operation?: string; section_id?: string; document_content?: unknown }[];
      for (const change of changes ?? []) {
        // Only the whole-document replace is modelled: the one deckhand uses.
        if (change.operation !== 'replace' || change.section_id !== undefined) throw new SlackError('invalid_arguments');
        canvas.markdown = documentMarkdown(change.document_content);
        canvas.history.push(canvas.markdown);
      }
      return {};
    },
    'files.getUploadURLExternal': (body) => {
      idCounter += 1;
      const id = `F0${idCounter}`;
      uploads.set(id, { filename: requireString(body, 'filename'), content: '' });
      return { upload_url: `${origin}/upload/${id}`, file_id: id };
    },
    'files.completeUploadExternal': (body) => {
      const files = asArray(body.files) as { id: string; title?: string }[];
      const completed = files.map((f) => {
        const upload = uploads.get(f.id);
        if (!upload) throw new SlackError('file_not_found');
        return { id: f.id, title: f.title ?? upload.filename, name: upload.filename, content: upload.content };
      });
      if (body.channel_id) {
        store({
          channel: String(body.channel_id),
          text: String(body.initial_comment ?? ''),
          blocks: [],
          files: completed,
          ...(body.thread_ts ? { threadTs: String(body.thread_ts) } : {}),
        });
      }
      return { files: completed.map(({ id, title }) => ({ id, title })) };
    },
  };

  let ongoingOutage: FailureSpec | undefined;
  const withRetryAfter = (seconds: number | undefined): FailureSpec | undefined => (seconds === undefined ? undefined : { retryAfter: seconds });
  const buckets = new Map<string, { tokens: number; at: number }>();
  const limit = opts.postsPerChannel ?? SLACK_POSTS_PER_CHANNEL;
  /**
   * Seconds to wait when the channel's bucket is empty, else takes a token and answers undefined. The bucket fills
   * in real time, not on the sandbox's clock: deckhand waits out Retry-After and paces its posts with real timers
   * (the WebClient's, the outbox's), never on its injected Clock, so a bucket on virtual time would never refill
   * while a test holds the clock still (speed 0) and would refill too fast while the clock races ahead.
   */
  const postingLimited = (channel: string): number | undefined => {
    const at = Date.now();
    const bucket = buckets.get(channel) ?? { tokens: limit.burst, at };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + (at - bucket.at) / limit.intervalMs);
    bucket.at = at;
    buckets.set(channel, bucket);
    if (bucket.tokens < 1) return Math.max(1, Math.ceil(((1 - bucket.tokens) * limit.intervalMs) / 1000));
    bucket.tokens -= 1;
    return undefined;
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { ok: false, error: String(error) }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://slack');
    const raw = await readBody(req);
    if (url.pathname.startsWith('/upload/')) {
      const upload = uploads.get(url.pathname.slice('/upload/'.length));
      if (!upload) return send(res, 404, { ok: false });
      upload.content = uploadedContent(req.headers['content-type'], raw);
      calls.push({ method: 'files.upload', body: { file: upload.filename }, at: Date.now(), status: 200 });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('OK');
      return;
    }
    if (url.pathname.startsWith('/response/')) {
      const target = responseUrls.get(url.pathname.slice('/response/'.length));
      const body = parseBody(req.headers['content-type'], raw);
      calls.push({ method: 'response_url', body, at: Date.now(), status: target ? 200 : 404 });
      if (!target) return send(res, 404, { ok: false, error: 'expired_url' });
      if (body.response_type === 'in_channel') {
        store({ channel: target.channel, text: String(body.text ?? ''), blocks: asArray(body.blocks) });
      } else {
        store({ channel: target.channel, text: String(body.text ?? ''), blocks: asArray(body.blocks), ephemeralTo: target.user });
      }
      return send(res, 200, { ok: true });
    }
    const method = url.pathname.replace(/^\/api\//, '');
    const body = { ...Object.fromEntries(url.searchParams), ...parseBody(req.headers['content-type'], raw) };
    const pending = pendingFailures.get(method) ?? [];
    const index = pending.findIndex((f) => !f.when || f.when(body));
    const limitedFor = () => (method === 'chat.postMessage' ? postingLimited(String(body.channel)) : undefined);
    const failure = index >= 0 ? pending.splice(index, 1)[0] : (ongoingOutage ?? withRetryAfter(limitedFor()));
    if (failure) {
      const status = failure.status ?? (failure.retryAfter !== undefined ? 429 : 200);
      calls.push({ method, body, at: now(), status });
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (failure.retryAfter !== undefined) headers['retry-after'] = String(failure.retryAfter);
      res.writeHead(status, headers);
      res.end(JSON.stringify({ ok: false, error: failure.error ?? (status === 429 ? 'ratelimited' : 'internal_error') }));
      return;
    }
    const auth = req.headers.authorization ?? (body.token ? `Bearer ${String(body.token)}` : undefined);
    const implementation = methods[method];
    if (!implementation) {
      calls.push({ method, body, at: now(), status: 404 });
      return send(res, 404, { ok: false, error: 'unknown_method' });
    }
    calls.push({ method, body, at: now(), status: 200 });
    if (!auth) return send(res, 200, { ok: false, error: 'not_authed' });
    // A token this workspace never issued (revoked, another workspace's, made up) is invalid whatever its prefix.
    if (auth !== `Bearer ${tokens.bot}` && auth !== `Bearer ${tokens.app}`) return send(res, 200, { ok: false, error: 'invalid_auth' });
    // Slack keeps the token types apart: only app-level tokens open Socket Mode connections, and only they do.
    const appLevel = auth === `Bearer ${tokens.app}`;
    if (appLevel !== (method === 'apps.connections.open')) return send(res, 200, { ok: false, error: 'not_allowed_token_type' });
    // App-level tokens carry connections:write only; the bot token's scopes are the app manifest's.
    const needed = appLevel ? undefined : neededScope(method, body);
    if (needed && !scopes.has(needed)) return send(res, 200, { ok: false, error: 'missing_scope', needed, provided: [...scopes].join(',') });
    try {
      send(res, 200, { ok: true, ...implementation(body) });
    } catch (error) {
      if (error instanceof SlackError) return send(res, 200, { ok: false, error: error.code });
      throw error;
    }
  }

  opts.clockToHold?.holdWhileAnswering(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const standIn: SlackStandIn = {
    url: `${origin}/api/`,
    tokens,
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method),
    messages: (channel) => [...channelMessages(channel)],
    seedMessage: (channel, m) =>
      store({
        channel,
        ts: m.ts,
        user: m.user,
        text: m.text,
        blocks: [],
        ...(m.threadTs ? { threadTs: m.threadTs } : {}),
        ...(m.pinned ? { pinned: true } : {}),
        ...(m.botId ? { botId: m.botId } : {}),
        ...(m.subtype ? { subtype: m.subtype } : {}),
        ...(m.botName ? { botName: m.botName } : {}),
        ...(m.attachments ? { attachments: m.attachments } : {}),
        ...(m.reactions ? { reactions: m.reactions } : {}),
      }),
    channelCanvas: (channel) => canvasOf(channel),
    editCanvas: (id, markdown) => {
      const canvas = canvasById(id);
      canvas.markdown = markdown;
      canvas.history.push(markdown);
    },
    pin: (channel, ts, pinned) => {
      publicMessage(channel, ts).pinned = pinned;
    },
    toggleReaction: (channel, ts, name, user) => {
      if (!/^[a-z0-9_+'-]+$/.test(name)) throw new SlackError('invalid_name');
      const message = publicMessage(channel, ts);
      const reactions = (message.reactions ??= {});
      const before = reactions[name] ?? [];
      const after = before.includes(user) ? before.filter((u) => u !== user) : [...before, user];
      if (after.length > 0) reactions[name] = after;
      else delete reactions[name];
      // Slack omits `reactions` from a message that has none left.
      if (Object.keys(reactions).length === 0) delete message.reactions;
    },
    thread: (channel, ts) => channelMessages(channel).filter((m) => m.ts === ts || m.threadTs === ts),
    responseUrl: (channel, user) => {
      idCounter += 1;
      const id = `R${idCounter}`;
      responseUrls.set(id, { channel, user });
      return `${origin}/response/${id}`;
    },
    failNext: (method, failure = { status: 429, retryAfter: 1 }) => {
      const list = pendingFailures.get(method) ?? [];
      list.push(failure);
      pendingFailures.set(method, list);
    },
    outage: (failure) => {
      ongoingOutage = failure;
    },
    waitFor: async (check, timeoutMs = 10_000, what = 'condition') => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = check();
        if (value !== undefined && value !== false) return value as never;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return standIn;
}

/** The bot scopes the app manifest asks for: the stand-in grants exactly these unless told otherwise. */
const MANIFEST_SCOPES: string[] = (() => {
  const manifest = parseYaml(readFileSync(new URL('../../../slack-app-manifest.yml', import.meta.url), 'utf8')) as { oauth_config: { scopes: { bot: string[] } } };
  return manifest.oauth_config.scopes.bot;
})();

/** The scope Slack's method reference names for each method (by channel type where it depends on it). */
const METHOD_SCOPES: Record<string, string | { public: string; private: string }> = {
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'conversations.history': { public: 'channels:history', private: 'groups:history' },
  'conversations.replies': { public: 'channels:history', private: 'groups:history' },
  'conversations.info': { public: 'channels:read', private: 'groups:read' },
  'conversations.list': 'channels:read',
  'pins.list': 'pins:read',
  'users.info': 'users:read',
  'usergroups.list': 'usergroups:read',
  'usergroups.users.list': 'usergroups:read',
  'files.getUploadURLExternal': 'files:write',
  'files.completeUploadExternal': 'files:write',
  'bookmarks.list': 'bookmarks:read',
  'conversations.canvases.create': 'canvases:write',
  'canvases.edit': 'canvases:write',
  'canvases.getContent': 'canvases:read',
};

/** `document_content` arrives as an object (JSON body) or its JSON text (form body). */
function documentMarkdown(value: unknown): string {
  const content = (typeof value === 'string' ? JSON.parse(value) : value) as { type?: string; markdown?: string } | undefined;
  if (!content) return '';
  if (content.type !== 'markdown' || typeof content.markdown !== 'string') throw new SlackError('invalid_arguments');
  if (content.markdown.length > 1_048_576) throw new SlackError('canvas_too_large');
  return content.markdown;
}

function neededScope(method: string, body: Record<string, unknown>): string | undefined {
  const scope = METHOD_SCOPES[method];
  if (typeof scope !== 'object') return scope;
  const channel = String(body.channel ?? body.channel_id ?? '');
  return channel.startsWith('G') ? scope.private : scope.public;
}

export class SlackError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

/** Slack timestamps compare as numbers; comparing the parts as integers keeps all six digits exact. */
function compareTs(a: string, b: string): number {
  const [as, au = '0'] = a.split('.');
  const [bs, bu = '0'] = b.split('.');
  return Number(as) - Number(bs) || Number(au.padEnd(6, '0')) - Number(bu.padEnd(6, '0'));
}

/** Slack's cursor pagination: an opaque `cursor` in, `response_metadata.next_cursor` out ('' on the last page). */
function paginate<T>(items: T[], body: Record<string, unknown>): { messages: T[]; has_more: boolean; response_metadata: { next_cursor: string } } {
  const limit = Math.min(Math.max(Number(body.limit ?? DEFAULT_PAGE) || DEFAULT_PAGE, 1), MAX_PAGE);
  const cursor = typeof body.cursor === 'string' && body.cursor ? body.cursor : undefined;
  const offset = cursor === undefined ? 0 : Number(Buffer.from(cursor, 'base64').toString('utf8').replace(/^offset:/, ''));
  if (!Number.isInteger(offset) || offset < 0) throw new SlackError('invalid_cursor');
  const page = items.slice(offset, offset + limit);
  const more = offset + limit < items.length;
  return { messages: page, has_more: more, response_metadata: { next_cursor: more ? Buffer.from(`offset:${offset + limit}`).toString('base64') : '' } };
}

function requireString(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') throw new SlackError(`invalid_arguments: ${name} is required`);
  return value;
}

/** The WebClient form-encodes nested values as JSON strings. */
function asArray(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string' && value.startsWith('[')) return JSON.parse(value) as unknown[];
  return [];
}

/** The file's bytes: the WebClient's filesUploadV2 sends multipart/form-data, other clients a raw body. */
function uploadedContent(contentType: string | undefined, raw: Buffer): string {
  const boundary = /multipart\/form-data;.*boundary=("?)([^";]+)\1/i.exec(contentType ?? '')?.[2];
  const text = raw.toString('utf8');
  if (!boundary) return text;
  const part = text.split(`--${boundary}`).find((p) => /content-disposition:[^\r\n]*filename=/i.test(p));
  if (!part) return text;
  const body = part.slice(part.indexOf('\r\n\r\n') + 4);
  return body.endsWith('\r\n') ? body.slice(0, -2) : body;
}

function parseBody(contentType: string | undefined, raw: Buffer): Record<string, unknown> {
  const text = raw.toString('utf8');
  if (!text) return {};
  if (contentType?.includes('application/json')) return JSON.parse(text) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(text));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
