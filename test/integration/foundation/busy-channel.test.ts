/**
 * Many people typing `/deckhand` in one channel at once, against a Slack stand-in holding the bot to Slack's
 * per-channel posting limit at Slack's own figures (not the harness's scaled pace): every command gets its plan card, none fails, and every post Slack
 * answered 429 was sent again no sooner than its Retry-After said.
 */
import { SLACK_POSTS_PER_CHANNEL } from '../../../sandbox/src/slack/web-api.js';
import { createFixtureKind } from '../../helpers/fixture-kind.js';
import { startFoundation, type Harness } from '../../helpers/foundation-harness.js';
import { until } from '../../helpers/until.js';

const REQUESTER = 'U0REQ';
const POLICY = `commands:\n  fixture:\n    run: '*'\n    approve: ['U0APPROVER']\n`;
/** Several times the stand-in's burst, so most plan cards must wait for the channel's bucket to refill. */
const COMMANDS = 10;

describe('foundation: a busy channel under Slack\'s posting limit', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startFoundation({ kinds: ({ redis, prefix }) => [createFixtureKind(redis, prefix)], policyYaml: POLICY, postsPerChannel: SLACK_POSTS_PER_CHANNEL });
  });
  afterAll(() => h.stop());

  it(`${COMMANDS} concurrent commands in one channel: every plan card is posted, paced by Retry-After`, async () => {
    const names = Array.from({ length: COMMANDS }, (_, i) => `busy-${i}`);
    const responses = await Promise.all(names.map((name) => h.command(`fixture ${name} --steps 1`, REQUESTER)));
    expect(responses.map((r) => r.status)).toEqual(names.map(() => 200));

    const posted = await until(
      'every plan card',
      async () => {
        const plans = (await h.plans.listByChannel(h.channel, COMMANDS * 2)).filter((p) => p.messageTs);
        return plans.length === COMMANDS && plans;
      },
      60_000,
    );
    expect(posted.map((p) => p.target).sort()).toEqual(names.map((n) => `fixture/${n}`).sort());
    for (const plan of posted) expect(h.planMessage(plan).text).toContain(plan.target.replace('fixture/', ''));
    expect(h.ephemeralsTo(REQUESTER).filter((m) => /went wrong/i.test(m.text))).toEqual([]);

    // Each refused post was sent again, unchanged, at least Retry-After (1 s here) later, and then taken.
    const posts = h.slack.callsTo('chat.postMessage');
    for (const refused of posts.filter((c) => c.status === 429)) {
      const retried = posts.find((c) => c.at > refused.at && c.body.text === refused.body.text && c.body.channel === refused.body.channel);
      expect(retried).toBeDefined();
      expect(retried!.at - refused.at).toBeGreaterThanOrEqual(1000);
    }
    expect(posts.filter((c) => c.status === 200)).toHaveLength(COMMANDS);
  });
});
