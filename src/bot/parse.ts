/**
 * Pure parsing of `/deckhand <subcommand> [args] [--flag value]` (no I/O). The text is only ever
 * tokenized: shell metacharacters are plain characters, nothing is evaluated or executed.
 * Kind-specific typing (numbers, names) happens afterwards in the kind's parseArgs.
 */
import { echo } from '../blocks/format.js';
import type { CommandSpec, RawCommand } from '../jobs/kind.js';

export const MAX_COMMAND_LENGTH = 2_000;

/** The subcommands the bot answers itself. */
export const BUILTIN_SPECS: CommandSpec[] = [
  { subcommand: 'help', summary: 'List the subcommands you may use', usage: '/deckhand help [subcommand]', example: '/deckhand help', flags: [] },
  { subcommand: 'jobs', summary: "This channel's recent and running jobs", usage: '/deckhand jobs', example: '/deckhand jobs', flags: [] },
  { subcommand: 'status', summary: 'One job in detail', usage: '/deckhand status <job-id>', example: '/deckhand status p-mbx1k2f3a9c4', flags: [] },
];

export type ParsedCommand =
  | { type: 'help'; topic?: string }
  | { type: 'jobs' }
  | { type: 'status'; id: string }
  | { type: 'kind'; raw: RawCommand };

export type ParseResult = { ok: true; command: ParsedCommand } | { ok: false; error: string; example: string };

const HELP_EXAMPLE = '/deckhand help';
const PLAN_ID = /^[A-Za-z0-9_-]{1,64}$/;

// Slack clients often turn straight quotes into typographic ones.
const OPEN_TO_CLOSE: Record<string, string> = { '"': '"', "'": "'", '“': '”', '‘': '’', '„': '“' };

type TokenizeResult = { ok: true; tokens: string[] } | { ok: false; error: string };

export function tokenize(text: string): TokenizeResult {
  const tokens: string[] = [];
  let current = '';
  let inToken = false;
  let closing: string | undefined;
  for (const ch of text) {
    if (closing !== undefined) {
      if (ch === closing || (closing === '”' && ch === '"')) closing = undefined;
      else current += ch;
    } else if (/\s/u.test(ch)) {
      if (inToken) tokens.push(current);
      current = '';
      inToken = false;
    } else if (OPEN_TO_CLOSE[ch] !== undefined) {
      closing = OPEN_TO_CLOSE[ch];
      inToken = true;
    } else {
      current += ch;
      inToken = true;
    }
  }
  if (closing !== undefined) return { ok: false, error: `a quote is not closed (missing ${closing})` };
  if (inToken) tokens.push(current);
  return { ok: true, tokens };
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The closest candidate within a small edit distance, for "did you mean" hints. */
export function closest(input: string, candidates: string[]): string | undefined {
  const limit = Math.max(2, Math.floor(input.length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(input.toLowerCase(), name);
    if (distance <= limit && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function didYouMean(input: string, candidates: string[], prefix = ''): string {
  const hint = closest(input, candidates);
  return hint ? ` Did you mean \`${prefix}${hint}\`?` : '';
}

function parseFlags(spec: CommandSpec, tokens: string[]): { ok: true; raw: RawCommand } | { ok: false; error: string } {
  const raw: RawCommand = { subcommand: spec.subcommand, positionals: [], flags: {} };
  const flagNames = spec.flags.map((f) => f.name);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (!token.startsWith('-') || token === '-' || /^-\d/.test(token)) {
      raw.positionals.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    const name = (eq === -1 ? token : token.slice(0, eq)).replace(/^--?/, '');
    const flag = spec.flags.find((f) => f.name === name);
    if (!token.startsWith('--') || !flag) {
      const known = flagNames.length ? ` Flags of \`${spec.subcommand}\`: ${flagNames.map((n) => `--${n}`).join(', ')}.` : ` \`${spec.subcommand}\` takes no flags.`;
      return { ok: false, error: `unknown flag \`${echo(token.slice(0, eq === -1 ? undefined : eq))}\`.${didYouMean(name, flagNames, '--')}${known}` };
    }
    let value: string | boolean;
    if (flag.type === 'bool') {
      if (eq === -1) value = true;
      else {
        const text = token.slice(eq + 1).toLowerCase();
        if (text !== 'true' && text !== 'false') return { ok: false, error: `\`--${name}\` is a switch: use \`--${name}\` alone (or \`--${name}=false\`)` };
        value = text === 'true';
      }
    } else if (eq !== -1) {
      value = token.slice(eq + 1);
      if (value === '') return { ok: false, error: `\`--${name}\` needs a value (e.g. \`--${name} <value>\`)` };
    } else {
      const next = tokens[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        return { ok: false, error: `\`--${name}\` needs a value (e.g. \`--${name} <value>\`)` };
      }
      value = next;
      i++;
    }
    const previous = raw.flags[name];
    if (flag.repeatable) {
      raw.flags[name] = [...((previous as string[] | undefined) ?? []), String(value)];
    } else if (previous !== undefined) {
      return { ok: false, error: `\`--${name}\` is given more than once` };
    } else {
      raw.flags[name] = value;
    }
  }
  return { ok: true, raw };
}

export function parseCommand(text: string, specs: CommandSpec[]): ParseResult {
  const length = [...text].length;
  if (length > MAX_COMMAND_LENGTH) {
    return { ok: false, error: `the command is too long (${length} characters; the limit is ${MAX_COMMAND_LENGTH})`, example: HELP_EXAMPLE };
  }
  const tokenized = tokenize(text);
  if (!tokenized.ok) return { ok: false, error: tokenized.error, example: HELP_EXAMPLE };
  const [first, ...rest] = tokenized.tokens;
  if (first === undefined) {
    return { ok: false, error: 'no subcommand given. `/deckhand help` lists what you can do', example: HELP_EXAMPLE };
  }
  const subcommand = first.toLowerCase();
  const all = [...BUILTIN_SPECS, ...specs];
  const spec = all.find((s) => s.subcommand === subcommand);
  if (!spec) {
    return {
      ok: false,
      error: `unknown subcommand \`${echo(first)}\`.${didYouMean(first, all.map((s) => s.subcommand))}`,
      example: HELP_EXAMPLE,
    };
  }
  const flags = parseFlags(spec, rest);
  if (!flags.ok) return { ok: false, error: flags.error, example: spec.example };
  const { positionals } = flags.raw;

  switch (subcommand) {
    case 'help': {
      if (positionals.length > 1) return { ok: false, error: '`help` takes at most one subcommand name', example: spec.example };
      const topic = positionals[0]?.toLowerCase();
      if (topic !== undefined && !all.some((s) => s.subcommand === topic)) {
        return { ok: false, error: `no help for unknown subcommand \`${echo(topic)}\`.${didYouMean(topic, all.map((s) => s.subcommand))}`, example: spec.example };
      }
      return { ok: true, command: topic ? { type: 'help', topic } : { type: 'help' } };
    }
    case 'jobs':
      if (positionals.length > 0) return { ok: false, error: '`jobs` takes no arguments', example: spec.example };
      return { ok: true, command: { type: 'jobs' } };
    case 'status': {
      const [id, ...extra] = positionals;
      if (id === undefined) return { ok: false, error: '`status` needs a job id (shown in `/deckhand jobs`)', example: spec.example };
      if (extra.length > 0 || !PLAN_ID.test(id)) return { ok: false, error: `\`${echo(positionals.join(' '))}\` is not a job id`, example: spec.example };
      return { ok: true, command: { type: 'status', id } };
    }
    default:
      return { ok: true, command: { type: 'kind', raw: flags.raw } };
  }
}
