/**
 * The Slack stand-in accepts only the tokens of the app installed in its workspace, as Slack does: a made-up or
 * revoked `xoxb-`/`xapp-` token is `invalid_auth`, and each real token only for what its type may do.
 */
import { WebClient } from '@slack/web-api';
import { startSlackStandIn, type SlackStandIn } from '../../src/slack/web-api.js';

describe('Slack stand-in tokens', () => {
  let slack: SlackStandIn;
  beforeAll(async () => {
    slack = await startSlackStandIn({ channels: { C0OPS: 'ops' } });
  });
  afterAll(() => slack.stop());

  const client = (token: string) => new WebClient(token, { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
  const errorOf = (call: Promise<unknown>) => call.then(() => 'ok', (err: { data?: { error?: string } }) => err.data?.error);

  it('answers the bot token, and refuses any other xoxb- token with invalid_auth', async () => {
    expect(await errorOf(client(slack.tokens.bot).auth.test())).toBe('ok');
    expect(await errorOf(client('xoxb-1-2-made-up').auth.test())).toBe('invalid_auth');
    expect(await errorOf(client('xoxb-1-2-made-up').chat.postMessage({ channel: 'C0OPS', text: 'hello' }))).toBe('invalid_auth');
    expect(slack.messages('C0OPS')).toEqual([]);
  });

  it('opens Socket Mode only with its app-level token', async () => {
    expect(await errorOf(client(slack.tokens.app).apps.connections.open())).not.toBe('invalid_auth');
    expect(await errorOf(client('xapp-1-A0-made-up').apps.connections.open())).toBe('invalid_auth');
    expect(await errorOf(client(slack.tokens.app).chat.postMessage({ channel: 'C0OPS', text: 'hello' }))).toBe('not_allowed_token_type');
    expect(await errorOf(client(slack.tokens.bot).apps.connections.open())).toBe('not_allowed_token_type');
  });
});
