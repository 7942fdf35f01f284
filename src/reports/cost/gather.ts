/** What a cost estimate reads: an Auto Scaling group as it runs, prices (through the Redis cache) and spot history. */
import { describeGroup } from '../../integrations/aws/auto-scaling.js';
import { describeTemplateMachine } from '../../integrations/aws/launch-templates.js';
import { productId, regionsListing, type PriceProductKey, type ProductPrice } from '../../integrations/aws/pricing.js';
import { spotPriceHistory } from '../../integrations/aws/spot-prices.js';
import type { Clients } from '../../integrations/clients.js';
import type { PriceCache } from '../../integrations/redis/price-cache.js';
import { UserFacingError } from '../../errors.js';
import { EBS_VOLUME_TYPES, type EbsVolumeType, type ItemSpec, type VolumeSpec } from './args.js';
import type { PriceLookup, SpotQuote } from './estimate.js';

export interface GroupSpec {
  items: ItemSpec[];
  availabilityZones: string[];
  launchTemplate: string;
}

/** Instances that are running or about to: what the group costs now. */
const COUNTED_STATES = /^(Pending|InService|Standby|EnteredStandby)/;

/** The group's instances by type (or desired capacity × the template's type when none run) with the template's EBS volumes. */
export async function readGroup(clients: Clients, name: string, region: string): Promise<GroupSpec> {
  const group = await describeGroup(clients.autoScaling, name);
  if (!group) throw new UserFacingError(`There is no Auto Scaling group \`${name}\` in \`${region}\`.`);
  if (!group.launchTemplate) throw new UserFacingError(`\`${name}\` launches from a launch configuration; deckhand prices groups that use a launch template.`);
  const template = await describeTemplateMachine(clients.ec2, group.launchTemplate.id, group.launchTemplate.version);
  if (!template) throw new UserFacingError(`The launch template ${group.launchTemplate.id} version ${group.launchTemplate.version} of \`${name}\` does not exist.`);
  const volumes = template.volumes.map((v): VolumeSpec => {
    if (!(EBS_VOLUME_TYPES as readonly string[]).includes(v.volumeType)) throw new UserFacingError(`The launch template gives ${v.deviceName} a volume type deckhand cannot price: \`${v.volumeType}\`.`);
    return { type: v.volumeType as EbsVolumeType, sizeGb: v.sizeGiB, ...(v.iops ? { iops: v.iops } : {}), ...(v.throughput ? { throughput: v.throughput } : {}) };
  });
  const counts = new Map<string, number>();
  for (const i of group.instances) {
    const type = i.instanceType ?? template.instanceType;
    if (type && COUNTED_STATES.test(i.lifecycleState)) counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  if (counts.size === 0 && template.instanceType && group.desiredCapacity > 0) counts.set(template.instanceType, group.desiredCapacity);
  if (counts.size === 0) throw new UserFacingError(`\`${name}\` runs no instances and wants none (desired capacity 0): there is nothing to price.`);
  return {
    items: [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([instanceType, count]) => ({ count, instanceType, volumes })),
    availabilityZones: group.availabilityZones ?? [],
    launchTemplate: `${group.launchTemplate.name ?? group.launchTemplate.id} version ${template.version}`,
  };
}

function productName(key: PriceProductKey): string {
  switch (key.kind) {
    case 'instance':
      return `on-demand Linux price for \`${key.instanceType}\``;
    case 'storage':
      return `storage price for EBS \`${key.volumeType}\``;
    case 'iops':
      return `provisioned IOPS price for EBS \`${key.volumeType}\``;
    case 'throughput':
      return `provisioned throughput price for EBS \`${key.volumeType}\``;
  }
}

/** Every product's price, or an error naming the first one the Price List does not price there and where it does. */
export async function priceAll(cache: PriceCache, pricing: Clients['pricing'], products: PriceProductKey[]): Promise<PriceLookup> {
  const prices = await cache.prices(products);
  const missing = products.find((p) => !prices.has(productId(p)));
  if (missing) {
    const elsewhere = await regionsListing(pricing, missing);
    const hint = elsewhere.length
      ? `It is listed in ${elsewhere.map((r) => `\`${r}\``).join(', ')}: try \`--region ${elsewhere[0]}\`.`
      : 'It is not listed in any region: check the spelling, e.g. `/deckhand cost m5.large --region us-east-1`.';
    throw new UserFacingError(`The AWS Price List has no ${productName(missing)} in \`${missing.region}\`. ${hint}`);
  }
  return (key: PriceProductKey): ProductPrice => prices.get(productId(key))!;
}

/** The window of spot history shown. */
export const SPOT_WINDOW_MS = 24 * 3600_000;

/** Per type and zone: the latest spot price of the last day, with its low and high. */
export async function spotQuotes(clients: Clients, instanceTypes: string[], zones: string[], now: number): Promise<SpotQuote[]> {
  const quotes: SpotQuote[] = [];
  for (const instanceType of [...new Set(instanceTypes)]) {
    const points = await spotPriceHistory(clients.ec2, instanceType, new Date(now - SPOT_WINDOW_MS), zones);
    const byZone = new Map<string, typeof points>();
    for (const p of points) byZone.set(p.availabilityZone, [...(byZone.get(p.availabilityZone) ?? []), p]);
    for (const [availabilityZone, zonePoints] of [...byZone].sort(([a], [b]) => a.localeCompare(b))) {
      const latest = zonePoints.reduce((a, b) => (b.timestamp > a.timestamp ? b : a));
      const prices = zonePoints.map((p) => p.usd);
      quotes.push({ instanceType, availabilityZone, latest: latest.usd, low: Math.min(...prices), high: Math.max(...prices), at: latest.timestamp.toISOString() });
    }
  }
  return quotes;
}
