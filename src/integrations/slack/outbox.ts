/**
 * The one way jobs talk to Slack (docs/ARCHITECTURE.md principle 7), and never a reason for the work to wait.
 *
 * - Durable: every call is first appended to a Redis list per channel, then delivered from there. A step only
 *   waits for that append (`queue*` methods); Slack being slow, rate-limiting or down for minutes never holds it
 *   up, and messages a process could not deliver before it stopped are delivered by the next one.
 * - One deliverer per channel at a time (a Redis lease), FIFO, paced at `minIntervalPerChannelMs` (Slack allows
 *   about 1 message/s per channel), so a thread reads in order and is never written twice by two processes. The
 *   pace is a Redis key too, so a channel handed to another process (its deliverer died or closed) keeps it.
 * - A message posted with `once` is posted at most once under that name, however often a resumed run asks; later
 *   updates and replies name it (`{ ref }`) before its ts is known.
 * - Status cards are coalesced per key: a process queues its latest content at most once every
 *   `cardUpdateIntervalMs` (chat.update is Tier 3, about 50/min per workspace), and in Redis a card has at most one
 *   update waiting in its lane, which sends the content current when it is sent, whichever process wrote it.
 * - 429 answers wait `Retry-After`; network errors, 5xx and Slack-side errors retry with capped backoff, until
 *   delivered: a final message is never dropped. Permanent errors (channel_not_found, ...) drop that message,
 *   logged. When Slack rejects our blocks, the message is resent as plain text rather than lost.
 *
 * The WebClient's own retry and rate-limit handling is disabled so this module alone decides.
 */
import { randomUUID } from 'node:crypto';
import type { KnownBlock } from '@slack/types';
import { ErrorCode, LogLevel, WebClient, type Logger as SlackLogger } from '@slack/web-api';
import type { RedisClient } from '../redis/connections.js';
import type { Logger } from '../../logger.js';
import { CALL_TIMEOUTS } from '../call-deadlines.js';

export interface OutboxOptions {
  token: string;
  slackApiUrl?: string;
  /** Where undelivered messages wait (any connection; the worker's general one). */
  redis: RedisClient;
  prefix: string;
  /** Minimum gap between two calls on the same channel; default 1000 ms. */
  minIntervalPerChannelMs?: number;
  /** Minimum gap between two updates of the same status card; default 3000 ms. */
  cardUpdateIntervalMs?: number;
  /** First backoff after a transient (non-429) failure, doubled each time up to 30 s; default 1000 ms. */
  retryBaseMs?: number;
  /** How often to look for channels with undelivered messages no process is delivering; default 2000 ms. */
  sweepIntervalMs?: number;
  log: Logger;
}

export interface OutboxMessage {
  text: string;
  blocks?: KnownBlock[];
}

/** A message: its ts, or the name it was posted `once` under (resolved when the call is sent). */
export type MessageRef = string | { ref: string };

type Operation =
  | { kind: 'post'; channel: string; msg: OutboxMessage; threadTs?: MessageRef; once?: string }
  | { kind: 'update'; channel: string; ts: MessageRef; msg: OutboxMessage }
  /** A status card's update: its content is read from Redis when sent (queueCardUpdate). */
  | { kind: 'card'; channel: string; ts: MessageRef; key: string }
  | { kind: 'upload'; channel: string; threadTs: MessageRef; file: { filename: string; title: string; content: string } };


interface CardState {
  channel: string;
  ts: MessageRef;
  pending?: OutboxMessage;
  lastSentAt: number;
  timer?: NodeJS.Timeout;
  queued?: Promise<void>;
}

/** Slack-side hiccups worth retrying (https://docs.slack.dev/reference/methods/chat.postMessage#errors). */
const TRANSIENT_PLATFORM_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited']);
/** Errors caused by our Block Kit; the message is resent as text only. */
const BLOCK_ERRORS = new Set(['invalid_blocks', 'invalid_blocks_format', 'msg_too_long', 'invalid_attachments']);
/** Slack accepts 40,000 characters of text; keep a margin. */
const MAX_TEXT = 39_000;
const MAX_BACKOFF_MS = 30_000;
/**
 * A deliverer holds a channel this long without renewing; renewed every third of it. A worker that dies holding
 * it delays that channel's messages by at most this much.
 */
const LEASE_MS = 10_000;
/** Names of `once` messages are kept this long (longer than any run). */
const REF_TTL_S = 30 * 24 * 3600;

/**
 * KEYS: card content, card queued flag, lane, channels. ARGV: content, operation, channel, ttl seconds.
 * Stores the latest content; queues an update only when none of this card's is waiting.
 */
const QUEUE_CARD = `
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[4])
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[4]) then
  redis.call('RPUSH', KEYS[3], ARGV[2])
  redis.call('SADD', KEYS[4], ARGV[3])
end
return 1
`;
/** KEYS: card content, card queued flag. ARGV: the content just sent. Clears the flag unless newer content came meanwhile. */
const SETTLE_CARD = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[2]) return 1 end return 0`;

const RELEASE_LEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** Delivery stopped because this process is closing; the message stays queued for the next one. */
class OutboxClosing extends Error {
  override name = 'OutboxClosing';
}

/** Waits `ms`, or throws OutboxClosing as soon as `closing` aborts. */
const sleep = (ms: number, closing: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      closing.removeEventListener('abort', stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(new OutboxClosing());
    };
    if (closing.aborted) stop();
    else closing.addEventListener('abort', stop, { once: true });
  });

export class SlackOutbox {
  private readonly client: WebClient;
  private readonly redis: RedisClient;
  private readonly prefix: string;
  private readonly log: Logger;
  private readonly minInterval: number;
  private readonly cardInterval: number;
  private readonly retryBaseMs: number;
  private readonly owner = randomUUID();
  private readonly cards = new Map<string, CardState>();
  /** Channels this process is delivering now, and when the next call on each may go out. */
  private readonly delivering = new Map<string, Promise<void>>();
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly closing = new AbortController();
  private closed = false;

  constructor(opts: OutboxOptions) {
    this.log = opts.log.child({ component: 'slack-outbox' });
    this.redis = opts.redis;
    this.prefix = opts.prefix;
    this.minInterval = opts.minIntervalPerChannelMs ?? 1000;
    this.cardInterval = opts.cardUpdateIntervalMs ?? 3000;
    this.retryBaseMs = opts.retryBaseMs ?? 1000;
    this.client = new WebClient(opts.token, {
      slackApiUrl: opts.slackApiUrl,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      timeout: CALL_TIMEOUTS.slackCallMs,
      logger: slackLogger(this.log),
      logLevel: LogLevel.WARN,
    });
    // Messages queued by a process that stopped, or left while another process held the channel.
    this.sweepTimer = setInterval(() => void this.sweep(), opts.sweepIntervalMs ?? 2000);
    this.sweepTimer.unref();
    void this.sweep();
  }

  /**
   * Queues a post and resolves once it is queued durably. With `once`, a second post under that name is not
   * queued: resolves false.
   */
  async queuePost(channel: string, msg: OutboxMessage & { thread_ts?: MessageRef }, opts: { once?: string } = {}): Promise<boolean> {
    if (opts.once !== undefined && !(await this.redis.set(this.refKey(opts.once), '', 'EX', REF_TTL_S, 'NX'))) return false;
    await this.enqueue({ kind: 'post', channel, msg: { text: msg.text, blocks: msg.blocks }, threadTs: msg.thread_ts, once: opts.once });
    return true;
  }

  /** The ts of a message posted `once` under `ref`, if Slack has it yet. */
  async messageTs(ref: string): Promise<string | undefined> {
    return (await this.redis.get(this.refKey(ref))) || undefined;
  }

  /** Queues an update and resolves once it is queued durably. */
  queueUpdate(channel: string, ts: MessageRef, msg: OutboxMessage): Promise<void> {
    return this.enqueue({ kind: 'update', channel, ts, msg });
  }

  /** Coalesced: only the latest content per key is queued, at most once per cardUpdateIntervalMs; returns at once. */
  updateCard(key: string, channel: string, ts: MessageRef, msg: OutboxMessage): void {
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
    if (!card.timer && !card.queued) this.scheduleCard(key, card);
  }

  /**
   * Queues an upload (the files.uploadV2 flow: reserve an upload URL, POST the bytes, then share the file in the
   * thread) and resolves once it is queued durably.
   */
  queueUpload(channel: string, threadTs: MessageRef, file: { filename: string; title: string; content: string }): Promise<void> {
    return this.enqueue({ kind: 'upload', channel, threadTs, file });
  }

  /**
   * Queue every pending coalesced card update now (or only the card `key`, so one job finishing does not hurry
   * every other job's card); awaited before a job's final message, so the thread reads in order, and on shutdown.
   */
  async flush(key?: string): Promise<void> {
    const cards = key === undefined ? [...this.cards] : [...this.cards].filter(([k]) => k === key);
    await Promise.all(
      cards.map(async ([k, card]) => {
        if (card.timer) {
          clearTimeout(card.timer);
          card.timer = undefined;
        }
        await card.queued;
        await this.queueCard(k, card);
      }),
    );
  }

  /** Resolves when everything this process queued so far is delivered (or dropped as undeliverable). */
  async settled(): Promise<void> {
    while (this.delivering.size > 0) await Promise.all(this.delivering.values());
  }

  /** Queues pending cards, stops delivering (what is left stays queued for the next process) and refuses new work. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    this.closing.abort();
    clearInterval(this.sweepTimer);
    await Promise.all(this.delivering.values());
  }

  private scheduleCard(key: string, card: CardState): void {
    const wait = Math.max(0, card.lastSentAt + this.cardInterval - Date.now());
    card.timer = setTimeout(() => {
      card.timer = undefined;
      void this.queueCard(key, card);
    }, wait);
  }

  private queueCard(key: string, card: CardState): Promise<void> {
    const msg = card.pending;
    if (!msg) return Promise.resolve();
    card.pending = undefined;
    card.lastSentAt = Date.now();
    card.queued = this.queueCardUpdate(key, card.channel, card.ts, msg)
      .catch((err: unknown) => this.log.error({ err, channel: card.channel }, 'could not queue a status card update'))
      .finally(() => {
        card.queued = undefined;
        if (card.pending && !card.timer) this.scheduleCard(key, card);
      });
    return card.queued;
  }

  /** The card's latest content goes to Redis; its lane gets an update only if none is waiting there already. */
  private async queueCardUpdate(key: string, channel: string, ts: MessageRef, msg: OutboxMessage): Promise<void> {
    this.assertOpen();
    const op: Operation = { kind: 'card', channel, ts, key };
    await this.redis.eval(QUEUE_CARD, 4, this.cardKey(key), this.cardQueuedKey(key), this.laneKey(channel), this.channelsKey(), JSON.stringify(msg), JSON.stringify(op), channel, REF_TTL_S);
    this.deliver(channel);
  }

  /** Drop bookkeeping for cards that have nothing pending and whose pacing window has passed. */
  private forgetIdleCards(): void {
    const now = Date.now();
    for (const [key, card] of this.cards) {
      if (!card.pending && !card.timer && !card.queued && card.lastSentAt + this.cardInterval < now) this.cards.delete(key);
    }
  }

  /** Appends the call to its channel's lane (durable once this resolves) and starts delivering the channel. */
  private async enqueue(op: Operation): Promise<void> {
    this.assertOpen();
    await this.redis
      .multi()
      .rpush(this.laneKey(op.channel), JSON.stringify(op))
      .sadd(this.channelsKey(), op.channel)
      .exec();
    this.deliver(op.channel);
  }

  /** Starts delivering a channel's queue unless this process already is. */
  private deliver(channel: string): void {
    if (this.closed || this.delivering.has(channel)) return;
    const run = this.drain(channel)
      .catch((err: unknown) => this.log.error({ err, channel }, 'Slack delivery stopped; retrying on the next sweep'))
      .finally(() => {
        this.delivering.delete(channel);
      });
    this.delivering.set(channel, run);
  }

  private async sweep(): Promise<void> {
    if (this.closed) return;
    try {
      for (const channel of await this.redis.smembers(this.channelsKey())) this.deliver(channel);
    } catch (err) {
      this.log.warn({ err }, 'could not look for undelivered Slack messages');
    }
  }

  /** Delivers the channel's queue head first, under the channel's lease, until it is empty or this process closes. */
  private async drain(channel: string): Promise<void> {
    const lease = this.leaseKey(channel);
    if (!(await this.redis.set(lease, this.owner, 'PX', LEASE_MS, 'NX'))) return;
    const renew = setInterval(() => void this.redis.pexpire(lease, LEASE_MS).catch(() => undefined), LEASE_MS / 3);
    try {
      const lane = this.laneKey(channel);
      while (!this.closed) {
        const head = await this.redis.lindex(lane, 0);
        if (!head) {
          await this.redis.srem(this.channelsKey(), channel);
          // Something queued between the read and the removal puts the channel back.
          if ((await this.redis.llen(lane)) > 0) await this.redis.sadd(this.channelsKey(), channel);
          else return;
          continue;
        }
        const op = JSON.parse(head) as Operation;
        const wait = await this.redis.pttl(this.paceKey(channel));
        let outcome: { ts: string } | { error: unknown };
        try {
          if (wait > 0) await sleep(wait, this.closing.signal);
          outcome = { ts: await this.send(op) };
        } catch (err) {
          if (err instanceof OutboxClosing) return;
          outcome = { error: err };
        }
        await this.redis.set(this.paceKey(channel), '', 'PX', this.minInterval);
        if (op.kind === 'post' && op.once !== undefined) {
          if ('ts' in outcome) await this.redis.set(this.refKey(op.once), outcome.ts, 'EX', REF_TTL_S);
          else await this.redis.del(this.refKey(op.once));
        }
        await this.redis.lpop(lane);
      }
    } finally {
      clearInterval(renew);
      await this.redis.eval(RELEASE_LEASE, 1, lease, this.owner).catch(() => undefined);
    }
  }

  /** One queued call, retried until Slack takes it or refuses it for good; resolves with the ts it concerns. */
  private async send(op: Operation): Promise<string> {
    switch (op.kind) {
      case 'post': {
        const threadTs = op.threadTs === undefined ? undefined : await this.resolve(op.threadTs);
        return this.withTextFallback('chat.postMessage', op.msg, async (m) => {
          const res = await this.client.chat.postMessage({ channel: op.channel, text: clip(m.text), blocks: m.blocks, thread_ts: threadTs });
          return res.ts!;
        });
      }
      case 'update': {
        const ts = await this.resolve(op.ts);
        await this.updateMessage(op.channel, ts, op.msg);
        return ts;
      }
      case 'card':
        return this.sendCard(op);
      case 'upload': {
        const threadTs = await this.resolve(op.threadTs);
        const bytes = Buffer.from(op.file.content, 'utf8');
        const reserved = await this.withRetry('files.getUploadURLExternal', () =>
          this.client.files.getUploadURLExternal({ filename: op.file.filename, length: bytes.length }),
        );
        await this.withRetry('upload', async () => {
          const res = await fetch(reserved.upload_url!, { method: 'POST', body: bytes, signal: AbortSignal.timeout(CALL_TIMEOUTS.slackCallMs) });
          if (!res.ok) throw new UploadHttpError(res.status);
        });
        await this.withRetry('files.completeUploadExternal', () =>
          this.client.files.completeUploadExternal({ files: [{ id: reserved.file_id!, title: op.file.title }], channel_id: op.channel, thread_ts: threadTs }),
        );
        return threadTs;
      }
    }
  }

  /**
   * Sends the card's current content; again (paced) if newer content arrived while it was sent, since no other
   * update of this card is waiting. A failure clears the flag, so the next content is queued afresh.
   */
  private async sendCard(op: Extract<Operation, { kind: 'card' }>): Promise<string> {
    const ts = await this.resolve(op.ts);
    const [contentKey, queuedKey] = [this.cardKey(op.key), this.cardQueuedKey(op.key)];
    try {
      for (let again = false; ; again = true) {
        const content = await this.redis.get(contentKey);
        if (content === null) {
          await this.redis.del(queuedKey);
          return ts;
        }
        if (again) await sleep(this.minInterval, this.closing.signal);
        await this.updateMessage(op.channel, ts, JSON.parse(content) as OutboxMessage);
        if (await this.redis.eval(SETTLE_CARD, 2, contentKey, queuedKey, content)) return ts;
      }
    } catch (err) {
      if (!(err instanceof OutboxClosing)) await this.redis.del(queuedKey);
      throw err;
    }
  }

  private updateMessage(channel: string, ts: string, msg: OutboxMessage): Promise<void> {
    return this.withTextFallback('chat.update', msg, async (m) => {
      // An empty blocks array removes the previous blocks (e.g. buttons) when falling back to text.
      await this.client.chat.update({ channel, ts, text: clip(m.text), blocks: m.blocks ?? [] });
    });
  }

  /** A message named by `once` was queued earlier on the same channel, so it was delivered (or dropped) first. */
  private async resolve(ref: MessageRef): Promise<string> {
    if (typeof ref === 'string') return ref;
    const ts = await this.messageTs(ref.ref);
    if (!ts) throw new Error(`message ${ref.ref} was never delivered`);
    return ts;
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
      if (this.closed) throw new OutboxClosing();
      try {
        return await call();
      } catch (err) {
        const retryAfterMs = rateLimitedFor(err);
        if (retryAfterMs !== undefined) {
          this.log.warn({ method, retryAfterMs }, 'Slack rate limited us; waiting Retry-After');
          await sleep(retryAfterMs, this.closing.signal);
          continue;
        }
        if (isTransient(err)) {
          const backoff = Math.min(MAX_BACKOFF_MS, this.retryBaseMs * 2 ** Math.min(transientFailures++, 15));
          this.log.warn({ err, method, backoffMs: backoff }, 'transient Slack failure; retrying');
          await sleep(backoff, this.closing.signal);
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

  private laneKey(channel: string): string {
    return `${this.prefix}:outbox:lane:${channel}`;
  }

  private leaseKey(channel: string): string {
    return `${this.prefix}:outbox:lease:${channel}`;
  }

  /** A status card's latest content, and the flag saying an update of it waits in its lane. */
  private cardKey(key: string): string {
    return `${this.prefix}:outbox:card:${key}`;
  }

  private cardQueuedKey(key: string): string {
    return `${this.prefix}:outbox:card:${key}:queued`;
  }

  /** Exists while the channel's next call must wait; its TTL is how long. */
  private paceKey(channel: string): string {
    return `${this.prefix}:outbox:pace:${channel}`;
  }

  private channelsKey(): string {
    return `${this.prefix}:outbox:channels`;
  }

  private refKey(ref: string): string {
    return `${this.prefix}:outbox:ref:${ref}`;
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
