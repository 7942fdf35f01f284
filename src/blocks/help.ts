/** `/deckhand help`: only the subcommands the caller may use (the caller filters). Pure. */
import type { KnownBlock } from '@slack/types';
import type { CommandSpec } from '../jobs/kind.js';
import { context, escapeMrkdwn, fitBlocks, header, MAX_BLOCKS, section } from './format.js';
import type { Message } from './usage-error.js';

export function renderHelp(specs: CommandSpec[], topic?: string): Message {
  const spec = topic ? specs.find((s) => s.subcommand === topic) : undefined;
  if (topic && spec) return renderCommandHelp(spec);
  if (topic) {
    return { text: `You may not use /deckhand ${topic} here.`, blocks: [section(`:lock: You may not use \`/deckhand ${escapeMrkdwn(topic)}\` here. Ask your SRE team to add you to the policy.`)] };
  }
  const lines = specs.map((s) => section(`\`${escapeMrkdwn(s.usage)}\`\n${escapeMrkdwn(s.summary)}`));
  const blocks: KnownBlock[] = [
    header('deckhand: what you can do here'),
    ...fitBlocks(lines, MAX_BLOCKS - 2, 'More subcommands exist: `/deckhand help &lt;subcommand&gt;` shows one.'),
    context('`/deckhand help &lt;subcommand&gt;` shows flags and an example. Mutating plans need an approval click before anything changes.'),
  ];
  return { text: `deckhand subcommands: ${specs.map((s) => s.subcommand).join(', ')}`, blocks };
}

function renderCommandHelp(spec: CommandSpec): Message {
  const flags = spec.flags.map((f) => `• \`--${f.name}${f.type === 'bool' ? '' : ' <value>'}\`${f.repeatable ? ' (repeatable)' : ''}: ${escapeMrkdwn(f.description)}`);
  const blocks: KnownBlock[] = [
    section(`*\`${escapeMrkdwn(spec.usage)}\`*\n${escapeMrkdwn(spec.summary)}`),
    ...(flags.length ? [section(`*Flags*\n${flags.join('\n')}`)] : []),
    section(`*Example*\n\`\`\`${escapeMrkdwn(spec.example)}\`\`\``),
  ];
  return { text: `${spec.usage}: ${spec.summary}`, blocks };
}
