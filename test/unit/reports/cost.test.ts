import { parseCostArgs, type ItemSpec } from '../../../src/reports/cost/args.js';
import { estimateCost, productsFor, withInstanceType, type PriceLookup } from '../../../src/reports/cost/estimate.js';
import { signedUsd, usd } from '../../../src/money.js';
import { costView, renderCostBlocks, type CostReport } from '../../../src/reports/cost/render.js';
import { productId, type PriceProductKey, type ProductPrice } from '../../../src/integrations/aws/pricing.js';
import { renderTemplate } from '../../../src/reports/template.js';
import { UsageError } from '../../../src/errors.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLED_TEMPLATES_DIR } from '../../../src/reports/templates.js';

const raw = (positionals: string[], flags: Record<string, string | string[] | boolean> = {}) => ({ subcommand: 'cost', positionals, flags });

describe('parseCostArgs', () => {
  it('reads several items with counts and volumes, and every flag', () => {
    expect(parseCostArgs(raw(['3x', 'm6i.large', 'gp3:500:iops=6000:throughput=250', 'C5.Large', 'io2:20:iops=4000'], { region: 'eu-west-1', compare: 'm7g.large', spot: true, hours: '200' }))).toEqual({
      items: [
        { count: 3, instanceType: 'm6i.large', volumes: [{ type: 'gp3', sizeGb: 500, iops: 6000, throughput: 250 }] },
        { count: 1, instanceType: 'c5.large', volumes: [{ type: 'io2', sizeGb: 20, iops: 4000 }] },
      ],
      region: 'eu-west-1',
      compare: 'm7g.large',
      spot: true,
      hours: 200,
    });
  });

  it('keeps the one-item flags and leaves the region to the settings', () => {
    expect(parseCostArgs(raw(['m5.large'], { count: '3', ebs: ['gp3:100'] }))).toEqual({ items: [{ count: 3, instanceType: 'm5.large', volumes: [{ type: 'gp3', sizeGb: 100 }] }], spot: false, hours: 730 });
  });

  it('takes a group instead of items, with spot prices', () => {
    expect(parseCostArgs(raw([], { asg: 'eks-prod-workers' }))).toEqual({ items: [], asg: 'eks-prod-workers', spot: true, hours: 730 });
  });

  it.each([
    [[], {}, /needs an instance type/],
    [['m5large'], {}, /is not an EC2 instance type/],
    [['3x'], {}, /count must be followed by an instance type/],
    [['gp3:100', 'm5.large'], {}, /must follow the instance type/],
    [['m5.large', 'ssd:100'], {}, /type among gp2, gp3/],
    [['m5.large', 'gp3:0'], {}, /from 1 to 65,536/],
    [['m5.large', 'gp3:100:iops=2000'], {}, /iops.*from 3,000/],
    [['m5.large', 'gp2:100:iops=2000'], {}, /not an option of gp2/],
    [['m5.large', 'io2:100'], {}, /needs its provisioned IOPS/],
    [['m5.large', 'gp3:100:throughput=100'], {}, /throughput.*from 125/],
    [['m5.large', 'c5.large'], { count: '2' }, /apply to one instance type/],
    [['m5.large'], { asg: 'workers' }, /give no instance types/],
    [['m5.large'], { count: '0' }, /--count.*1 to 10,000/],
    [['m5.large'], { hours: '9000' }, /--hours/],
    [['m5.large'], { region: 'mars' }, /not an AWS region code/],
    [['m5.large'], { compare: 'bogus' }, /not an EC2 instance type/],
  ])('%j %j is a usage error', (positionals, flags, message) => {
    const parse = () => parseCostArgs(raw(positionals as string[], flags as Record<string, string>));
    expect(parse).toThrow(UsageError);
    expect(parse).toThrow(message);
  });
});

/** The sandbox catalogue's us-east-1 prices (sandbox/src/cloud/price-catalogue.json). */
const PRICES: Record<string, ProductPrice> = {
  'instance/us-east-1/m5.large': { unit: 'Hrs', tiers: [{ from: 0, usd: 0.096 }], reserved: { '1yr': 0.06, '3yr': 0.041 }, publicationDate: '2025-01-01T00:00:00Z', version: '20250101000000' },
  'instance/us-east-1/m6i.large': { unit: 'Hrs', tiers: [{ from: 0, usd: 0.096 }], reserved: { '1yr': 0.06, '3yr': 0.041 } },
  'instance/us-east-1/c5.large': { unit: 'Hrs', tiers: [{ from: 0, usd: 0.085 }], reserved: { '1yr': 0.054, '3yr': 0.037 } },
  'instance/us-east-1/t3.medium': { unit: 'Hrs', tiers: [{ from: 0, usd: 0.0416 }] },
  'storage/us-east-1/gp3': { unit: 'GB-Mo', tiers: [{ from: 0, usd: 0.08 }] },
  'storage/us-east-1/io2': { unit: 'GB-Mo', tiers: [{ from: 0, usd: 0.125 }] },
  'iops/us-east-1/gp3': { unit: 'IOPS-Mo', tiers: [{ from: 0, usd: 0.005 }] },
  'iops/us-east-1/io2': { unit: 'IOPS-Mo', tiers: [{ from: 0, to: 32000, usd: 0.065 }, { from: 32000, to: 64000, usd: 0.0455 }, { from: 64000, usd: 0.032 }] },
  'throughput/us-east-1/gp3': { unit: 'GiBps-mo', tiers: [{ from: 0, usd: 40.96 }] },
};
const lookup: PriceLookup = (key: PriceProductKey) => {
  const price = PRICES[productId(key)];
  if (!price) throw new Error(`no test price for ${productId(key)}`);
  return price;
};
const item = (count: number, instanceType: string, volumes: ItemSpec['volumes'] = []): ItemSpec => ({ count, instanceType, volumes });

describe('estimateCost', () => {
  it('prices gp3 storage, IOPS above 3,000 and throughput above 125 MiB/s line by line', () => {
    const e = estimateCost([item(3, 'm6i.large', [{ type: 'gp3', sizeGb: 500, iops: 6000, throughput: 250 }])], 'us-east-1', 730, lookup);
    expect(e.items[0]!.lines.map((l) => [l.name, l.quantity, l.unit, l.unitPrice, Number(l.monthly.toFixed(6))])).toEqual([
      ['Instance usage (Linux/UNIX, on-demand, m6i.large)', 2190, 'hours', 0.096, 210.24],
      ['Storage (gp3, 500 GB)', 1500, 'GB-months', 0.08, 120],
      ['Provisioned IOPS (gp3, above 3,000)', 9000, 'IOPS-months', 0.005, 45],
      ['Provisioned throughput (gp3, above 125 MiB/s)', 375, 'MiB/s-months', 0.04, 15],
    ]);
    expect(e.total).toBeCloseTo(390.24, 6);
    expect(e.reservedTotals['1yr']).toBeCloseTo(131.4 + 180, 6);
    expect(e.reservedTotals['3yr']).toBeCloseTo(89.79 + 180, 6);
  });

  it('bills no gp3 IOPS or throughput at or below the baseline', () => {
    const e = estimateCost([item(1, 'm5.large', [{ type: 'gp3', sizeGb: 100, iops: 3000 }])], 'us-east-1', 730, lookup);
    expect(e.items[0]!.lines.map((l) => l.name)).toEqual(['Instance usage (Linux/UNIX, on-demand, m5.large)', 'Storage (gp3, 100 GB)']);
    expect(productsFor([item(1, 'm5.large', [{ type: 'gp3', sizeGb: 100, iops: 3000 }])], 'us-east-1').map(productId)).toEqual(['instance/us-east-1/m5.large', 'storage/us-east-1/gp3']);
  });

  it('splits io2 IOPS into their tiers', () => {
    const e = estimateCost([item(1, 'm5.large', [{ type: 'io2', sizeGb: 100, iops: 70000 }])], 'us-east-1', 730, lookup);
    expect(e.items[0]!.lines.slice(1).map((l) => [l.name, l.quantity, Number(l.monthly.toFixed(6))])).toEqual([
      ['Storage (io2, 100 GB)', 100, 12.5],
      ['Provisioned IOPS (io2), 0–32,000', 32000, 2080],
      ['Provisioned IOPS (io2), 32,001–64,000', 32000, 1456],
      ['Provisioned IOPS (io2), above 64,000', 6000, 192],
    ]);
    expect(e.total).toBeCloseTo(70.08 + 12.5 + 3728, 6);
  });

  it('prorates instances and volumes by the hours, and drops a reserved total some type lacks', () => {
    const e = estimateCost([item(2, 'm5.large', [{ type: 'gp3', sizeGb: 100 }]), item(1, 't3.medium')], 'us-east-1', 365, lookup);
    expect(e.items[0]!.monthly).toBeCloseTo(0.096 * 730 + 8, 6);
    expect(e.items[1]!.monthly).toBeCloseTo(0.0416 * 365, 6);
    expect(e.reservedTotals).toEqual({});
    expect(e.priceDate).toBe('2025-01-01');
  });

  it('formats money', () => {
    expect(usd(1234.5)).toBe('$1,234.50');
    expect(usd(0.0416, 4)).toBe('$0.0416');
    expect(usd(-24.09)).toBe('-$24.09');
    expect([signedUsd(12), signedUsd(-24.09)]).toEqual(['+$12.00', '-$24.09']);
  });
});

describe('cost rendering', () => {
  const items = [item(3, 'm5.large', [{ type: 'gp3', sizeGb: 100 }])];
  const report: CostReport = {
    estimate: estimateCost(items, 'us-east-1', 730, lookup),
    compare: { instanceType: 'c5.large', estimate: estimateCost(withInstanceType(items, 'c5.large'), 'us-east-1', 730, lookup) },
    spot: [{ instanceType: 'm5.large', availabilityZone: 'us-east-1a', latest: 0.0389, low: 0.0351, high: 0.0389, at: '2026-01-05T09:00:00.000Z' }],
  };
  const template = readFileSync(join(BUNDLED_TEMPLATES_DIR, 'cost-estimate.md'), 'utf8');

  it('Block Kit summary', () => {
    const blocks = renderCostBlocks(report, 'cost-estimate-m5.large-us-east-1.md');
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const block of blocks) if (block.type === 'section' && block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
    expect(blocks).toMatchSnapshot();
  });

  it('bundled template lists every component, the options, the comparison, spot and the assumptions', () => {
    const md = renderTemplate(template, costView(report));
    expect(md).toMatchSnapshot();
    expect(md).toContain('| Instance usage (Linux/UNIX, on-demand, m5.large) | 2,190 | hours | $0.0960 | $210.24 |');
    expect(md).toContain('| Storage (gp3, 100 GB) | 300 | GB-months | $0.0800 | $24.00 |');
    expect(md).toContain('| 1-yr reserved, no upfront | $155.40 |');
    expect(md).toContain('| 3-yr reserved, no upfront | $113.79 |');
    expect(md).toContain('| **total** | **$234.24** | **$210.15** | **-$24.09** |');
    expect(md).toContain('| m5.large | us-east-1a | $0.0389 | $0.0351–$0.0389 | $85.19 | 2026-01-05 09:00 |');
    expect(md).toContain('not a quote');
    expect(md).toContain('Savings Plans rates are not shown');
  });

  it('says when a reserved price is not listed and leaves out what was not asked', () => {
    const md = renderTemplate(template, costView({ estimate: estimateCost([item(1, 't3.medium')], 'us-east-1', 730, lookup) }));
    expect(md).toContain('| 1-yr reserved, no upfront | not listed for every type here |');
    expect(md).not.toContain('Compared with');
    expect(md).not.toContain('Spot');
  });
});
