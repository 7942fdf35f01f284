/** `/deckhand postmortem [#channel|channel-id] [--since <ISO time|6h>] [--title "..."]`: typed, validated arguments. */
import { echo } from '../../blocks/format.js';
import { UsageError } from '../../errors.js';
import type { CommandSpec, RawCommand } from '../../jobs/kind.js';
import { parseDuration } from '../../time.js';

export type ChannelRef = { id: string } | { name: string };

export interface PostmortemArgs {
  /** Undefined = the channel the command was typed in. */
  channel?: ChannelRef;
  /** Start of the window: a duration back from now, or an absolute time (ms); undefined = the channel's history (windowFor). */
  since?: { agoMs: number } | { at: number };
  title?: string;
}

/** For a channel older than MAX_WINDOW_MS (not an incident channel), without `--since`. */
export const DEFAULT_WINDOW_MS = 24 * 3_600_000;
const MAX_WINDOW_MS = 30 * 86_400_000;
const MAX_TITLE = 150;

export const POSTMORTEM_COMMAND: CommandSpec = {
  subcommand: 'postmortem',
  summary: "Drafts a postmortem from an incident channel's history (read-only; the draft is attached as Markdown)",
  usage: '/deckhand postmortem [#channel|channel-id] [--since <ISO time|6h>] [--title "..."]',
  example: '/deckhand postmortem #incident-2026-01-05 --since 6h --title "Checkout latency"',
  flags: [
    { name: 'since', type: 'string', description: "start of the history to read: a duration back (6h, 2d) or an ISO time (default: from the channel's creation, or 24h for a channel older than 30 days)" },
    { name: 'title', type: 'string', description: 'the postmortem title (default: the channel and date)' },
  ],
};

const CHANNEL_ID = /^[CG][A-Z0-9]{2,}$/;
// `<#C123|name>` or `<#C123>` when the slash command escapes channels; `#name` when it does not.
const CHANNEL_MENTION = /^<#([CG][A-Z0-9]{2,})(?:\|[^>]*)?>$/;
const CHANNEL_NAME = /^#([a-z0-9][a-z0-9._-]{0,79})$/;

export function parseChannel(token: string): ChannelRef {
  const mention = CHANNEL_MENTION.exec(token);
  if (mention) return { id: mention[1]! };
  if (CHANNEL_ID.test(token)) return { id: token };
  const name = CHANNEL_NAME.exec(token.toLowerCase());
  if (name) return { name: name[1]! };
  throw new UsageError(`\`${echo(token)}\` is not a channel: use \`#channel-name\` or a channel id like \`C0123ABCD\``);
}

function parseSince(text: string): PostmortemArgs['since'] {
  const ms = parseDuration(text);
  if (ms !== undefined) {
    if (ms < 60_000 || ms > MAX_WINDOW_MS) throw new UsageError(`\`--since ${echo(text)}\` must be between 1m and 30d`);
    return { agoMs: ms };
  }
  // Only full ISO dates or date-times: Date.parse accepts too many loose formats.
  const at = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) throw new UsageError(`\`--since ${echo(text)}\` is neither a duration like \`6h\` nor an ISO time like \`2026-01-05T09:00Z\``);
  return { at };
}

export function parsePostmortemArgs(raw: RawCommand): PostmortemArgs {
  const [first, ...extra] = raw.positionals;
  if (extra.length > 0) throw new UsageError(`\`postmortem\` takes at most one channel; unexpected \`${echo(extra.join(' '))}\` (quote a title: \`--title "..."\`)`);
  const title = raw.flags.title === undefined ? undefined : String(raw.flags.title).trim();
  if (title !== undefined && (title === '' || [...title].length > MAX_TITLE)) throw new UsageError(`\`--title\` must be 1 to ${MAX_TITLE} characters`);
  return {
    ...(first !== undefined ? { channel: parseChannel(first) } : {}),
    ...(raw.flags.since === undefined ? {} : { since: parseSince(String(raw.flags.since)) }),
    ...(title ? { title } : {}),
  };
}

export interface ReadWindow {
  start: number;
  /** Why the window starts where it does, for the draft and the summary. */
  basis: 'since' | 'channel' | 'default';
}

/**
 * Where reading starts: `--since` when given; otherwise the channel's creation (an incident channel is
 * created for the incident, so its whole history is the incident), or the last 24 h for a channel older
 * than 30 days. Refuses a start in the future or more than 30 days back.
 */
export function windowFor(since: PostmortemArgs['since'], channelCreated: number, now: number): ReadWindow {
  if (since === undefined) {
    return now - channelCreated <= MAX_WINDOW_MS ? { start: Math.min(channelCreated, now - 60_000), basis: 'channel' } : { start: now - DEFAULT_WINDOW_MS, basis: 'default' };
  }
  const start = 'agoMs' in since ? now - since.agoMs : since.at;
  if (start >= now) throw new UsageError('`--since` is in the future');
  if (now - start > MAX_WINDOW_MS) throw new UsageError('`--since` reaches back more than 30 days; draft a shorter window');
  return { start, basis: 'since' };
}
