/** `/deckhand cost <instance-type> [--count N] [--region r] [--ebs gp3:100]... [--hours 730]`: typed, validated arguments. */
import { echo } from '../../blocks/format.js';
import { UsageError } from '../../errors.js';
import type { CommandSpec, RawCommand } from '../../jobs/kind.js';

export const EBS_VOLUME_TYPES = ['gp2', 'gp3', 'io1', 'io2', 'st1', 'sc1', 'standard'] as const;
export type EbsVolumeType = (typeof EBS_VOLUME_TYPES)[number];

export interface CostArgs {
  instanceType: string;
  count: number;
  region: string;
  /** Volumes attached to EACH instance. */
  volumes: { type: EbsVolumeType; sizeGb: number }[];
  hours: number;
}

export const HOURS_PER_MONTH = 730;
export const DEFAULT_REGION = 'us-east-1';
const MAX_COUNT = 10_000;
const MAX_VOLUME_GB = 65_536;
const MAX_HOURS = 8_784;

export const COST_COMMAND: CommandSpec = {
  subcommand: 'cost',
  summary: 'Monthly cost of N instances (on-demand and 1-yr reserved) plus EBS, from the AWS Price List',
  usage: '/deckhand cost <instance-type> [--count N] [--region <region>] [--ebs <type>:<GB>]... [--hours 730]',
  example: '/deckhand cost m5.large --count 3 --ebs gp3:100',
  flags: [
    { name: 'count', type: 'string', description: 'number of instances (default 1)' },
    { name: 'region', type: 'string', description: `region code such as eu-west-1 (default ${DEFAULT_REGION})` },
    { name: 'ebs', type: 'string', repeatable: true, description: 'an EBS volume per instance, type:GB (e.g. gp3:100)' },
    { name: 'hours', type: 'string', description: `hours a month each instance runs (default ${HOURS_PER_MONTH})` },
  ],
};

const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;

function wholeNumber(flag: string, value: string | boolean | string[] | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const text = String(value);
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > max) throw new UsageError(`\`--${flag}\` must be a whole number from 1 to ${max.toLocaleString('en-US')}, not \`${echo(text)}\``);
  return n;
}

function volume(spec: string): CostArgs['volumes'][number] {
  const match = /^([a-z0-9]+):(\d+)$/i.exec(spec);
  const type = match?.[1]?.toLowerCase();
  if (!match || !(EBS_VOLUME_TYPES as readonly string[]).includes(type!)) {
    throw new UsageError(`\`--ebs ${echo(spec)}\` is not \`<type>:<GB>\` with a type among ${EBS_VOLUME_TYPES.join(', ')}`, '/deckhand cost m5.large --ebs gp3:100');
  }
  const sizeGb = Number(match[2]);
  if (sizeGb < 1 || sizeGb > MAX_VOLUME_GB) throw new UsageError(`an EBS volume is 1 to ${MAX_VOLUME_GB} GB, not ${sizeGb}`);
  return { type: type as EbsVolumeType, sizeGb };
}

export function parseCostArgs(raw: RawCommand): CostArgs {
  const [first, ...extra] = raw.positionals;
  if (first === undefined) throw new UsageError('`cost` needs an instance type such as `m5.large`');
  if (extra.length > 0) throw new UsageError(`\`cost\` takes one instance type; unexpected \`${echo(extra.join(' '))}\``);
  const instanceType = first.toLowerCase();
  if (!INSTANCE_TYPE.test(instanceType)) throw new UsageError(`\`${echo(first)}\` is not an EC2 instance type (family.size, e.g. \`m5.large\`)`);
  const region = raw.flags.region === undefined ? DEFAULT_REGION : String(raw.flags.region).toLowerCase();
  if (!REGION.test(region)) throw new UsageError(`\`${echo(region)}\` is not an AWS region code (e.g. \`eu-west-1\`)`);
  const ebs = raw.flags.ebs;
  return {
    instanceType,
    count: wholeNumber('count', raw.flags.count, 1, MAX_COUNT),
    region,
    volumes: (Array.isArray(ebs) ? ebs : ebs === undefined ? [] : [String(ebs)]).map(volume),
    hours: wholeNumber('hours', raw.flags.hours, HOURS_PER_MONTH, MAX_HOURS),
  };
}
