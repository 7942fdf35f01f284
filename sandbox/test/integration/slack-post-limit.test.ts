/**
 * Out of the box the Slack stand-in holds an app to Slack's chat.postMessage limit: a short burst per channel, then
 * one a second, and 429 with Retry-After in Slack's shape beyond that (docs/platform-facts.md).
 */
import { startSlackStandIn, SLACK_POSTS_PER_CHANNEL, type SlackStandIn } from '../../src/slack/web-api.js';
import { until } from '../../../test/helpers/until.js';

describe('Slack stand-in: the per-channel post limit', () => {
  let slack: SlackStandIn;
  beforeAll(async () => {
    slack = await startSlackStandIn();
  });
  afterAll(() => slack.stop());

  const post = (channel: string, text: string) =>
    fetch(`${slack.url}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${slack.tokens.bot}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel, text }),
    });

  it('takes a burst, answers 429 with Retry-After beyond it, takes posts in other channels, and refills', async () => {
    // Twice the burst at once: the bucket refills far too slowly to take them all, however loaded the machine.
    const answers = await Promise.all(Array.from({ length: 2 * SLACK_POSTS_PER_CHANNEL.burst }, (_, i) => post('C0BUSY', `post ${i}`)));
    const refused = answers.filter((a) => a.status === 429);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(SLACK_POSTS_PER_CHANNEL.burst);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]!.headers.get('retry-after')).toBe('1');
    expect(await refused[0]!.json()).toEqual({ ok: false, error: 'ratelimited' });
    expect(slack.messages('C0BUSY')).toHaveLength(answers.length - refused.length);

    expect((await post('C0QUIET', 'elsewhere')).status).toBe(200);
    // The bucket refills one post a second (real time), bounded generously for a loaded machine.
    await until('the channel to take a post again', async () => (await post('C0BUSY', 'after waiting')).status === 200, 20_000);
    expect(slack.messages('C0BUSY').map((m) => m.text)).toContain('after waiting');
  });
});
