/**
 * `/deckhand cost <items> | --asg <group>` with `--region`, `--compare`, `--spot`, `--hours`: typed, validated
 * arguments. An item is `[Nx] <instance-type> [<volume>...]`, a volume `<type>:<GB>[:iops=N][:throughput=MiBps]`
 * attached to each instance of the item before it: `3x m6i.large gp3:500:iops=6000:throughput=250 2x c5.large`.
 */
import { z } from 'zod';
import { echo } from '../../blocks/format.js';
import { UsageError } from '../../errors.js';
import { HOURS_PER_MONTH } from '../../integrations/aws/pricing.js';
import type { CommandSpec, RawCommand } from '../../jobs/kind.js';

export const EBS_VOLUME_TYPES = ['gp2', 'gp3', 'io1', 'io2', 'st1', 'sc1', 'standard'] as const;
export type EbsVolumeType = (typeof EBS_VOLUME_TYPES)[number];

export interface VolumeSpec {
  type: EbsVolumeType;
  sizeGb: number;
  /** Provisioned IOPS (gp3: the total, 3,000 of which are included; io1/io2: required). */
  iops?: number;
  /** gp3 throughput in MiB/s (125 included). */
  throughput?: number;
}

export interface ItemSpec {
  count: number;
  instanceType: string;
  /** Volumes attached to EACH instance. */
  volumes: VolumeSpec[];
}

export interface CostArgs {
  /** Empty with `asg`: the group's instances are read at run time. */
  items: ItemSpec[];
  asg?: string;
  /** Undefined: `commands.cost.settings.region`, else the region deckhand runs in. */
  region?: string;
  /** Another instance type priced side by side in place of every item's type. */
  compare?: string;
  /** Show recent spot prices (always with `--asg`). */
  spot: boolean;
  hours: number;
}

export { HOURS_PER_MONTH };
const MAX_COUNT = 10_000;
const MAX_ITEMS = 20;
const MAX_VOLUME_GB = 65_536;
const MAX_HOURS = 8_784;
/** Included with every gp3 volume (AWS EBS pricing): only what is provisioned above is billed. */
export const GP3_BASELINE = { iops: 3_000, throughput: 125 };
const MAX_IOPS = 256_000;
const MAX_THROUGHPUT = 4_000;

export const costSettingsSchema = z
  .object({ region: z.string().regex(/^[a-z]{2}(?:-[a-z]+)+-\d$/, 'a region code such as eu-west-1').optional() })
  .strict();
export type CostSettings = z.infer<typeof costSettingsSchema>;

const EXAMPLE = '/deckhand cost 3x m6i.large gp3:500:iops=6000:throughput=250';

export const COST_COMMAND: CommandSpec = {
  subcommand: 'cost',
  summary: 'Monthly cost of instances and EBS volumes, component by component, from the AWS Price List',
  usage: '/deckhand cost [Nx] <instance-type> [<type>:<GB>[:iops=N][:throughput=MiBps]]... | --asg <group> [--region <region>] [--compare <instance-type>] [--spot] [--hours 730]',
  example: EXAMPLE,
  flags: [
    { name: 'asg', type: 'string', description: 'price an Auto Scaling group as it runs now (types, count, volumes)' },
    { name: 'region', type: 'string', description: 'region code such as eu-west-1 (default: the configured region)' },
    { name: 'compare', type: 'string', description: 'another instance type priced side by side' },
    { name: 'spot', type: 'bool', description: 'recent spot prices for the types (always with --asg)' },
    { name: 'count', type: 'string', description: 'number of instances of the one item (same as `Nx`)' },
    { name: 'ebs', type: 'string', repeatable: true, description: 'an EBS volume per instance of the one item, e.g. gp3:100' },
    { name: 'hours', type: 'string', description: `hours a month each instance runs (default ${HOURS_PER_MONTH})` },
  ],
};

const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;
const ASG_NAME = /^[\w.:/@+=-]{1,255}$/;

function wholeNumber(what: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new UsageError(`${what} must be a whole number from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}, not \`${echo(text)}\``);
  return n;
}

function instanceType(text: string): string {
  const type = text.toLowerCase();
  if (!INSTANCE_TYPE.test(type)) throw new UsageError(`\`${echo(text)}\` is not an EC2 instance type (family.size, e.g. \`m5.large\`)`, EXAMPLE);
  return type;
}

export function parseVolume(spec: string): VolumeSpec {
  const [head = '', size = '', ...options] = spec.split(':');
  const type = head.toLowerCase();
  if (!(EBS_VOLUME_TYPES as readonly string[]).includes(type) || !/^\d+$/.test(size)) {
    throw new UsageError(`\`${echo(spec)}\` is not \`<type>:<GB>[:iops=N][:throughput=MiBps]\` with a type among ${EBS_VOLUME_TYPES.join(', ')}`, EXAMPLE);
  }
  const volume: VolumeSpec = { type: type as EbsVolumeType, sizeGb: wholeNumber(`the size of \`${echo(spec)}\``, size, 1, MAX_VOLUME_GB) };
  for (const option of options) {
    const [name, value = ''] = option.split('=');
    if (name === 'iops' && ['gp3', 'io1', 'io2'].includes(type)) volume.iops = wholeNumber(`\`iops\` of ${type}`, value, type === 'gp3' ? GP3_BASELINE.iops : 100, MAX_IOPS);
    else if (name === 'throughput' && type === 'gp3') volume.throughput = wholeNumber('`throughput` of gp3 (MiB/s)', value, GP3_BASELINE.throughput, MAX_THROUGHPUT);
    else throw new UsageError(`\`${echo(option)}\` is not an option of ${type} volumes (gp3 takes iops= and throughput=, io1 and io2 take iops=)`, EXAMPLE);
  }
  if ((type === 'io1' || type === 'io2') && volume.iops === undefined) throw new UsageError(`an ${type} volume needs its provisioned IOPS, e.g. \`${type}:100:iops=5000\``);
  return volume;
}

/** `3x m6i.large gp3:500 2x c5.large` → items; a count token applies to the instance type after it. */
function parseItems(tokens: string[]): ItemSpec[] {
  const items: ItemSpec[] = [];
  let count: number | undefined;
  for (const token of tokens) {
    const counted = /^(\d+)x$/i.exec(token);
    if (counted) {
      if (count !== undefined) throw new UsageError(`\`${echo(token)}\` follows another count: write \`3x m5.large\``, EXAMPLE);
      count = wholeNumber('a count', counted[1]!, 1, MAX_COUNT);
    } else if (token.includes(':')) {
      const item = items.at(-1);
      if (!item || count !== undefined) throw new UsageError(`the volume \`${echo(token)}\` must follow the instance type it is attached to`, EXAMPLE);
      item.volumes.push(parseVolume(token));
    } else {
      items.push({ count: count ?? 1, instanceType: instanceType(token), volumes: [] });
      count = undefined;
    }
  }
  if (count !== undefined) throw new UsageError('a count must be followed by an instance type, e.g. `3x m5.large`', EXAMPLE);
  if (items.length > MAX_ITEMS) throw new UsageError(`at most ${MAX_ITEMS} items in one estimate, not ${items.length}`);
  return items;
}

const flagText = (value: string | boolean | string[] | undefined) => (value === undefined ? undefined : String(value));

export function parseCostArgs(raw: RawCommand): CostArgs {
  const asg = flagText(raw.flags.asg);
  const items = parseItems(raw.positionals);
  if (asg !== undefined) {
    if (!ASG_NAME.test(asg)) throw new UsageError(`\`${echo(asg)}\` is not an Auto Scaling group name`);
    if (items.length > 0 || raw.flags.count !== undefined || raw.flags.ebs !== undefined) throw new UsageError('`--asg` prices the group as it runs: give no instance types, `--count` or `--ebs` with it', '/deckhand cost --asg eks-prod-workers');
  } else if (items.length === 0) {
    throw new UsageError('`cost` needs an instance type such as `m5.large`, or `--asg <group>`', EXAMPLE);
  }
  // `--count` and `--ebs` are the one-item spelling of `Nx` and volume tokens.
  const count = flagText(raw.flags.count);
  const ebs = raw.flags.ebs === undefined ? [] : Array.isArray(raw.flags.ebs) ? raw.flags.ebs : [String(raw.flags.ebs)];
  if ((count !== undefined || ebs.length > 0) && items.length !== 1) throw new UsageError('`--count` and `--ebs` apply to one instance type; with several, write `2x m5.large gp3:100 3x c5.large`', EXAMPLE);
  if (count !== undefined) items[0]!.count = wholeNumber('`--count`', count, 1, MAX_COUNT);
  items[0]?.volumes.push(...ebs.map(parseVolume));
  const region = flagText(raw.flags.region)?.toLowerCase();
  if (region !== undefined && !REGION.test(region)) throw new UsageError(`\`${echo(region)}\` is not an AWS region code (e.g. \`eu-west-1\`)`);
  const compare = flagText(raw.flags.compare);
  const hours = flagText(raw.flags.hours);
  return {
    items,
    ...(asg === undefined ? {} : { asg }),
    ...(region === undefined ? {} : { region }),
    ...(compare === undefined ? {} : { compare: instanceType(compare) }),
    spot: raw.flags.spot === true || asg !== undefined,
    hours: hours === undefined ? HOURS_PER_MONTH : wholeNumber('`--hours`', hours, 1, MAX_HOURS),
  };
}
