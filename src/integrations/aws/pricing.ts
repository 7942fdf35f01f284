/**
 * Price List API port (GetProducts). Each PriceList item is a JSON document that the SDK hands back
 * as a boxed LazyJsonString, so it is read with `JSON.parse(String(item))`.
 */
import { paginateGetProducts, type Filter, type PricingClient } from '@aws-sdk/client-pricing';

interface PriceDimension {
  unit?: string;
  pricePerUnit?: { USD?: string };
}

interface PriceListItem {
  terms?: { OnDemand?: Record<string, { priceDimensions?: Record<string, PriceDimension> }> };
}

function termMatch(fields: Record<string, string>): Filter[] {
  return Object.entries(fields).map(([Field, Value]) => ({ Type: 'TERM_MATCH', Field, Value }));
}

/** On-demand USD prices of every matching product in `unit`. */
async function onDemandPrices(pricing: PricingClient, serviceCode: string, filters: Filter[], unit: string): Promise<number[]> {
  const prices: number[] = [];
  for await (const page of paginateGetProducts({ client: pricing }, { ServiceCode: serviceCode, Filters: filters, FormatVersion: 'aws_v1' })) {
    for (const item of (page.PriceList ?? []) as unknown[]) {
      const product = JSON.parse(String(item)) as PriceListItem;
      for (const term of Object.values(product.terms?.OnDemand ?? {})) {
        for (const dimension of Object.values(term.priceDimensions ?? {})) {
          const usd = Number(dimension.pricePerUnit?.USD);
          if (dimension.unit === unit && Number.isFinite(usd)) prices.push(usd);
        }
      }
    }
  }
  return prices;
}

/** Several matches (tiers, odd SKUs) resolve to the smallest non-zero price, as infracost does, so the answer is stable. */
function smallestNonZero(prices: number[]): number | undefined {
  const positive = prices.filter((p) => p > 0).sort((a, b) => a - b);
  return positive[0];
}

/** USD per GB-month of EBS storage for a volume type (`gp3`, `gp2`, `io2`, `st1`...) in a region; undefined when not listed. */
export async function ebsPricePerGbMonth(pricing: PricingClient, volumeType: string, regionCode: string): Promise<number | undefined> {
  const filters = termMatch({ productFamily: 'Storage', volumeApiName: volumeType, regionCode });
  return smallestNonZero(await onDemandPrices(pricing, 'AmazonEC2', filters, 'GB-Mo'));
}

/** USD per hour of an on-demand shared-tenancy instance without pre-installed software or licence; undefined when not listed. */
export async function ec2OnDemandHourlyPrice(
  pricing: PricingClient,
  instanceType: string,
  regionCode: string,
  operatingSystem = 'Linux',
): Promise<number | undefined> {
  const filters = termMatch({
    instanceType,
    regionCode,
    operatingSystem,
    tenancy: 'Shared',
    preInstalledSw: 'NA',
    capacitystatus: 'Used',
    licenseModel: 'No License required',
  });
  return smallestNonZero(await onDemandPrices(pricing, 'AmazonEC2', filters, 'Hrs'));
}
