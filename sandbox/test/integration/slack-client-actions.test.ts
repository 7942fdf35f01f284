/** What a person does in Slack's client (pins, reactions) as the bot then reads it over the Web API. */
import { WebClient } from '@slack/web-api';
import { startSlackStandIn, type SlackStandIn } from '../../src/slack/web-api.js';

const CHANNEL = 'C0INCIDENT';

describe('the Slack stand-in: pins and reactions from the client', () => {
  let slack: SlackStandIn;
  let web: WebClient;
  beforeEach(async () => {
    slack = await startSlackStandIn({ channels: { [CHANNEL]: 'incident' } });
    web = new WebClient(slack.tokens.bot, { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
    slack.seedMessage(CHANNEL, { user: 'U0ALICE', text: 'rolled back', ts: '1767600000.000001' });
  });
  afterEach(() => slack.stop());

  it('shows a pin in pins.list until it is unpinned', async () => {
    slack.pin(CHANNEL, '1767600000.000001', true);
    expect((await web.pins.list({ channel: CHANNEL })).items?.map((i) => i.message?.text)).toEqual(['rolled back']);
    slack.pin(CHANNEL, '1767600000.000001', false);
    expect((await web.pins.list({ channel: CHANNEL })).items).toEqual([]);
  });

  it('adds a reaction per user, and takes it back when the same user reacts again', async () => {
    slack.toggleReaction(CHANNEL, '1767600000.000001', 'eyes', 'U0ALICE');
    slack.toggleReaction(CHANNEL, '1767600000.000001', 'eyes', 'U0BOB');
    const reactions = async () => (await web.conversations.history({ channel: CHANNEL })).messages?.[0]?.reactions;
    expect(await reactions()).toEqual([{ name: 'eyes', users: ['U0ALICE', 'U0BOB'], count: 2 }]);
    slack.toggleReaction(CHANNEL, '1767600000.000001', 'eyes', 'U0ALICE');
    slack.toggleReaction(CHANNEL, '1767600000.000001', 'eyes', 'U0BOB');
    expect(await reactions()).toBeUndefined();
  });

  it('refuses an unknown message and a reaction name Slack would not accept, changing nothing', () => {
    expect(() => slack.pin(CHANNEL, '1767600000.000009', true)).toThrow('message_not_found');
    expect(() => slack.toggleReaction(CHANNEL, '1767600000.000001', '<b>', 'U0ALICE')).toThrow('invalid_name');
    expect(slack.messages(CHANNEL)[0]).not.toHaveProperty('reactions');
  });
});
