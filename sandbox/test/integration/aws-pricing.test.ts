import { DescribeServicesCommand, GetAttributeValuesCommand, GetProductsCommand, PricingClient, paginateGetProducts, type Filter } from '@aws-sdk/client-pricing';
import { credentials, startTestCloud, type TestCloud } from './aws-fixture.js';

interface PriceDocument {
  product: { productFamily: string; attributes: Record<string, string>; sku: string };
  terms: { OnDemand: Record<string, { priceDimensions: Record<string, { unit: string; pricePerUnit: { USD: string } }> }>; Reserved?: Record<string, { termAttributes: Record<string, string>; priceDimensions: Record<string, { pricePerUnit: { USD: string } }> }> };
}

const parse = (item: unknown) => JSON.parse(String(item)) as PriceDocument;
const onDemandUsd = (doc: PriceDocument) => Object.values(Object.values(doc.terms.OnDemand)[0]!.priceDimensions)[0]!.pricePerUnit.USD;

describe('sandbox Price List (JSON 1.1) with the real PricingClient', () => {
  let cloud: TestCloud;
  beforeAll(async () => {
    cloud = await startTestCloud();
  });
  afterAll(() => cloud.stop());

  const products = async (Filters: Filter[]) => {
    const items: PriceDocument[] = [];
    for await (const page of paginateGetProducts({ client: cloud.pricing, pageSize: 100 }, { ServiceCode: 'AmazonEC2', Filters })) items.push(...(page.PriceList ?? []).map(parse));
    return items;
  };

  it('answers GetProducts with AWS-shaped PriceList documents that JSON.parse(String(item)) reads', async () => {
    const out = await cloud.pricing.send(
      new GetProductsCommand({
        ServiceCode: 'AmazonEC2',
        Filters: [
          { Type: 'TERM_MATCH', Field: 'instanceType', Value: 'm5.large' },
          { Type: 'TERM_MATCH', Field: 'regionCode', Value: 'us-east-1' },
          { Type: 'TERM_MATCH', Field: 'operatingSystem', Value: 'Linux' },
          { Type: 'TERM_MATCH', Field: 'capacitystatus', Value: 'Used' },
        ],
      }),
    );
    expect(out.FormatVersion).toBe('aws_v1');
    expect(out.PriceList).toHaveLength(1);
    const doc = parse(out.PriceList![0]);
    expect(doc.product.productFamily).toBe('Compute Instance');
    expect(doc.product.attributes).toMatchObject({ instanceType: 'm5.large', location: 'US East (N. Virginia)', tenancy: 'Shared', usagetype: 'BoxUsage:m5.large' });
    expect(onDemandUsd(doc)).toBe('0.0960000000');
    const reserved = Object.values(doc.terms.Reserved!)[0]!;
    expect(reserved.termAttributes).toEqual({ LeaseContractLength: '1yr', OfferingClass: 'standard', PurchaseOption: 'No Upfront' });
  });

  it('prices EBS storage per GB-month by volumeApiName', async () => {
    const [gp3] = await products([
      { Type: 'TERM_MATCH', Field: 'productFamily', Value: 'Storage' },
      { Type: 'TERM_MATCH', Field: 'volumeApiName', Value: 'gp3' },
      { Type: 'TERM_MATCH', Field: 'regionCode', Value: 'us-east-1' },
    ]);
    expect(onDemandUsd(gp3!)).toBe('0.0800000000');
    expect(Object.values(Object.values(gp3!.terms.OnDemand)[0]!.priceDimensions)[0]!.unit).toBe('GB-Mo');
  });

  it('applies EQUALS, CONTAINS, ANY_OF and NONE_OF filters', async () => {
    const byRegion = (docs: PriceDocument[]) => new Set(docs.map((d) => d.product.attributes.regionCode));
    expect(await products([{ Type: 'EQUALS', Field: 'instanceType', Value: 'M5.LARGE' }])).toHaveLength(0);
    expect(await products([{ Type: 'TERM_MATCH', Field: 'instanceType', Value: 'M5.LARGE' }])).toHaveLength(3);
    const m5 = await products([{ Type: 'CONTAINS', Field: 'instanceType', Value: 'm5.' }, { Type: 'EQUALS', Field: 'regionCode', Value: 'eu-west-1' }]);
    expect(m5.map((d) => d.product.attributes.instanceType).sort()).toEqual(['m5.2xlarge', 'm5.large', 'm5.xlarge']);
    const anyOf = await products([{ Type: 'ANY_OF', Field: 'regionCode', Value: 'eu-west-1,ap-northeast-1' }, { Type: 'EQUALS', Field: 'productFamily', Value: 'Storage' }]);
    expect(byRegion(anyOf)).toEqual(new Set(['eu-west-1', 'ap-northeast-1']));
    expect(anyOf).toHaveLength(12);
    const noneOf = await products([{ Type: 'NONE_OF', Field: 'regionCode', Value: 'eu-west-1,ap-northeast-1' }]);
    expect(byRegion(noneOf)).toEqual(new Set(['us-east-1']));
  });

  it('paginates GetProducts with NextToken and MaxResults', async () => {
    const first = await cloud.pricing.send(new GetProductsCommand({ ServiceCode: 'AmazonEC2', MaxResults: 20 }));
    expect(first.PriceList).toHaveLength(20);
    expect(first.NextToken).toBeDefined();
    const pages: number[] = [];
    for await (const page of paginateGetProducts({ client: cloud.pricing, pageSize: 20 }, { ServiceCode: 'AmazonEC2' })) pages.push(page.PriceList!.length);
    // instance hours 12 + 11 + 11 (m7i.large is us-east-1 only), EBS storage 6 types x 3 regions, provisioned IOPS
    // 5 products (gp3, io1, io2 in three tiers) x 2 regions, gp3 throughput x 2 regions
    expect(pages.reduce((a, b) => a + b, 0)).toBe(34 + 18 + 10 + 2);
    expect(pages).toEqual([20, 20, 20, 4]);
    await expect(cloud.pricing.send(new GetProductsCommand({ ServiceCode: 'AmazonEC2', MaxResults: 101 }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('describes the service and its attribute values', async () => {
    const services = await cloud.pricing.send(new DescribeServicesCommand({ ServiceCode: 'AmazonEC2' }));
    expect(services.Services?.[0]?.ServiceCode).toBe('AmazonEC2');
    expect(services.Services?.[0]?.AttributeNames).toEqual(expect.arrayContaining(['instanceType', 'volumeApiName', 'regionCode']));
    const values = await cloud.pricing.send(new GetAttributeValuesCommand({ ServiceCode: 'AmazonEC2', AttributeName: 'volumeApiName' }));
    expect(values.AttributeValues?.map((v) => v.Value)).toEqual(['gp2', 'gp3', 'io1', 'io2', 'sc1', 'st1']);
  });

  it('answers NotFoundException for an unknown service code', async () => {
    await expect(cloud.pricing.send(new GetProductsCommand({ ServiceCode: 'AmazonRDS' }))).rejects.toMatchObject({ name: 'NotFoundException' });
  });

  it('injects ThrottlingException that the SDK retries', async () => {
    const patient = new PricingClient({ region: cloud.region, endpoint: cloud.endpoints.pricing, credentials, maxAttempts: 10 });
    cloud.faults.services.pricing = { throttleRate: 0.5 };
    try {
      const attempts: number[] = [];
      for (let n = 0; n < 4; n++) {
        const out = await patient.send(new DescribeServicesCommand({}));
        attempts.push(out.$metadata.attempts ?? 1);
      }
      expect(Math.max(...attempts)).toBeGreaterThan(1);
      cloud.faults.services.pricing = { throttleRate: 1 };
      await expect(cloud.pricing.send(new DescribeServicesCommand({}))).rejects.toMatchObject({ name: 'ThrottlingException', $metadata: { attempts: 3 } });
    } finally {
      delete cloud.faults.services.pricing;
      patient.destroy();
    }
  });
});
