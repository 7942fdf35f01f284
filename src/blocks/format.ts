/** Small helpers every Block Kit builder shares: escaping user text and staying within Slack's limits. */
import type { KnownBlock } from '@slack/types';

export const MAX_BLOCKS = 50;
export const MAX_SECTION_TEXT = 3_000;
export const MAX_HEADER_TEXT = 150;

/** Slack mrkdwn treats &, < and > as control characters; user text must not form links or mentions. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text;
}

export function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, MAX_SECTION_TEXT) } };
}

export function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, MAX_SECTION_TEXT) }] };
}

export function header(text: string): KnownBlock {
  return { type: 'header', text: { type: 'plain_text', text: truncate(text, MAX_HEADER_TEXT), emoji: true } };
}

/** A Slack date token: every reader sees it in their own time zone. */
export function slackDate(ms: number, fallback = new Date(ms).toISOString()): string {
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${fallback}>`;
}

export function mention(user: string): string {
  return /^[UW][A-Z0-9]+$/.test(user) ? `<@${user}>` : escapeMrkdwn(user);
}

/** Keep a message within 50 blocks: the tail of an over-long body becomes one note. */
export function fitBlocks(body: KnownBlock[], budget: number, note: string): KnownBlock[] {
  if (body.length <= budget) return body;
  return [...body.slice(0, budget - 1), context(note)];
}
