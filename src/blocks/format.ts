/**
 * Small helpers every Block Kit builder shares (the bot's, the job kinds' and the reports'): escaping user text,
 * staying within Slack's limits (docs/platform-facts.md#slack), folding long lists.
 */
import type { KnownBlock } from '@slack/types';

export const MAX_BLOCKS = 50;
export const MAX_SECTION_TEXT = 3_000;
export const MAX_HEADER_TEXT = 150;

/** Slack mrkdwn treats &, < and > as control characters; user text must not form links or mentions. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const ECHO_LIMIT = 40;

/** Quote a user token in an error message without echoing an arbitrarily long value back. */
export function echo(token: string): string {
  const chars = [...token];
  return chars.length > ECHO_LIMIT ? `${chars.slice(0, ECHO_LIMIT).join('')}…` : token;
}

/** At most `max` characters; a cut text ends with `tail`, so the reader sees that something is missing. */
export function truncate(text: string, max: number, tail = '…'): string {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max - [...tail].length).join('')}${tail}` : text;
}

/** A mrkdwn section within Slack's limit; `tail` ends a text that had to be cut (e.g. where the rest is). */
export function section(text: string, tail?: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, MAX_SECTION_TEXT, tail) } };
}

export function context(text: string, tail?: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, MAX_SECTION_TEXT, tail) }] };
}

/**
 * Lines joined within `limit` characters; what does not fit (plus `alreadyHidden` lines never offered)
 * is announced by `hiddenText(n)`, so nothing silently disappears.
 */
export function foldLines(lines: string[], hiddenText: (hidden: number) => string, alreadyHidden = 0, limit = MAX_SECTION_TEXT): string {
  const kept: string[] = [];
  let length = 0;
  for (const [index, line] of lines.entries()) {
    const tail = hiddenText(lines.length - index + alreadyHidden);
    if (length + line.length + 1 + tail.length > limit) return [...kept, tail].join('\n');
    kept.push(line);
    length += line.length + 1;
  }
  return alreadyHidden > 0 ? [...kept, hiddenText(alreadyHidden)].join('\n') : kept.join('\n');
}

/** A titled section whose lines are folded (see foldLines) to fit Slack's limit. */
export function listSection(title: string, lines: string[], hiddenText: (hidden: number) => string, alreadyHidden = 0): KnownBlock {
  const heading = `*${title}*\n`;
  return section(heading + foldLines(lines, hiddenText, alreadyHidden, MAX_SECTION_TEXT - heading.length));
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
