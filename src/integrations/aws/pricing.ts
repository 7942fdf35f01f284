/**
 * Price List API port (GetProducts): one call per priced product (an instance type, or an EBS volume type's
 * storage, IOPS or throughput in a region). Each PriceList item is a JSON document that the SDK hands back
 * as a boxed LazyJsonString, so it is read with `JSON.parse(String(item))`.
 */
import { paginateGetProducts, type Filter, type PricingClient } from '@aws-sdk/client-pricing';

/** The month AWS bills by (8,760 h / 12): hourly prices × 730 = monthly. */
export const HOURS_PER_MONTH = 730;

/** One product the Price List prices: what `fetchProductPrice` looks up and the price cache keys by. */
export type PriceProductKey =
  | { kind: 'instance'; region: string; instanceType: string }
  | { kind: 'storage' | 'iops' | 'throughput'; region: string; volumeType: string };

export interface PriceTier {
  /** The quantity the tier starts at (Price List `beginRange`) and ends at (`endRange`; undefined = no end). */
  from: number;
  to?: number;
  usd: number;
}

export interface ProductPrice {
  /** The Price List's unit: `Hrs`, `GB-Mo`, `IOPS-Mo`, `GiBps-mo`. */
  unit: string;
  /** On-demand price by quantity tier, lowest first (one tier from 0 unless the product is tiered, as io2 IOPS are). */
  tiers: PriceTier[];
  /** Instances: Standard No Upfront reserved hourly rate by lease length, where the Price List has the term. */
  reserved?: { '1yr'?: number; '3yr'?: number };
  /** When the Price List published these prices (`publicationDate`), and its `version`. */
  publicationDate?: string;
  version?: string;
}

interface PriceDimension {
  unit?: string;
  beginRange?: string;
  endRange?: string;
  pricePerUnit?: { USD?: string };
}

interface Term {
  termAttributes?: { LeaseContractLength?: string; OfferingClass?: string; PurchaseOption?: string };
  priceDimensions?: Record<string, PriceDimension>;
}

interface PriceListItem {
  product?: { attributes?: { regionCode?: string; usagetype?: string } };
  terms?: { OnDemand?: Record<string, Term>; Reserved?: Record<string, Term> };
  publicationDate?: string;
  version?: string;
}

/** A stable name for the product, e.g. `instance/us-east-1/m5.large`, `iops/eu-west-1/io2`. */
export function productId(key: PriceProductKey): string {
  return `${key.kind}/${key.region}/${key.kind === 'instance' ? key.instanceType : key.volumeType}`;
}

const UNITS: Record<PriceProductKey['kind'], string> = { instance: 'Hrs', storage: 'GB-Mo', iops: 'IOPS-Mo', throughput: 'GiBps-mo' };

function termMatch(fields: Record<string, string>): Filter[] {
  return Object.entries(fields).map(([Field, Value]) => ({ Type: 'TERM_MATCH', Field, Value }));
}

/** Filters that leave one product (per tier) for the key; without `region`, the same product in every region. */
function filtersFor(key: PriceProductKey, withRegion = true): Filter[] {
  const region: Record<string, string> = withRegion ? { regionCode: key.region } : {};
  switch (key.kind) {
    case 'instance':
      // A shared-tenancy Linux instance without pre-installed software or licence, in use (not a capacity reservation or block).
      return termMatch({
        instanceType: key.instanceType,
        ...region,
        operatingSystem: 'Linux',
        tenancy: 'Shared',
        preInstalledSw: 'NA',
        capacitystatus: 'Used',
        licenseModel: 'No License required',
        marketoption: 'OnDemand',
      });
    case 'storage':
      return termMatch({ productFamily: 'Storage', volumeApiName: key.volumeType, ...region });
    case 'iops':
      return [...termMatch({ productFamily: 'System Operation', volumeApiName: key.volumeType, ...region }), { Type: 'CONTAINS', Field: 'usagetype', Value: 'VolumeP-IOPS' }];
    case 'throughput':
      return termMatch({ productFamily: 'Provisioned Throughput', volumeApiName: key.volumeType, ...region });
  }
}

async function* products(pricing: PricingClient, filters: Filter[]): AsyncGenerator<PriceListItem> {
  for await (const page of paginateGetProducts({ client: pricing }, { ServiceCode: 'AmazonEC2', Filters: filters, FormatVersion: 'aws_v1' })) {
    for (const raw of (page.PriceList ?? []) as unknown[]) yield JSON.parse(String(raw)) as PriceListItem;
  }
}

/**
 * io2 IOPS are one product per tier (`usagetype` `…VolumeP-IOPS.io2`, `.io2.tier2`, `.io2.tier3`), each priced
 * from 0: the tier's IOPS range is AWS's (up to 32,000; 32,001–64,000; above 64,000).
 */
const IO2_TIER_STARTS = [0, 32_000, 64_000];
function usageTier(item: PriceListItem): Pick<PriceTier, 'from' | 'to'> | undefined {
  const match = /VolumeP-IOPS\.io2(?:\.tier(\d))?$/.exec(item.product?.attributes?.usagetype ?? '');
  if (!match) return undefined;
  const n = Number(match[1] ?? 1);
  const to = IO2_TIER_STARTS[n];
  return { from: IO2_TIER_STARTS[n - 1] ?? 0, ...(to === undefined ? {} : { to }) };
}

const rangeNumber = (text: string | undefined) => (text === undefined || text === 'Inf' ? undefined : Number(text));

/** Every positive USD price in `unit` of the terms `accept` keeps, with its range. */
function dimensions(terms: Record<string, Term> | undefined, unit: string, accept: (term: Term) => boolean = () => true): PriceTier[] {
  const found: PriceTier[] = [];
  for (const term of Object.values(terms ?? {})) {
    if (!accept(term)) continue;
    for (const d of Object.values(term.priceDimensions ?? {})) {
      const usd = Number(d.pricePerUnit?.USD);
      const to = rangeNumber(d.endRange);
      if (d.unit === unit && Number.isFinite(usd) && usd > 0) found.push({ from: rangeNumber(d.beginRange) ?? 0, ...(to === undefined ? {} : { to }), usd });
    }
  }
  return found;
}

/** Several matches for one tier (odd SKUs) resolve to the smallest price, as infracost does, so the answer is stable. */
function tiersOf(found: PriceTier[]): PriceTier[] {
  const byStart = new Map<number, PriceTier>();
  for (const tier of found) if ((byStart.get(tier.from)?.usd ?? Infinity) > tier.usd) byStart.set(tier.from, tier);
  return [...byStart.values()].sort((a, b) => a.from - b.from);
}

const smallest = (found: PriceTier[]) => (found.length ? Math.min(...found.map((t) => t.usd)) : undefined);

const standardNoUpfront = (length: string) => (term: Term) =>
  term.termAttributes?.LeaseContractLength === length && term.termAttributes.OfferingClass === 'standard' && term.termAttributes.PurchaseOption === 'No Upfront';

/** The product's prices in its region; undefined when the Price List has no on-demand price for it there. */
export async function fetchProductPrice(pricing: PricingClient, key: PriceProductKey): Promise<ProductPrice | undefined> {
  const unit = UNITS[key.kind];
  const onDemand: PriceTier[] = [];
  const reserved1yr: PriceTier[] = [];
  const reserved3yr: PriceTier[] = [];
  let publicationDate: string | undefined;
  let version: string | undefined;
  for await (const item of products(pricing, filtersFor(key))) {
    publicationDate ??= item.publicationDate;
    version ??= item.version;
    const tier = usageTier(item);
    onDemand.push(...dimensions(item.terms?.OnDemand, unit).map((d) => (tier ? { ...tier, usd: d.usd } : d)));
    if (key.kind !== 'instance') continue;
    reserved1yr.push(...dimensions(item.terms?.Reserved, unit, standardNoUpfront('1yr')));
    reserved3yr.push(...dimensions(item.terms?.Reserved, unit, standardNoUpfront('3yr')));
  }
  if (onDemand.length === 0) return undefined;
  const r1 = smallest(reserved1yr);
  const r3 = smallest(reserved3yr);
  return {
    unit,
    tiers: tiersOf(onDemand),
    ...(r1 === undefined && r3 === undefined ? {} : { reserved: { ...(r1 === undefined ? {} : { '1yr': r1 }), ...(r3 === undefined ? {} : { '3yr': r3 }) } }),
    ...(publicationDate ? { publicationDate } : {}),
    ...(version ? { version } : {}),
  };
}

/** The regions where the Price List prices the product (for the hint when it has no price in the asked region). */
export async function regionsListing(pricing: PricingClient, key: PriceProductKey): Promise<string[]> {
  const regions = new Set<string>();
  for await (const item of products(pricing, filtersFor(key, false))) {
    const regionCode = item.product?.attributes?.regionCode;
    if (regionCode) regions.add(regionCode);
  }
  return [...regions].sort();
}
