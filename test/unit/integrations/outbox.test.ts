import { pino } from 'pino';
import { createRedis, type RedisClient } from '../../../src/integrations/redis/connections.js';
import { SlackOutbox, type OutboxOptions } from '../../../src/integrations/slack/outbox.js';
import { deleteKeys, uniquePrefix } from '../../helpers/redis-prefix.js';
import { REDIS_TOPOLOGIES, startRedisTopology, type RedisTopology } from '../../helpers/redis-topology.js';
import { postDelivered } from '../../helpers/outbox-delivery.js';
import { SlackApiRecorder } from '../../helpers/slack-api-recorder.js';

const log = pino({ level: 'silent' });

describe.each(REDIS_TOPOLOGIES)('SlackOutbox on %s Redis', (topologyName) => {
  let topology: RedisTopology;
  let slack: SlackApiRecorder;
  let outbox: SlackOutbox;
  let redis: RedisClient;
  let prefix: string;
  const newOutbox = (extra: Partial<OutboxOptions> = {}) =>
    new SlackOutbox({ token: 'xoxb-test', slackApiUrl: slack.url, redis, prefix, minIntervalPerChannelMs: 100, cardUpdateIntervalMs: 400, retryBaseMs: 20, log, ...extra });

  beforeAll(async () => {
    topology = await startRedisTopology(topologyName);
    redis = createRedis(topology.connection, 'general');
  });
  afterAll(async () => {
    await redis.quit();
    await topology.stop();
  });
  beforeEach(async () => {
    prefix = uniquePrefix('outbox');
    slack = await new SlackApiRecorder().start();
    outbox = newOutbox();
  });
  afterEach(async () => {
    await outbox.close();
    await slack.stop();
    await deleteKeys(redis, prefix);
  });

  it('posts in order and paces each channel, but not across channels', async () => {
    await Promise.all([
      outbox.queuePost('C1', { text: 'one' }),
      outbox.queuePost('C1', { text: 'two', thread_ts: '1.1' }),
      outbox.queuePost('C1', { text: 'three' }),
      outbox.queuePost('C2', { text: 'other channel' }),
    ]);
    await outbox.settled();
    const c1 = slack.callsOf('chat.postMessage').filter((c) => c.args.channel === 'C1');
    expect(c1.map((c) => c.args.text)).toEqual(['one', 'two', 'three']);
    expect(c1[1]!.args.thread_ts).toBe('1.1');
    for (let i = 1; i < c1.length; i++) expect(c1[i]!.at - c1[i - 1]!.at).toBeGreaterThanOrEqual(90);
    const c2 = slack.callsOf('chat.postMessage').find((c) => c.args.channel === 'C2')!;
    expect(c2.at - c1[0]!.at).toBeLessThan(90);
  });

  it('keeps pacing for a message sent just after the previous one finished', async () => {
    await postDelivered(outbox, 'C1', { text: 'a' });
    await postDelivered(outbox, 'C1', { text: 'b' });
    const [a, b] = slack.callsOf('chat.postMessage');
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(90);
  });

  it('keeps a channel\'s pace across processes: an outbox taking the channel over waits out the interval', async () => {
    await postDelivered(outbox, 'C1', { text: 'a' });
    await outbox.close();
    outbox = newOutbox(); // another worker process on the same Redis
    await postDelivered(outbox, 'C1', { text: 'b' });
    const [a, b] = slack.callsOf('chat.postMessage');
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(90);
  });

  it('coalesces a card across processes: while its lane waits, one update is queued, and it sends the newest content', async () => {
    const other = newOutbox({ cardUpdateIntervalMs: 0, sweepIntervalMs: 50 }); // another worker process on the same Redis
    const lease = `${prefix}:outbox:lease:C1`;
    await redis.set(lease, 'a process that is slow to deliver', 'PX', 60_000);
    try {
      for (const [i, box] of [outbox, other, outbox, other].entries()) {
        box.updateCard('p-1', 'C1', '1.1', { text: `step ${i + 1}` });
        await box.flush('p-1');
      }
      expect(await redis.llen(`${prefix}:outbox:lane:C1`)).toBe(1);
      await redis.del(lease);
      await slack.waitFor(() => slack.callsOf('chat.update').length > 0);
      await other.settled();
      await outbox.settled();
      expect(slack.callsOf('chat.update').map((c) => c.args.text)).toEqual(['step 4']);
    } finally {
      await other.close();
    }
  });

  it('coalesces 20 rapid card updates into at most 2 chat.update calls carrying the latest content', async () => {
    for (let i = 1; i <= 20; i++) outbox.updateCard('p-1', 'C1', '1.1', { text: `step ${i}`, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `step ${i}` } }] });
    await outbox.flush();
    await outbox.settled();
    const updates = slack.callsOf('chat.update');
    expect(updates.length).toBeGreaterThanOrEqual(1);
    expect(updates.length).toBeLessThanOrEqual(2);
    expect(updates.at(-1)!.args).toMatchObject({ channel: 'C1', ts: '1.1', text: 'step 20' });
  });

  it('sends at most one card update per interval and then the latest', async () => {
    outbox.updateCard('p-1', 'C1', '1.1', { text: 'first' });
    await new Promise((r) => setTimeout(r, 50));
    outbox.updateCard('p-1', 'C1', '1.1', { text: 'second' });
    outbox.updateCard('p-1', 'C1', '1.1', { text: 'third' });
    await new Promise((r) => setTimeout(r, 150));
    expect(slack.callsOf('chat.update').map((c) => c.args.text)).toEqual(['first']);
    await new Promise((r) => setTimeout(r, 450));
    const updates = slack.callsOf('chat.update');
    expect(updates.map((c) => c.args.text)).toEqual(['first', 'third']);
    expect(updates[1]!.at - updates[0]!.at).toBeGreaterThanOrEqual(380);
  });

  it('waits Retry-After on 429 and still delivers the final message', async () => {
    slack.rateLimit('chat.postMessage', 1, 2);
    const started = Date.now();
    const ts = await postDelivered(outbox, 'C1', { text: 'Run succeeded', thread_ts: '1.1' });
    expect(ts).toMatch(/^1700000000\./);
    const calls = slack.callsOf('chat.postMessage');
    expect(calls).toHaveLength(3);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(calls[2]!.args.text).toBe('Run succeeded');
  });

  it('flushes one card without hurrying the others', async () => {
    outbox.updateCard('p-a', 'C1', 'a.1', { text: 'a first' });
    outbox.updateCard('p-b', 'C2', 'b.1', { text: 'b first' });
    await outbox.flush();
    await outbox.settled();
    outbox.updateCard('p-a', 'C1', 'a.1', { text: 'a final' });
    outbox.updateCard('p-b', 'C2', 'b.1', { text: 'b second' });
    await outbox.flush('p-a');
    await outbox.settled();
    const texts = slack.callsOf('chat.update').map((c) => String(c.args.text));
    expect(texts.slice(0, 2).sort()).toEqual(['a first', 'b first']);
    expect(texts.slice(2)).toEqual(['a final']);
  });

  it('delivers the latest card content after a 429 on chat.update', async () => {
    slack.rateLimit('chat.update', 1);
    outbox.updateCard('p-2', 'C1', '2.2', { text: 'step 1' });
    await new Promise((r) => setTimeout(r, 100));
    outbox.updateCard('p-2', 'C1', '2.2', { text: 'step 2' });
    outbox.updateCard('p-2', 'C1', '2.2', { text: 'done' });
    await outbox.flush();
    await outbox.settled();
    const updates = slack.callsOf('chat.update');
    expect(updates.map((c) => c.args.text)).toEqual(['step 1', 'step 1', 'done']);
    expect(updates[1]!.at - updates[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('retries transient Slack errors with backoff and drops a message Slack refuses for good, going on with the next', async () => {
    slack.failWith('chat.postMessage', 'internal_error');
    slack.failWith('chat.postMessage', 'service_unavailable', 503);
    expect(await postDelivered(outbox, 'C1', { text: 'hello' })).toBeDefined();
    expect(slack.callsOf('chat.postMessage')).toHaveLength(3);

    slack.failWith('chat.postMessage', 'channel_not_found');
    expect(await postDelivered(outbox, 'C404', { text: 'lost' })).toBeUndefined();
    expect(await postDelivered(outbox, 'C404', { text: 'next' })).toBeDefined();
    expect(slack.callsOf('chat.postMessage').slice(3).map((c) => c.args.text)).toEqual(['lost', 'next']);
  });

  it('falls back to text when Slack rejects the blocks', async () => {
    slack.failWith('chat.postMessage', 'invalid_blocks');
    await postDelivered(outbox, 'C1', { text: 'plain', blocks: [{ type: 'divider' }] });
    const calls = slack.callsOf('chat.postMessage');
    expect(calls).toHaveLength(2);
    expect(calls[1]!.args.blocks).toBeUndefined();
    expect(calls[1]!.args.text).toBe('plain');
  });

  it('uploads files through the external upload flow', async () => {
    await outbox.queueUpload('C1', '1.1', { filename: 'records.csv', title: 'Records', content: 'name,type\na,PTR\n' });
    await outbox.settled();
    expect(slack.calls.map((c) => c.method)).toEqual(['files.getUploadURLExternal', expect.stringMatching(/^upload\//), 'files.completeUploadExternal']);
    expect(slack.callsOf('files.getUploadURLExternal')[0]!.args).toMatchObject({ filename: 'records.csv', length: '16' });
    expect(slack.calls.find((c) => c.method.startsWith('upload/'))!.args.bytes).toBe('name,type\na,PTR\n');
    expect(slack.callsOf('files.completeUploadExternal')[0]!.args).toMatchObject({ channel_id: 'C1', thread_ts: '1.1', files: [{ title: 'Records' }] });
  });

  it('queues durably: a step waits only for Redis, and a message another outbox left behind is delivered by this one', async () => {
    // The first outbox's process "stops" while Slack is down: its messages stay queued in Redis.
    slack.outage(500);
    const first = newOutbox({ retryBaseMs: 50 });
    const started = Date.now();
    await first.queuePost('C1', { text: 'status card' }, { once: 'card:p-1' });
    await first.queuePost('C1', { text: 'milestone', thread_ts: { ref: 'card:p-1' } });
    expect(Date.now() - started).toBeLessThan(500);
    await first.close();
    expect(slack.callsOf('chat.postMessage').every((c) => c.status === 500)).toBe(true);

    // Slack recovers; another process's outbox delivers both, in order, once each, the reply in the card's thread.
    slack.recover();
    await slack.waitFor(() => slack.callsOf('chat.postMessage').filter((c) => c.status === 200).length >= 2);
    const delivered = slack.callsOf('chat.postMessage').filter((c) => c.status === 200);
    expect(delivered.map((c) => c.args.text)).toEqual(['status card', 'milestone']);
    expect(delivered[1]!.args.thread_ts).toBe(await outbox.messageTs('card:p-1'));
  });

  it('posts a message named `once` a single time however often it is queued', async () => {
    await outbox.queuePost('C1', { text: 'question' }, { once: 'question:p-1:q' });
    await outbox.queuePost('C1', { text: 'question' }, { once: 'question:p-1:q' });
    await outbox.settled();
    expect(slack.callsOf('chat.postMessage').map((c) => c.args.text)).toEqual(['question']);
  });

  it('refuses new work once closed', async () => {
    await outbox.close();
    await expect(outbox.queuePost('C1', { text: 'late' })).rejects.toThrow(/closed/);
  });
});
