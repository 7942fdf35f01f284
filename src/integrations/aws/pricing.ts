/**
 * Price List API port (GetProducts). Each PriceList item is a JSON document that the SDK hands back
 * as a boxed LazyJsonString, so it is read with `JSON.parse(String(item))`.
 */
import { paginateGetProducts, type Filter, type PricingClient } from '@aws-sdk/client-pricing';

interface PriceDimension {
  unit?: string;
  pricePerUnit?: { USD?: string };
}

interface Term {
  termAttributes?: { LeaseContractLength?: string; OfferingClass?: string; PurchaseOption?: string };
  priceDimensions?: Record<string, PriceDimension>;
}

interface PriceListItem {
  terms?: { OnDemand?: Record<string, Term>; Reserved?: Record<string, Term> };
  publicationDate?: string;
  version?: string;
}

function termMatch(fields: Record<string, string>): Filter[] {
  return Object.entries(fields).map(([Field, Value]) => ({ Type: 'TERM_MATCH', Field, Value }));
}

/** Every matching `AmazonEC2` product, page by page. */
async function* ec2Products(pricing: PricingClient, filters: Filter[]): AsyncGenerator<PriceListItem> {
  for await (const page of paginateGetProducts({ client: pricing }, { ServiceCode: 'AmazonEC2', Filters: filters, FormatVersion: 'aws_v1' })) {
    for (const item of (page.PriceList ?? []) as unknown[]) yield JSON.parse(String(item)) as PriceListItem;
  }
}

/** Appends to `into` the USD prices in `unit` of the terms `accept` keeps. */
function collectPrices(terms: Record<string, Term> | undefined, unit: string, into: number[], accept: (term: Term) => boolean = () => true): void {
  for (const term of Object.values(terms ?? {})) {
    if (!accept(term)) continue;
    for (const dimension of Object.values(term.priceDimensions ?? {})) {
      const usd = Number(dimension.pricePerUnit?.USD);
      if (dimension.unit === unit && Number.isFinite(usd)) into.push(usd);
    }
  }
}

/** Several matches (tiers, odd SKUs) resolve to the smallest non-zero price, as infracost does, so the answer is stable. */
function smallestNonZero(prices: number[]): number | undefined {
  const positive = prices.filter((p) => p > 0).sort((a, b) => a - b);
  return positive[0];
}

/** USD per GB-month of EBS storage for a volume type (`gp3`, `gp2`, `io2`, `st1`...) in a region; undefined when not listed. */
export async function ebsPricePerGbMonth(pricing: PricingClient, volumeType: string, regionCode: string): Promise<number | undefined> {
  const filters = termMatch({ productFamily: 'Storage', volumeApiName: volumeType, regionCode });
  const prices: number[] = [];
  for await (const product of ec2Products(pricing, filters)) collectPrices(product.terms?.OnDemand, 'GB-Mo', prices);
  return smallestNonZero(prices);
}

/** A shared-tenancy instance without pre-installed software or licence, in use (not a capacity reservation). */
function ec2InstanceFilters(instanceType: string, regionCode: string, operatingSystem: string) {
  return termMatch({
    instanceType,
    regionCode,
    operatingSystem,
    tenancy: 'Shared',
    preInstalledSw: 'NA',
    capacitystatus: 'Used',
    licenseModel: 'No License required',
  });
}

export interface InstancePrices {
  /** USD per hour, on-demand. */
  onDemandHourly: number;
  /** USD per hour, 1-year Standard No Upfront reserved; undefined when the Price List has no such term. */
  reserved1yHourly?: number;
  /** When the Price List published these prices (`publicationDate`), and its `version`. */
  publicationDate?: string;
  version?: string;
}

/**
 * On-demand and 1-year Standard No Upfront reserved hourly prices of a shared-tenancy instance without
 * pre-installed software, plus the Price List's publication date; undefined when the type is not listed.
 */
export async function ec2InstancePrices(
  pricing: PricingClient,
  instanceType: string,
  regionCode: string,
  operatingSystem = 'Linux',
): Promise<InstancePrices | undefined> {
  const filters = ec2InstanceFilters(instanceType, regionCode, operatingSystem);
  const onDemand: number[] = [];
  const reserved: number[] = [];
  let publicationDate: string | undefined;
  let version: string | undefined;
  for await (const product of ec2Products(pricing, filters)) {
    publicationDate ??= product.publicationDate;
    version ??= product.version;
    collectPrices(product.terms?.OnDemand, 'Hrs', onDemand);
    collectPrices(product.terms?.Reserved, 'Hrs', reserved, ({ termAttributes: a = {} }) => a.LeaseContractLength === '1yr' && a.OfferingClass === 'standard' && a.PurchaseOption === 'No Upfront');
  }
  const onDemandHourly = smallestNonZero(onDemand);
  if (onDemandHourly === undefined) return undefined;
  const reserved1yHourly = smallestNonZero(reserved);
  return {
    onDemandHourly,
    ...(reserved1yHourly !== undefined ? { reserved1yHourly } : {}),
    ...(publicationDate ? { publicationDate } : {}),
    ...(version ? { version } : {}),
  };
}
