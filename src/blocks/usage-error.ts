/** Ephemeral replies to malformed commands and refused requests. Pure. */
import type { KnownBlock } from '@slack/types';
import { escapeMrkdwn, section, context } from './format.js';

export interface Message {
  text: string;
  blocks: KnownBlock[];
}

/** `error` comes from the parser or a kind's UsageError: already quoted with backticks, so only escaped. */
export function renderUsageError(error: string, example: string, usage?: string): Message {
  const blocks: KnownBlock[] = [section(`:warning: ${escapeMrkdwn(capitalize(error))}`)];
  if (usage) blocks.push(context(`Usage: \`${escapeMrkdwn(usage)}\``));
  blocks.push(section(`For example:\n\`\`\`${escapeMrkdwn(example)}\`\`\``));
  return { text: `${capitalize(error)}. For example: ${example}`, blocks };
}

/** A refusal or notice: nothing changed, here is why (and usually what to do). */
export function renderNotice(text: string, emoji = ':no_entry:'): Message {
  return { text, blocks: [section(`${emoji} ${escapeMrkdwn(text)}`)] };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
