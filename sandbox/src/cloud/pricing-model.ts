/**
 * The Price List catalogue: products and terms built from the bundled price-catalogue.json in the shape of
 * AWS Price List documents (product.attributes, terms.OnDemand/Reserved, priceDimensions.pricePerUnit.USD).
 */
import { createHash } from 'node:crypto';
import catalogue from './price-catalogue.json' with { type: 'json' };

export const PRICE_DATE = catalogue.priceDate;

export interface PriceProduct {
  sku: string;
  productFamily: string;
  attributes: Record<string, string>;
  /** The JSON document GetProducts returns as one PriceList item. */
  document: string;
}

/** Offer term and rate codes AWS uses for on-demand and Standard No Upfront reserved terms. */
const ON_DEMAND_TERM = 'JRTCKXETXF';
const RESERVED_STANDARD_NO_UPFRONT: Record<string, string> = { '1yr': '4NA7Y494T4', '3yr': 'BPH4J8HBKS' };
const RATE_CODE = '6YS6EN2CT7';

const EBS_VOLUME_NAMES: Record<string, { volumeType: string; storageMedia: string; maxVolumeSize: string }> = {
  gp2: { volumeType: 'General Purpose', storageMedia: 'SSD-backed', maxVolumeSize: '16 TiB' },
  gp3: { volumeType: 'General Purpose', storageMedia: 'SSD-backed', maxVolumeSize: '64 TiB' },
  io1: { volumeType: 'Provisioned IOPS', storageMedia: 'SSD-backed', maxVolumeSize: '16 TiB' },
  io2: { volumeType: 'Provisioned IOPS', storageMedia: 'SSD-backed', maxVolumeSize: '64 TiB' },
  st1: { volumeType: 'Throughput Optimized HDD', storageMedia: 'HDD-backed', maxVolumeSize: '16 TiB' },
  sc1: { volumeType: 'Cold HDD', storageMedia: 'HDD-backed', maxVolumeSize: '16 TiB' },
};

function skuOf(attributes: Record<string, string>): string {
  return createHash('sha256').update(JSON.stringify(attributes)).digest('hex').slice(0, 16).toUpperCase();
}

/** Prices carry ten decimals in the Price List. */
const usd = (price: string) => Number(price).toFixed(10);

function term(sku: string, offerTermCode: string, unit: string, price: string, description: string, termAttributes: Record<string, string>) {
  const id = `${sku}.${offerTermCode}`;
  return {
    [id]: {
      priceDimensions: {
        [`${id}.${RATE_CODE}`]: { unit, endRange: 'Inf', description, appliesTo: [], rateCode: `${id}.${RATE_CODE}`, beginRange: '0', pricePerUnit: { USD: usd(price) } },
      },
      sku,
      effectiveDate: `${PRICE_DATE}T00:00:00Z`,
      offerTermCode,
      termAttributes,
    },
  };
}

function product(productFamily: string, attributes: Record<string, string>, terms: (sku: string) => { OnDemand: object; Reserved?: object }): PriceProduct {
  const sku = skuOf(attributes);
  const document = JSON.stringify({
    product: { productFamily, attributes, sku },
    serviceCode: 'AmazonEC2',
    terms: terms(sku),
    version: `${PRICE_DATE.replaceAll('-', '')}000000`,
    publicationDate: `${PRICE_DATE}T00:00:00Z`,
  });
  return { sku, productFamily, attributes, document };
}

export function buildCatalogue(): PriceProduct[] {
  const products: PriceProduct[] = [];
  const regions = catalogue.regions as Record<string, { location: string; usagePrefix: string }>;
  const instanceSpecs = catalogue.instanceTypes as Record<string, Record<string, string>>;
  const reserved = catalogue.reservedStandardNoUpfrontHourly as Record<string, Record<string, Record<string, string>>>;
  for (const [regionCode, hourly] of Object.entries(catalogue.onDemandHourly as Record<string, Record<string, string>>)) {
    const region = regions[regionCode]!;
    for (const [instanceType, price] of Object.entries(hourly)) {
      const attributes = {
        servicecode: 'AmazonEC2',
        location: region.location,
        locationType: 'AWS Region',
        instanceType,
        currentGeneration: 'Yes',
        ...instanceSpecs[instanceType],
        storage: 'EBS only',
        tenancy: 'Shared',
        operatingSystem: 'Linux',
        licenseModel: 'No License required',
        usagetype: `${region.usagePrefix}BoxUsage:${instanceType}`,
        operation: 'RunInstances',
        capacitystatus: 'Used',
        preInstalledSw: 'NA',
        regionCode,
        marketoption: 'OnDemand',
        servicename: 'Amazon Elastic Compute Cloud',
      };
      const reservedTerms = Object.entries(reserved).flatMap(([length, prices]) => {
        const rate = prices[regionCode]?.[instanceType];
        const attributes = { LeaseContractLength: length, OfferingClass: 'standard', PurchaseOption: 'No Upfront' };
        return rate ? [(sku: string) => term(sku, RESERVED_STANDARD_NO_UPFRONT[length]!, 'Hrs', rate, `Linux/UNIX (Amazon VPC), ${instanceType} reserved instance applied`, attributes)] : [];
      });
      products.push(
        product('Compute Instance', attributes, (sku) => ({
          OnDemand: term(sku, ON_DEMAND_TERM, 'Hrs', price, `$${price} per On Demand Linux ${instanceType} Instance Hour`, {}),
          Reserved: reservedTerms.length ? Object.assign({}, ...reservedTerms.map((t) => t(sku))) : undefined,
        })),
      );
    }
  }
  /** An EBS product of one volume type in one region: storage, provisioned IOPS or provisioned throughput. */
  const ebs = (regionCode: string, productFamily: string, volumeApiName: string, usage: string, extra: Record<string, string>, unit: string, price: string, description: string) => {
    const region = regions[regionCode]!;
    const attributes = {
      servicecode: 'AmazonEC2',
      location: region.location,
      locationType: 'AWS Region',
      ...extra,
      usagetype: `${region.usagePrefix}EBS:${usage}`,
      volumeApiName,
      regionCode,
      servicename: 'Amazon Elastic Compute Cloud',
    };
    products.push(product(productFamily, attributes, (sku) => ({ OnDemand: term(sku, ON_DEMAND_TERM, unit, price, description, {}) })));
  };
  const prices = (table: unknown) => Object.entries(table as Record<string, Record<string, string>>).flatMap(([regionCode, byKey]) => Object.entries(byKey).map(([key, price]) => ({ regionCode, key, price })));
  for (const { regionCode, key, price } of prices(catalogue.ebsGbMonth)) {
    ebs(regionCode, 'Storage', key, `VolumeUsage.${key}`, EBS_VOLUME_NAMES[key] ?? {}, 'GB-Mo', price, `$${price} per GB-month of ${key} provisioned storage`);
  }
  // gp3 IOPS above its 3,000 baseline, io1, and io2 with one product per tier (`io2`, `io2.tier2`, `io2.tier3`).
  for (const { regionCode, key, price } of prices(catalogue.ebsIopsMonth)) {
    const volumeApiName = key.split('.')[0]!;
    ebs(regionCode, 'System Operation', volumeApiName, `VolumeP-IOPS.${key === 'io1' ? 'piops' : key}`, { group: 'EBS IOPS', groupDescription: `IOPS for ${volumeApiName}` }, 'IOPS-Mo', price, `per IOPS-month provisioned for ${key}`);
  }
  // gp3 throughput above 125 MiB/s.
  for (const { regionCode, key, price } of prices(catalogue.ebsThroughputGiBpsMonth)) {
    ebs(regionCode, 'Provisioned Throughput', key, `VolumeP-Throughput.${key}`, { group: 'EBS Throughput', groupDescription: `Throughput for ${key}` }, 'GiBps-mo', price, `per GiBps-month of ${key} throughput provisioned`);
  }
  return products;
}
