/** `/deckhand ptr-cleanup [--zone <id|name>]... [--dry-run]` and `/deckhand ptr-cleanup restore <job-id>`. */
import { UsageError } from '../../errors.js';
import type { CommandSpec, RawCommand } from '../kind.js';
import type { PtrArgs } from './model.js';

export const ptrCleanupCommand: CommandSpec = {
  subcommand: 'ptr-cleanup',
  summary: 'Delete stale Route 53 PTR records (IPs no network interface holds), saving each first; `restore <job-id>` puts them back',
  usage: '/deckhand ptr-cleanup [--zone <id|name>]... [--dry-run]   |   /deckhand ptr-cleanup restore <job-id> [--dry-run]',
  example: '/deckhand ptr-cleanup --zone 10.in-addr.arpa --dry-run',
  flags: [
    { name: 'zone', type: 'string', repeatable: true, description: 'Only this reverse zone (id or name); repeat for several. Default: every reverse zone' },
    { name: 'dry-run', type: 'bool', description: 'Only show the plan' },
  ],
};

const ZONE = /^(\/?hostedzone\/)?[A-Za-z0-9._-]{1,255}$/;
const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/;

function zonesOf(raw: RawCommand): string[] {
  const value = raw.flags.zone;
  if (value === undefined) return [];
  if (typeof value === 'boolean') throw new UsageError('--zone needs a zone id or name.', ptrCleanupCommand.example);
  const zones = Array.isArray(value) ? value : [value];
  const bad = zones.find((zone) => !ZONE.test(zone));
  if (bad !== undefined) throw new UsageError(`"${bad.slice(0, 60)}" is not a hosted zone id (Z…) or name (10.in-addr.arpa).`, ptrCleanupCommand.example);
  return [...new Set(zones)];
}

export function parsePtrArgs(raw: RawCommand): PtrArgs {
  const dryRun = raw.flags['dry-run'] === true;
  const [first, second, ...extra] = raw.positionals;
  if (first === undefined) return { mode: 'cleanup', zones: zonesOf(raw), dryRun };
  if (first !== 'restore') throw new UsageError(`Unexpected "${first.slice(0, 60)}": ${ptrCleanupCommand.usage}`, ptrCleanupCommand.example);
  if (second === undefined || extra.length > 0 || !JOB_ID.test(second)) {
    throw new UsageError('`restore` takes one job id, the one the cleanup reported (see `/deckhand jobs`).', '/deckhand ptr-cleanup restore p-m3x9k2a7b1');
  }
  if (raw.flags.zone !== undefined) throw new UsageError('`restore` puts back every record the job deleted: --zone does not apply.', '/deckhand ptr-cleanup restore p-m3x9k2a7b1');
  return { mode: 'restore', jobId: second, dryRun };
}
