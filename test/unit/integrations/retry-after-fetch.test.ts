/**
 * The bot's fetch waits out a 429's Retry-After and sends the request again; the request's own deadline still
 * bounds the wait.
 */
import { honouringRetryAfter } from '../../../src/integrations/slack/retry-after-fetch.js';
import { startSlackStandIn, type SlackStandIn } from '../../../sandbox/src/slack/web-api.js';

describe('honouringRetryAfter', () => {
  let slack: SlackStandIn;
  beforeEach(async () => {
    slack = await startSlackStandIn();
  });
  afterEach(() => slack.stop());

  const authTest = (send: typeof fetch, signal?: AbortSignal) =>
    send(`${slack.url}auth.test`, { method: 'POST', headers: { authorization: `Bearer ${slack.tokens.bot}` }, ...(signal ? { signal } : {}) });

  it('sends a request refused with 429 again once Retry-After has passed, and answers what Slack then says', async () => {
    let retries = 0;
    slack.failNext('auth.test', { retryAfter: 1 });
    const response = await authTest(honouringRetryAfter(fetch, () => retries++));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true });
    expect(retries).toBe(1);
    const [refused, taken] = slack.callsTo('auth.test');
    expect(refused!.status).toBe(429);
    expect(taken!.at - refused!.at).toBeGreaterThanOrEqual(1000);
  });

  it("gives up with the request's deadline when Retry-After is longer", async () => {
    slack.failNext('auth.test', { retryAfter: 30 });
    await expect(authTest(honouringRetryAfter(fetch), AbortSignal.timeout(200))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(slack.callsTo('auth.test')).toHaveLength(1);
  });

  it('passes other answers through, errors included', async () => {
    slack.failNext('auth.test', { status: 500 });
    expect((await authTest(honouringRetryAfter(fetch))).status).toBe(500);
    expect(slack.callsTo('auth.test')).toHaveLength(1);
  });
});
