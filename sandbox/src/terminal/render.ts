/**
 * Block Kit as a terminal shows it: the sandbox's stand-in for the Slack client. Buttons are numbered
 * so a person can type `click 2` instead of clicking.
 */
export interface TerminalButton {
  label: string;
  actionId: string;
  value: string;
}

interface Block {
  type: string;
  text?: { text?: string };
  fields?: { text?: string }[];
  elements?: { type: string; text?: string | { text?: string }; action_id?: string; value?: string }[];
}

export function renderBlocks(blocks: unknown[], fallbackText: string): { lines: string[]; buttons: TerminalButton[] } {
  const lines: string[] = [];
  const buttons: TerminalButton[] = [];
  for (const raw of blocks as Block[]) {
    switch (raw.type) {
      case 'header':
        lines.push(`== ${plain(raw.text?.text)} ==`);
        break;
      case 'section':
        if (raw.text?.text) lines.push(...plain(raw.text.text).split('\n'));
        for (const field of raw.fields ?? []) lines.push(`  ${plain(field.text).replace(/\n/g, ' ')}`);
        break;
      case 'context':
        lines.push(
          `  (${(raw.elements ?? []).map((e) => plain(typeof e.text === 'string' ? e.text : e.text?.text)).join(' · ')})`,
        );
        break;
      case 'divider':
        lines.push('  ----');
        break;
      case 'actions':
        for (const element of raw.elements ?? []) {
          if (element.type !== 'button' || !element.action_id) continue;
          const label = plain(typeof element.text === 'string' ? element.text : element.text?.text);
          buttons.push({ label, actionId: element.action_id, value: element.value ?? '' });
        }
        break;
    }
  }
  if (lines.length === 0) lines.push(plain(fallbackText));
  return { lines, buttons };
}

/** Slack mrkdwn to plain terminal text: user mentions, links and emphasis markers. */
function plain(text: string | undefined): string {
  return (text ?? '')
    .replace(/<@([A-Z0-9]+)>/g, '@$1')
    .replace(/<!date\^[^|>]*\|([^>]+)>/g, '$1')
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<!([a-z]+)>/g, '@$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The lines of an updated message that were not there before, so a status card prints only what changed. */
export function changedLines(previous: string[], current: string[]): string[] {
  const before = new Set(previous);
  return current.filter((line) => !before.has(line));
}
