import { parseCommand, tokenize, MAX_COMMAND_LENGTH } from '../../../src/bot/parse.js';
import type { CommandSpec } from '../../../src/jobs/kind.js';

const rollout: CommandSpec = {
  subcommand: 'rollout',
  summary: 'Replace the nodes of an auto scaling group',
  usage: '/deckhand rollout <asg> [--surge N] [--dry-run] [--skip NODE]...',
  example: '/deckhand rollout prod-workers --surge 2',
  flags: [
    { name: 'surge', type: 'string', description: 'extra nodes at a time' },
    { name: 'dry-run', type: 'bool', description: 'plan only' },
    { name: 'skip', type: 'string', repeatable: true, description: 'node to leave alone' },
    { name: 'reason', type: 'string', description: 'why' },
  ],
};
const specs = [rollout];

describe('parseCommand: valid input', () => {
  it.each([
    ['help', { type: 'help' }],
    ['  HELP  ', { type: 'help' }],
    ['help rollout', { type: 'help', topic: 'rollout' }],
    ['jobs', { type: 'jobs' }],
    ['status pl-abc123', { type: 'status', id: 'pl-abc123' }],
  ])('%j', (text, command) => {
    expect(parseCommand(text, specs)).toEqual({ ok: true, command });
  });

  it('parses positionals, --flag value, --flag=value, bool and repeatable flags', () => {
    expect(parseCommand('rollout prod-workers --surge=2 --dry-run --skip a --skip "b c"', specs)).toEqual({
      ok: true,
      command: { type: 'kind', raw: { subcommand: 'rollout', positionals: ['prod-workers'], flags: { surge: '2', 'dry-run': true, skip: ['a', 'b c'] } } },
    });
  });

  it('keeps quoted values, typographic quotes and unicode intact', () => {
    const result = parseCommand('rollout “prod workers” --reason \'déploiement 🚀 ünïcode\'', specs);
    expect(result).toEqual({
      ok: true,
      command: { type: 'kind', raw: { subcommand: 'rollout', positionals: ['prod workers'], flags: { reason: 'déploiement 🚀 ünïcode' } } },
    });
  });

  it('treats shell metacharacters as plain text', () => {
    const text = 'rollout $(reboot);`id`|cat&&>/etc/x --reason "a;b|c>d"';
    const result = parseCommand(text, specs);
    expect(result).toEqual({
      ok: true,
      command: { type: 'kind', raw: { subcommand: 'rollout', positionals: ['$(reboot);`id`|cat&&>/etc/x'], flags: { reason: 'a;b|c>d' } } },
    });
  });

  it('takes negative numbers as values, not flags', () => {
    expect(parseCommand('rollout x --surge -1', specs)).toMatchObject({ ok: true, command: { raw: { flags: { surge: '-1' } } } });
  });
});

describe('parseCommand: bad input → clear error + example', () => {
  const junk = 'x'.repeat(10_000);
  it.each<[string, string, RegExp, string]>([
    ['empty', '', /no subcommand given/, '/deckhand help'],
    ['whitespace only', ' \n\t ', /no subcommand given/, '/deckhand help'],
    ['unknown subcommand with a suggestion', 'rolout prod', /unknown subcommand `rolout`\. Did you mean `rollout`\?/, '/deckhand help'],
    ['unknown subcommand without a suggestion', 'frobnicate', /^unknown subcommand `frobnicate`\.$/, '/deckhand help'],
    ['unknown flag with a suggestion', 'rollout prod --surg 2', /unknown flag `--surg`\. Did you mean `--surge`\?/, rollout.example],
    ['single-dash flag', 'rollout prod -s 2', /unknown flag `-s`/, rollout.example],
    ['flag on a subcommand without flags', 'jobs --all', /`jobs` takes no flags/, '/deckhand jobs'],
    ['missing value at the end', 'rollout prod --surge', /`--surge` needs a value/, rollout.example],
    ['missing value before another flag', 'rollout prod --surge --dry-run', /`--surge` needs a value/, rollout.example],
    ['empty value with =', 'rollout prod --surge=', /`--surge` needs a value/, rollout.example],
    ['bool flag given a value', 'rollout prod --dry-run=yes', /`--dry-run` is a switch/, rollout.example],
    ['non-repeatable flag twice', 'rollout prod --surge 1 --surge 2', /`--surge` is given more than once/, rollout.example],
    ['unclosed quote', 'rollout "prod', /a quote is not closed/, '/deckhand help'],
    ['status without id', 'status', /`status` needs a job id/, '/deckhand status p-mbx1k2f3a9c4'],
    ['status with a bad id', 'status ../../etc/passwd', /is not a job id/, '/deckhand status p-mbx1k2f3a9c4'],
    ['jobs with arguments', 'jobs all', /`jobs` takes no arguments/, '/deckhand jobs'],
    ['help for unknown topic', 'help rolout', /Did you mean `rollout`/, '/deckhand help'],
    ['unicode subcommand', 'déployer 🚀', /unknown subcommand `déployer`/, '/deckhand help'],
    ['shell metacharacters as subcommand', '$(reboot)', /unknown subcommand `\$\(reboot\)`/, '/deckhand help'],
    ['10 kB of junk', junk, /too long \(10000 characters; the limit is 2000\)/, '/deckhand help'],
  ])('%s', (_name, text, error, example) => {
    const result = parseCommand(text, specs);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatch(error);
    expect(result.example).toBe(example);
    expect(result.error.length).toBeLessThan(300);
  });

  it('does not echo a long token back in full', () => {
    const token = 'y'.repeat(500);
    const result = parseCommand(`${token} a`, specs);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).not.toContain(token);
      expect(result.error).toContain('…');
    }
  });

  it('accepts exactly the length limit', () => {
    const text = `rollout ${'a'.repeat(MAX_COMMAND_LENGTH - 8)}`;
    expect(parseCommand(text, specs).ok).toBe(true);
    expect(parseCommand(`${text}a`, specs).ok).toBe(false);
  });
});

describe('tokenize', () => {
  it('joins adjacent quoted and unquoted parts like a shell would', () => {
    expect(tokenize('a"b c"d \'\' e')).toEqual({ ok: true, tokens: ['ab cd', '', 'e'] });
  });
});
