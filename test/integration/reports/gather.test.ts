/** gatherChannel against the Slack stand-in with the real WebClient: bounds, pacing, names, errors. */
import { WebClient } from '@slack/web-api';
import { UserFacingError } from '../../../src/errors.js';
import { systemClock } from '../../../src/integrations/clock.js';
import { gatherChannel } from '../../../src/reports/postmortem/gather.js';
import { TierPacer } from '../../../src/reports/postmortem/pacer.js';
import { VirtualClock } from '../../../sandbox/src/clock.js';
import { startSlackStandIn, type SlackStandIn } from '../../../sandbox/src/slack/web-api.js';

const CHANNEL = 'C0INC';
const noActivity = () => Promise.resolve({ entries: [], planMessageTs: {} });

describe('gatherChannel', () => {
  let slack: SlackStandIn;
  let client: WebClient;
  beforeEach(async () => {
    slack = await startSlackStandIn({ users: { U0A: { name: 'alice' } }, channels: { [CHANNEL]: 'incident' } });
    client = new WebClient(slack.tokens.bot, { slackApiUrl: slack.url });
  });
  afterEach(() => slack.stop());

  it('keeps the newest messages up to the bound and says it stopped', async () => {
    for (let i = 0; i < 450; i++) slack.seedMessage(CHANNEL, { user: i % 3 ? 'U0A' : 'U0GONE', ts: `${1_767_600_000 + i}.000000`, text: `m${i}` });
    const history = await gatherChannel({ slack: client, clock: systemClock, requestChannel: CHANNEL, readRefusal: () => undefined, activity: noActivity, window: () => ({ start: 1_767_500_000_000, basis: 'since' }), maxMessages: 300 });
    expect(history.truncated).toBe(true);
    expect(history.messages).toHaveLength(300);
    expect(history.messages[0]!.text).toBe('m150');
    expect(history.messages.at(-1)!.text).toBe('m449');
    expect(slack.callsTo('conversations.history')).toHaveLength(2);
    // A user users.info does not know keeps its id; the known one gets a name.
    expect(history.userNames).toEqual({ U0A: 'alice' });
  });

  it('reads everything when it fits, and only messages after `oldest`', async () => {
    for (let i = 0; i < 10; i++) slack.seedMessage(CHANNEL, { user: 'U0A', ts: `${1_767_600_000 + i * 60}.000000`, text: `m${i}` });
    slack.seedMessage(CHANNEL, { user: 'U0A', ts: `${1_767_600_000 + 5 * 60}.000001`, text: '<@U0A> has joined the channel', subtype: 'channel_join' });
    const history = await gatherChannel({ slack: client, clock: systemClock, requestChannel: CHANNEL, readRefusal: () => undefined, activity: noActivity, window: () => ({ start: (1_767_600_000 + 4 * 60) * 1000, basis: 'since' }), maxMessages: 300 });
    expect(history.truncated).toBe(false);
    expect(history.messages.map((m) => m.text)).toEqual(['m5', 'm6', 'm7', 'm8', 'm9']);
    expect(history.channel).toEqual({ id: CHANNEL, name: 'incident', isPrivate: false, topic: '', purpose: '', createdMs: Date.parse('2020-01-01T00:00:00Z') });
  });

  it("reads reactions, integrations' attachments, the topic, the purpose and the bookmarks", async () => {
    await slack.stop();
    const bookmarks = [{ title: 'Checkout dashboard', link: 'https://grafana.example.com/d/checkout' }];
    slack = await startSlackStandIn({ channels: { [CHANNEL]: { name: 'incident', topic: 'SEV2 checkout latency', purpose: 'Incident room', bookmarks } } });
    client = new WebClient(slack.tokens.bot, { slackApiUrl: slack.url });
    slack.seedMessage(CHANNEL, { user: 'U0A', ts: '1767600000.000000', text: 'db CPU 100%', reactions: { timeline: ['U0A'], eyes: ['U0B'] } });
    slack.seedMessage(CHANNEL, {
      user: '',
      botId: 'B0AM',
      botName: 'Alertmanager',
      subtype: 'bot_message',
      ts: '1767600060.000000',
      text: '',
      attachments: [{ title: '[FIRING:1] HighLatency', text: 'checkout p99 > 2s' }],
    });
    const history = await gatherChannel({ slack: client, clock: systemClock, requestChannel: CHANNEL, readRefusal: () => undefined, activity: noActivity, window: () => ({ start: 0, basis: 'since' }), maxMessages: 10 });
    expect(history.channel).toMatchObject({ topic: 'SEV2 checkout latency', purpose: 'Incident room' });
    expect(history.bookmarks).toEqual(bookmarks);
    expect(history.messages).toEqual([
      { ts: '1767600000.000000', user: 'U0A', text: 'db CPU 100%', reactions: ['timeline', 'eyes'] },
      { ts: '1767600060.000000', botId: 'B0AM', botName: 'Alertmanager', text: '[FIRING:1] HighLatency\ncheckout p99 > 2s' },
    ]);
  });

  it('a method the app manifest grants no scope for answers missing_scope', async () => {
    await slack.stop();
    slack = await startSlackStandIn({ channels: { [CHANNEL]: 'incident' }, scopes: ['channels:read', 'channels:history', 'pins:read', 'users:read'] });
    client = new WebClient(slack.tokens.bot, { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
    await expect(gatherChannel({ slack: client, clock: systemClock, requestChannel: CHANNEL, readRefusal: () => undefined, activity: noActivity, window: () => ({ start: 0, basis: 'since' }), maxMessages: 10 })).rejects.toMatchObject({
      data: { error: 'missing_scope', needed: 'bookmarks:read' },
    });
  });

  it('explains channels it cannot find or read', async () => {
    await expect(gatherChannel({ slack: client, clock: systemClock, requestChannel: CHANNEL, readRefusal: () => undefined, activity: noActivity, target: { name: 'nope' }, window: () => ({ start: 0, basis: 'since' }), maxMessages: 10 })).rejects.toThrow(
      'No channel #nope that deckhand can see. Check the name, or pass the channel id.',
    );
    slack.failNext('conversations.history', { error: 'not_in_channel' });
    const notInChannel = await gatherChannel({ slack: client, clock: systemClock, requestChannel: CHANNEL, readRefusal: () => undefined, activity: noActivity, window: () => ({ start: 0, basis: 'since' }), maxMessages: 10 }).catch((e: unknown) => e);
    expect(notInChannel).toBeInstanceOf(UserFacingError);
    expect(notInChannel).toMatchObject({ code: 'slack-not-in-channel', message: 'deckhand is not a member of #incident: invite it (`/invite @deckhand`) and try again.' });
    expect((notInChannel as Error).cause).toMatchObject({ data: { error: 'not_in_channel' } });
    slack.failNext('conversations.history', { error: 'channel_not_found' });
    const notFound = await gatherChannel({ slack: client, clock: systemClock, requestChannel: CHANNEL, readRefusal: () => undefined, activity: noActivity, window: () => ({ start: 0, basis: 'since' }), maxMessages: 10 }).catch((e: unknown) => e);
    expect(notFound).toMatchObject({ code: 'slack-channel-not-found', message: 'deckhand cannot see #incident: check the name, and invite it if the channel is private.' });
    expect((notFound as Error).cause).toMatchObject({ data: { error: 'channel_not_found' } });
  });
});

describe('TierPacer', () => {
  it("lets a minute's worth through at once, then waits until the oldest answer is a minute old", async () => {
    const clock = new VirtualClock(0, 0);
    const pacer = new TierPacer(clock, 3);
    const answered: number[] = [];
    const call = () => pacer.call(async () => answered.push(clock.now()));
    await call();
    await clock.advance(10_000, 100);
    await Promise.all([call(), call()]);
    const fourth = call();
    await clock.advance(49_000, 100);
    expect(answered).toEqual([0, 10_000, 10_000]);
    await clock.advance(1_000, 100);
    await fourth;
    expect(answered).toEqual([0, 10_000, 10_000, 60_000]);
    clock.stop();
  });
});
