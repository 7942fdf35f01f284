/**
 * Plays Slack's side of the Events/Interactivity HTTP contract: signed
 * `application/x-www-form-urlencoded` requests (`v0=` HMAC-SHA256 over `v0:{ts}:{body}`), with
 * switches to forge the signature or age the timestamp.
 */
import { createHmac, randomBytes } from 'node:crypto';

export interface SignOptions {
  /** Sign with a wrong secret. */
  forgeSignature?: boolean;
  /** Request timestamp in seconds (default: now). */
  timestamp?: number;
  /** response_url handed to the bot (use the stand-in's `responseUrl()`). */
  responseUrl?: string;
  /** Where to send it (default: botUrl + /slack/events when botUrl has no path). */
  path?: string;
}

export interface SignedResponse {
  status: number;
  body: string;
  elapsedMs: number;
}

export function sign(signingSecret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

async function post(botUrl: string, signingSecret: string, body: string, opts: SignOptions): Promise<SignedResponse> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const secret = opts.forgeSignature ? `${signingSecret}-forged` : signingSecret;
  const url = new URL(opts.path ?? '/slack/events', botUrl);
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': sign(secret, timestamp, body),
    },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text, elapsedMs: performance.now() - started };
}

export interface SlashCommandInput {
  text: string;
  user: string;
  channel: string;
  command?: string;
}

/**
 * Where a request without an explicit response_url points: a closed loopback port, so a bot that answers
 * through it fails fast on this machine instead of reaching out to Slack's real hooks host.
 */
const NO_RESPONSE_URL = 'http://127.0.0.1:9/response-url-not-set';

/** A slash command's fields as Slack sends them (form-encoded over HTTP, a JSON object in a Socket Mode envelope). */
export function slashCommandPayload(input: SlashCommandInput, responseUrl = NO_RESPONSE_URL): Record<string, string> {
  return {
    token: 'legacy-verification-token',
    team_id: 'T0SANDBOX',
    team_domain: 'sandbox',
    channel_id: input.channel,
    channel_name: input.channel.toLowerCase(),
    user_id: input.user,
    user_name: input.user.toLowerCase(),
    command: input.command ?? '/deckhand',
    text: input.text,
    api_app_id: 'A0DECKHAND',
    is_enterprise_install: 'false',
    response_url: responseUrl,
    trigger_id: `${Date.now()}.${randomBytes(4).toString('hex')}`,
  };
}

export function slashCommandBody(input: SlashCommandInput, responseUrl = NO_RESPONSE_URL): string {
  return new URLSearchParams(slashCommandPayload(input, responseUrl)).toString();
}

export function slashCommand(botUrl: string, signingSecret: string, input: SlashCommandInput, opts: SignOptions = {}): Promise<SignedResponse> {
  return post(botUrl, signingSecret, slashCommandBody(input, opts.responseUrl), opts);
}

export interface ClickInput {
  actionId: string;
  value: string;
  user: string;
  channel: string;
  messageTs: string;
  blockId?: string;
  /** A click on an ephemeral message (Slack says so in the container). */
  ephemeral?: boolean;
}

/** A button click's `block_actions` payload. */
export function clickPayload(input: ClickInput, responseUrl = NO_RESPONSE_URL): Record<string, unknown> {
  return {
    type: 'block_actions',
    user: { id: input.user, username: input.user.toLowerCase(), name: input.user.toLowerCase(), team_id: 'T0SANDBOX' },
    api_app_id: 'A0DECKHAND',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: input.messageTs, channel_id: input.channel, is_ephemeral: input.ephemeral ?? false },
    trigger_id: `${Date.now()}.${randomBytes(4).toString('hex')}`,
    team: { id: 'T0SANDBOX', domain: 'sandbox' },
    is_enterprise_install: false,
    channel: { id: input.channel, name: input.channel.toLowerCase() },
    message: { type: 'message', ts: input.messageTs, text: '' },
    response_url: responseUrl,
    actions: [
      {
        type: 'button',
        action_id: input.actionId,
        block_id: input.blockId ?? 'actions',
        value: input.value,
        text: { type: 'plain_text', text: input.actionId },
        action_ts: String(Date.now() / 1000),
      },
    ],
  };
}

export function click(botUrl: string, signingSecret: string, input: ClickInput, opts: SignOptions = {}): Promise<SignedResponse> {
  const payload = clickPayload(input, opts.responseUrl);
  return post(botUrl, signingSecret, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), opts);
}
