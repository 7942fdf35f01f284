import { UsageError } from '../../errors.js';
import { parseDuration } from '../../time.js';
import type { CommandSpec, RawCommand } from '../kind.js';
import type { RolloutArgs } from './types.js';

export const rolloutCommand: CommandSpec = {
  subcommand: 'rollout',
  summary: 'Replace the outdated worker nodes of an EKS Auto Scaling group, keeping every workload available',
  usage:
    '/deckhand rollout <auto-scaling-group> [--to <launch-template-version|ami-id>] [--surge N] [--max-unavailable N] [--canary] [--drain-timeout 15m] [--cluster <name>] [--dry-run]',
  example: '/deckhand rollout eks-prod-workers --to 2 --canary',
  flags: [
    { name: 'to', type: 'string', description: 'numbered launch template version or AMI id (default: the group’s configured version)' },
    { name: 'surge', type: 'string', description: 'extra nodes launched per wave' },
    { name: 'max-unavailable', type: 'string', description: 'nodes of capacity the group may lack while replacements are not Ready' },
    { name: 'canary', type: 'bool', description: 'first wave is one node, then a pause for a Continue click' },
    { name: 'drain-timeout', type: 'string', description: 'how long a node may take to drain before asking (e.g. 15m)' },
    { name: 'cluster', type: 'string', description: 'cluster name when the config knows several' },
    { name: 'dry-run', type: 'bool', description: 'plan only' },
  ],
};

const GROUP_NAME = /^[\w.:/@+=-]{1,255}$/;
const VERSION = /^[1-9]\d*$/;
const AMI = /^ami-[0-9a-z]{8,20}$/;

function single(raw: RawCommand, name: string): string | undefined {
  const value = raw.flags[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new UsageError(`--${name} needs one value`);
  return value;
}

function count(raw: RawCommand, name: string, min: number): number | undefined {
  const value = single(raw, name);
  if (value === undefined) return undefined;
  // Up to 6 digits keeps the number exact; the policy's limits bound it further in the plan.
  if (!/^\d{1,6}$/.test(value) || Number(value) < min) throw new UsageError(`--${name} must be a whole number ≥ ${min}, got '${value.slice(0, 20)}'`);
  return Number(value);
}

export function parseRolloutArgs(raw: RawCommand): RolloutArgs {
  if (raw.positionals.length !== 1) throw new UsageError('name exactly one Auto Scaling group');
  const group = raw.positionals[0]!;
  if (!GROUP_NAME.test(group)) throw new UsageError(`'${group}' is not an Auto Scaling group name`);
  const to = single(raw, 'to');
  if (to !== undefined && !VERSION.test(to) && !AMI.test(to)) {
    throw new UsageError(`--to takes a numbered launch template version (not $Latest or $Default) or an AMI id, got '${to}'`);
  }
  const drain = single(raw, 'drain-timeout');
  const drainTimeoutMs = drain === undefined ? undefined : parseDuration(drain);
  if (drain !== undefined && drainTimeoutMs === undefined) throw new UsageError(`--drain-timeout takes a duration like 15m, got '${drain}'`);
  return {
    group,
    to,
    surge: count(raw, 'surge', 1),
    maxUnavailable: count(raw, 'max-unavailable', 0),
    canary: raw.flags.canary === true,
    drainTimeoutMs,
    dryRun: raw.flags['dry-run'] === true,
    cluster: single(raw, 'cluster'),
  };
}
