/**
 * Pure cost arithmetic, component by component as infracost does: each line has a quantity, a unit, a unit price
 * and a monthly cost (730 h a month). Prices in, lines and totals out; no I/O, no rounding until display.
 */
import { productId, type PriceProductKey, type PriceTier, type ProductPrice } from '../../integrations/aws/pricing.js';
import { GP3_BASELINE, HOURS_PER_MONTH, type ItemSpec, type VolumeSpec } from './args.js';

export const RESERVED_TERMS = ['1yr', '3yr'] as const;
export type ReservedTerm = (typeof RESERVED_TERMS)[number];

export interface CostLine {
  name: string;
  quantity: number;
  unit: string;
  unitPrice: number;
  monthly: number;
}

export interface ItemEstimate {
  spec: ItemSpec;
  lines: CostLine[];
  /** On-demand, all lines. */
  monthly: number;
  /** The item's monthly cost with its instance hours at each reserved rate (storage unchanged); absent terms are not listed. */
  reserved: Partial<Record<ReservedTerm, number>>;
}

export interface CostEstimate {
  region: string;
  hours: number;
  items: ItemEstimate[];
  total: number;
  /** Totals with every item's instances reserved; a term is absent when any item's type lacks it. */
  reservedTotals: Partial<Record<ReservedTerm, number>>;
  priceDate?: string;
  priceVersion?: string;
}

/** The products an estimate needs priced, without repeats. */
export function productsFor(items: ItemSpec[], region: string): PriceProductKey[] {
  const keys: PriceProductKey[] = [];
  for (const item of items) {
    keys.push({ kind: 'instance', region, instanceType: item.instanceType });
    for (const v of item.volumes) {
      keys.push({ kind: 'storage', region, volumeType: v.type });
      if (billedIops(v) > 0) keys.push({ kind: 'iops', region, volumeType: v.type });
      if (billedThroughput(v) > 0) keys.push({ kind: 'throughput', region, volumeType: v.type });
    }
  }
  return [...new Map(keys.map((k) => [productId(k), k])).values()];
}

/** gp3 bills IOPS and throughput only above what every volume includes; io1/io2 bill every provisioned IOPS. */
const billedIops = (v: VolumeSpec) => (v.type === 'gp3' ? Math.max(0, (v.iops ?? GP3_BASELINE.iops) - GP3_BASELINE.iops) : (v.iops ?? 0));
const billedThroughput = (v: VolumeSpec) => (v.type === 'gp3' ? Math.max(0, (v.throughput ?? GP3_BASELINE.throughput) - GP3_BASELINE.throughput) : 0);

export type PriceLookup = (key: PriceProductKey) => ProductPrice;

const line = (name: string, quantity: number, unit: string, unitPrice: number): CostLine => ({ name, quantity, unit, unitPrice, monthly: quantity * unitPrice });
const n = (x: number) => x.toLocaleString('en-US');

/** The part of `quantity` inside the tier. */
const inTier = (quantity: number, tier: PriceTier) => Math.max(0, Math.min(quantity, tier.to ?? Infinity) - tier.from);

function tierName(base: string, tier: PriceTier, tiers: PriceTier[]): string {
  if (tiers.length === 1) return base;
  return `${base}, ${tier.to === undefined ? `above ${n(tier.from)}` : `${n(tier.from === 0 ? 0 : tier.from + 1)}–${n(tier.to)}`}`;
}

function volumeLines(v: VolumeSpec, count: number, months: number, region: string, price: PriceLookup): CostLine[] {
  const storage = price({ kind: 'storage', region, volumeType: v.type }).tiers[0]!.usd;
  const lines = [line(`Storage (${v.type}, ${n(v.sizeGb)} GB)`, v.sizeGb * count * months, 'GB-months', storage)];
  const iops = billedIops(v);
  if (iops > 0) {
    const tiers = price({ kind: 'iops', region, volumeType: v.type }).tiers;
    const base = `Provisioned IOPS (${v.type}${v.type === 'gp3' ? `, above ${n(GP3_BASELINE.iops)}` : ''})`;
    for (const tier of tiers) {
      const quantity = inTier(iops, tier);
      if (quantity > 0) lines.push(line(tierName(base, tier, tiers), quantity * count * months, 'IOPS-months', tier.usd));
    }
  }
  const throughput = billedThroughput(v);
  if (throughput > 0) {
    // The Price List states throughput per GiBps-month; per MiB/s-month reads better at these sizes.
    const perGiBps = price({ kind: 'throughput', region, volumeType: v.type }).tiers[0]!.usd;
    lines.push(line(`Provisioned throughput (${v.type}, above ${GP3_BASELINE.throughput} MiB/s)`, throughput * count * months, 'MiB/s-months', perGiBps / 1024));
  }
  return lines;
}

function estimateItem(spec: ItemSpec, region: string, hours: number, price: PriceLookup): ItemEstimate {
  const instance = price({ kind: 'instance', region, instanceType: spec.instanceType });
  const instanceHours = spec.count * hours;
  // EBS is billed per GB-month, prorated by the time the volume exists (with its instance).
  const months = hours / HOURS_PER_MONTH;
  const lines = [
    line(`Instance usage (Linux/UNIX, on-demand, ${spec.instanceType})`, instanceHours, 'hours', instance.tiers[0]!.usd),
    ...spec.volumes.flatMap((v) => volumeLines(v, spec.count, months, region, price)),
  ];
  const monthly = sum(lines.map((l) => l.monthly));
  const storageMonthly = monthly - lines[0]!.monthly;
  const reserved: ItemEstimate['reserved'] = {};
  for (const term of RESERVED_TERMS) {
    const rate = instance.reserved?.[term];
    if (rate !== undefined) reserved[term] = rate * instanceHours + storageMonthly;
  }
  return { spec, lines, monthly, reserved };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

export function estimateCost(items: ItemSpec[], region: string, hours: number, price: PriceLookup): CostEstimate {
  const estimated = items.map((item) => estimateItem(item, region, hours, price));
  const reservedTotals: CostEstimate['reservedTotals'] = {};
  for (const term of RESERVED_TERMS) {
    if (estimated.every((e) => e.reserved[term] !== undefined)) reservedTotals[term] = sum(estimated.map((e) => e.reserved[term]!));
  }
  const first = price({ kind: 'instance', region, instanceType: items[0]!.instanceType });
  return {
    region,
    hours,
    items: estimated,
    total: sum(estimated.map((e) => e.monthly)),
    reservedTotals,
    ...(first.publicationDate ? { priceDate: first.publicationDate.slice(0, 10) } : {}),
    ...(first.version ? { priceVersion: first.version } : {}),
  };
}

/** The same items with every instance type replaced by `instanceType` (`--compare`). */
export function withInstanceType(items: ItemSpec[], instanceType: string): ItemSpec[] {
  return items.map((item) => ({ ...item, instanceType }));
}

export interface SpotQuote {
  instanceType: string;
  availabilityZone: string;
  /** The latest price in the window, and the lowest and highest seen. */
  latest: number;
  low: number;
  high: number;
  at: string;
}

/** What `count` instances would cost a month at the quote's latest price. */
export function spotMonthly(quote: SpotQuote, count: number, hours: number): number {
  return quote.latest * count * hours;
}
