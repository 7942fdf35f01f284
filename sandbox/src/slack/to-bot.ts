/**
 * How Slack's side reaches the bot, for the sandbox's clients (terminal, tests): signed HTTP requests to the
 * receiver, or envelopes over a Socket Mode connection. Either way the answer is the bot's ack: 200 when it
 * acknowledged in time.
 */
import { click, clickPayload, slashCommand, slashCommandPayload, type ClickInput, type SignedResponse, type SlashCommandInput } from './signed-client.js';
import type { EnvelopeType, SocketModeServer } from './socket-mode.js';

export interface ToBot {
  command(input: SlashCommandInput, responseUrl: string): Promise<SignedResponse>;
  click(input: ClickInput, responseUrl: string): Promise<SignedResponse>;
}

export function overHttp(botUrl: string, signingSecret: string): ToBot {
  return {
    command: (input, responseUrl) => slashCommand(botUrl, signingSecret, input, { responseUrl }),
    click: (input, responseUrl) => click(botUrl, signingSecret, input, { responseUrl }),
  };
}

export function overSocketMode(server: SocketModeServer): ToBot {
  const deliver = async (type: EnvelopeType, payload: Record<string, unknown>): Promise<SignedResponse> => {
    const ack = await server.deliver(type, payload);
    return { status: ack.acked ? 200 : 504, body: JSON.stringify(ack.payload ?? {}), elapsedMs: ack.elapsedMs };
  };
  return {
    command: (input, responseUrl) => deliver('slash_commands', slashCommandPayload(input, responseUrl)),
    click: (input, responseUrl) => deliver('interactive', clickPayload(input, responseUrl)),
  };
}
