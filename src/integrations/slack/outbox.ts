/**
 * The one way jobs talk to Slack (docs/ARCHITECTURE.md principle 7).
 *
 * - Per-channel FIFO lanes paced at `minIntervalPerChannelMs` (Slack allows about 1 message/s per
 *   channel), so milestones arrive in order and a burst does not trip rate limits.
 * - Status cards are coalesced per key: only the latest content is sent, at most once every
 *   `cardUpdateIntervalMs` (chat.update is Tier 3, about 50/min per workspace).
 * - 429 answers wait `Retry-After` and retry the same call, forever: a final message is never
 *   dropped. Other transient failures (network, 5xx, Slack-side errors) retry with backoff;
 *   permanent errors (channel_not_found, invalid_blocks...) are logged and rejected to the caller.
 *   When Slack rejects our blocks, the message is resent as plain text rather than lost.
 *
 * The WebClient's own retry and rate-limit handling is disabled so this module alone decides.
 */
import type { KnownBlock } from '@slack/types';
import { ErrorCode, LogLevel, WebClient, type Logger as SlackLogger } from '@slack/web-api';
import type { Logger } from '../../logger.js';
import { CALL_TIMEOUTS } from '../call-deadlines.js';

export interface OutboxOptions {
  token: string;
  slackApiUrl?: string;
  /** Minimum gap between two calls on the same channel; default 1000 ms. */
  minIntervalPerChannelMs?: number;
  /** Minimum gap between two updates of the same status card; default 3000 ms. */
  cardUpdateIntervalMs?: number;
  /** First backoff after a transient (non-429) failure, doubled each time; default 1000 ms. */
  retryBaseMs?: number;
  /** Transient (non-429) failures tolerated per call before giving up; default 8. */
  maxTransientRetries?: number;
  log: Logger;
}

export interface OutboxMessage {
  text: string;
  blocks?: KnownBlock[];
}

interface CardState {
  channel: string;
  ts: string;
  pending?: OutboxMessage;
  lastSentAt: number;
  timer?: NodeJS.Timeout;
  inflight?: Promise<void>;
}

interface Lane {
  tasks: (() => Promise<void>)[];
  draining: boolean;
  /** Earliest time the next call on this channel may go out. */
  nextAt: number;
  idleWaiters: (() => void)[];
}

/** Slack-side hiccups worth retrying (https://docs.slack.dev/reference/methods/chat.postMessage#errors). */
const TRANSIENT_PLATFORM_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited']);
/** Errors caused by our Block Kit; the message is resent as text only. */
const BLOCK_ERRORS = new Set(['invalid_blocks', 'invalid_blocks_format', 'msg_too_long', 'invalid_attachments']);
/** Slack accepts 40,000 characters of text; keep a margin. */
const MAX_TEXT = 39_000;
const MAX_BACKOFF_MS = 30_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class SlackOutbox {
  private readonly client: WebClient;
  private readonly log: Logger;
  private readonly minInterval: number;
  private readonly cardInterval: number;
  private readonly retryBaseMs: number;
  private readonly maxTransientRetries: number;
  private readonly lanes = new Map<string, Lane>();
  private readonly cards = new Map<string, CardState>();
  private closed = false;

  constructor(opts: OutboxOptions) {
    this.log = opts.log.child({ component: 'slack-outbox' });
    this.minInterval = opts.minIntervalPerChannelMs ?? 1000;
    this.cardInterval = opts.cardUpdateIntervalMs ?? 3000;
    this.retryBaseMs = opts.retryBaseMs ?? 1000;
    this.maxTransientRetries = opts.maxTransientRetries ?? 8;
    this.client = new WebClient(opts.token, {
      slackApiUrl: opts.slackApiUrl,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      timeout: CALL_TIMEOUTS.slackCallMs,
      logger: slackLogger(this.log),
      logLevel: LogLevel.WARN,
    });
  }

  async post(channel: string, msg: OutboxMessage & { thread_ts?: string }): Promise<string> {
    return this.enqueue(channel, () =>
      this.withTextFallback('chat.postMessage', msg, async (m) => {
        const res = await this.client.chat.postMessage({ channel, text: clip(m.text), blocks: m.blocks, thread_ts: msg.thread_ts });
        return res.ts!;
      }),
    );
  }

  async update(channel: string, ts: string, msg: OutboxMessage): Promise<void> {
    await this.enqueue(channel, () =>
      this.withTextFallback('chat.update', msg, async (m) => {
        // An empty blocks array removes the previous blocks (e.g. buttons) when falling back to text.
        await this.client.chat.update({ channel, ts, text: clip(m.text), blocks: m.blocks ?? [] });
      }),
    );
  }

  /** Coalesced: only the latest content per key is sent, at most once per cardUpdateIntervalMs; returns at once. */
  updateCard(key: string, channel: string, ts: string, msg: OutboxMessage): void {
    this.assertOpen();
    this.forgetIdleCards();
    let card = this.cards.get(key);
    if (!card) {
      card = { channel, ts, lastSentAt: -Infinity };
      this.cards.set(key, card);
    }
    card.channel = channel;
    card.ts = ts;
    card.pending = msg;
    if (!card.timer && !card.inflight) this.scheduleCard(card);
  }

  async postEphemeral(channel: string, user: string, msg: OutboxMessage): Promise<void> {
    await this.enqueue(channel, () =>
      this.withTextFallback('chat.postEphemeral', msg, async (m) => {
        await this.client.chat.postEphemeral({ channel, user, text: clip(m.text), blocks: m.blocks });
      }),
    );
  }

  /** The files.uploadV2 flow: reserve an upload URL, POST the bytes, then share the file in the thread. */
  async uploadFile(channel: string, threadTs: string, file: { filename: string; title: string; content: string }): Promise<void> {
    const bytes = Buffer.from(file.content, 'utf8');
    await this.enqueue(channel, async () => {
      const reserved = await this.withRetry('files.getUploadURLExternal', () =>
        this.client.files.getUploadURLExternal({ filename: file.filename, length: bytes.length }),
      );
      await this.withRetry('upload', async () => {
        const res = await fetch(reserved.upload_url!, { method: 'POST', body: bytes });
        if (!res.ok) throw new UploadHttpError(res.status);
      });
      await this.withRetry('files.completeUploadExternal', () =>
        this.client.files.completeUploadExternal({ files: [{ id: reserved.file_id!, title: file.title }], channel_id: channel, thread_ts: threadTs }),
      );
    });
  }

  /**
   * Send every pending coalesced update now (or only the card `key`, so one job finishing does not
   * hurry every other job's card); awaited before a job's final message and on shutdown.
   */
  async flush(key?: string): Promise<void> {
    for (;;) {
      const work: Promise<void>[] = [];
      const cards = key === undefined ? [...this.cards.values()] : [this.cards.get(key)].filter((c) => c !== undefined);
      for (const card of cards) {
        if (card.timer) {
          clearTimeout(card.timer);
          card.timer = undefined;
        }
        if (card.inflight) work.push(card.inflight);
        else if (card.pending) work.push(this.sendCard(card));
      }
      if (work.length === 0) return;
      await Promise.all(work);
    }
  }

  /** Flushes cards, waits for every queued message, then refuses new work. */
  async close(): Promise<void> {
    await this.flush();
    await Promise.all([...this.lanes.values()].filter((lane) => lane.draining).map((lane) => new Promise<void>((r) => lane.idleWaiters.push(r))));
    this.closed = true;
  }

  private scheduleCard(card: CardState): void {
    const wait = Math.max(0, card.lastSentAt + this.cardInterval - Date.now());
    card.timer = setTimeout(() => {
      card.timer = undefined;
      void this.sendCard(card);
    }, wait);
  }

  private sendCard(card: CardState): Promise<void> {
    const msg = card.pending;
    if (!msg) return Promise.resolve();
    card.pending = undefined;
    card.lastSentAt = Date.now();
    card.inflight = this.update(card.channel, card.ts, msg)
      .catch((err: unknown) => this.log.error({ err, channel: card.channel, ts: card.ts }, 'status card update failed'))
      .finally(() => {
        card.inflight = undefined;
        if (card.pending && !card.timer) this.scheduleCard(card);
      });
    return card.inflight;
  }

  /** Drop bookkeeping for cards that have nothing pending and whose pacing window has passed. */
  private forgetIdleCards(): void {
    const now = Date.now();
    for (const [key, card] of this.cards) {
      if (!card.pending && !card.timer && !card.inflight && card.lastSentAt + this.cardInterval < now) this.cards.delete(key);
    }
  }

  private enqueue<T>(channel: string, call: () => Promise<T>): Promise<T> {
    this.assertOpen();
    const lane = this.lane(channel);
    return new Promise<T>((resolve, reject) => {
      lane.tasks.push(() => call().then(resolve, reject));
      if (!lane.draining) void this.drain(lane);
    });
  }

  private lane(channel: string): Lane {
    let lane = this.lanes.get(channel);
    if (!lane) {
      this.forgetIdleLanes();
      lane = { tasks: [], draining: false, nextAt: 0, idleWaiters: [] };
      this.lanes.set(channel, lane);
    }
    return lane;
  }

  /** A lane is kept while its pacing window is open, so the next message still waits its turn. */
  private forgetIdleLanes(): void {
    const now = Date.now();
    for (const [channel, lane] of this.lanes) if (!lane.draining && lane.nextAt < now) this.lanes.delete(channel);
  }

  private async drain(lane: Lane): Promise<void> {
    lane.draining = true;
    for (let task = lane.tasks.shift(); task; task = lane.tasks.shift()) {
      const wait = lane.nextAt - Date.now();
      if (wait > 0) await sleep(wait);
      await task();
      lane.nextAt = Date.now() + this.minInterval;
    }
    lane.draining = false;
    for (const wake of lane.idleWaiters.splice(0)) wake();
  }

  private async withTextFallback<T>(method: string, msg: OutboxMessage, send: (m: OutboxMessage) => Promise<T>): Promise<T> {
    try {
      return await this.withRetry(method, () => send(msg));
    } catch (err) {
      if (!msg.blocks || !BLOCK_ERRORS.has(platformError(err) ?? '')) throw err;
      this.log.error({ err, method }, 'Slack rejected the blocks; sending the text only');
      return this.withRetry(method, () => send({ text: msg.text }));
    }
  }

  private async withRetry<T>(method: string, call: () => Promise<T>): Promise<T> {
    for (let transientFailures = 0; ; ) {
      try {
        return await call();
      } catch (err) {
        const retryAfterMs = rateLimitedFor(err);
        if (retryAfterMs !== undefined) {
          this.log.warn({ method, retryAfterMs }, 'Slack rate limited us; waiting Retry-After');
          await sleep(retryAfterMs);
          continue;
        }
        if (isTransient(err) && transientFailures < this.maxTransientRetries) {
          const backoff = Math.min(MAX_BACKOFF_MS, this.retryBaseMs * 2 ** transientFailures++);
          this.log.warn({ err, method, backoffMs: backoff }, 'transient Slack failure; retrying');
          await sleep(backoff);
          continue;
        }
        this.log.error({ err, method, slackError: platformError(err) }, 'Slack call failed');
        throw err;
      }
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('Slack outbox is closed');
  }
}

class UploadHttpError extends Error {
  override name = 'UploadHttpError';
  constructor(readonly status: number) {
    super(`file upload answered HTTP ${status}`);
  }
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

function platformError(err: unknown): string | undefined {
  if (errorCode(err) !== ErrorCode.PlatformError) return undefined;
  return (err as { data?: { error?: string } }).data?.error;
}

function rateLimitedFor(err: unknown): number | undefined {
  if (errorCode(err) === ErrorCode.RateLimitedError) return Math.max(1, (err as { retryAfter: number }).retryAfter) * 1000;
  if (err instanceof UploadHttpError && err.status === 429) return 1000;
  return undefined;
}

function isTransient(err: unknown): boolean {
  const code = errorCode(err);
  if (code === ErrorCode.RequestError) return true;
  if (code === ErrorCode.HTTPError) return (err as { statusCode: number }).statusCode >= 500;
  if (code === ErrorCode.PlatformError) return TRANSIENT_PLATFORM_ERRORS.has(platformError(err) ?? '');
  if (err instanceof UploadHttpError) return err.status >= 500;
  return err instanceof TypeError; // fetch's network failures
}

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}

/** Route the WebClient's own logging into pino (tokens are never logged by the client). */
function slackLogger(log: Logger): SlackLogger {
  let level = LogLevel.WARN;
  return {
    debug: (...msg: unknown[]) => log.debug(msg.map(String).join(' ')),
    info: (...msg: unknown[]) => log.info(msg.map(String).join(' ')),
    warn: (...msg: unknown[]) => log.warn(msg.map(String).join(' ')),
    error: (...msg: unknown[]) => log.error(msg.map(String).join(' ')),
    setLevel: (l: LogLevel) => (level = l),
    getLevel: () => level,
    setName: () => undefined,
  };
}
