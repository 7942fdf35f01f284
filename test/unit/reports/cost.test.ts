import { parseCostArgs, type CostArgs } from '../../../src/reports/cost/args.js';
import { estimateCost, usd } from '../../../src/reports/cost/estimate.js';
import { costView, renderCostBlocks } from '../../../src/reports/cost/render.js';
import { renderTemplate } from '../../../src/reports/template.js';
import { UsageError } from '../../../src/errors.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLED_TEMPLATES_DIR } from '../../../src/reports/templates.js';

const raw = (positionals: string[], flags: Record<string, string | string[]> = {}) => ({ subcommand: 'cost', positionals, flags });

describe('parseCostArgs', () => {
  it('applies defaults and reads every flag', () => {
    expect(parseCostArgs(raw(['M5.Large']))).toEqual({ instanceType: 'm5.large', count: 1, region: 'us-east-1', volumes: [], hours: 730 });
    expect(parseCostArgs(raw(['c5.xlarge'], { count: '3', region: 'eu-west-1', ebs: ['gp3:100', 'io2:20'], hours: '200' }))).toEqual({
      instanceType: 'c5.xlarge', count: 3, region: 'eu-west-1', volumes: [{ type: 'gp3', sizeGb: 100 }, { type: 'io2', sizeGb: 20 }], hours: 200,
    });
  });

  it.each([
    [[], {}, /needs an instance type/],
    [['m5.large', 'extra'], {}, /one instance type/],
    [['m5large'], {}, /is not an EC2 instance type/],
    [['m5.large'], { count: '0' }, /--count.*1 to 10,000/],
    [['m5.large'], { count: '2.5' }, /--count/],
    [['m5.large'], { hours: '9000' }, /--hours/],
    [['m5.large'], { region: 'mars' }, /not an AWS region code/],
    [['m5.large'], { ebs: ['ssd:100'] }, /type among gp2, gp3/],
    [['m5.large'], { ebs: ['gp3:0'] }, /1 to 65536 GB/],
  ])('%j %j is a usage error', (positionals, flags, message) => {
    expect(() => parseCostArgs(raw(positionals as string[], flags as Record<string, string>))).toThrow(UsageError);
    expect(() => parseCostArgs(raw(positionals as string[], flags as Record<string, string>))).toThrow(message);
  });
});

const base: CostArgs = { instanceType: 'm5.large', count: 1, region: 'us-east-1', volumes: [], hours: 730 };

describe('estimateCost', () => {
  it.each([
    ['one on-demand instance', base, { onDemandHourly: 0.096, ebsPerGbMonth: {} }, { onDemandMonthly: 70.08, ebsMonthly: 0, totalOnDemand: 70.08 }],
    ['count multiplies', { ...base, count: 3 }, { onDemandHourly: 0.096, ebsPerGbMonth: {} }, { onDemandMonthly: 210.24, totalOnDemand: 210.24 }],
    ['EBS per instance', { ...base, count: 2, volumes: [{ type: 'gp3' as const, sizeGb: 100 }] }, { onDemandHourly: 0.096, ebsPerGbMonth: { gp3: 0.08 } }, { ebsMonthly: 16, totalOnDemand: 156.16 }],
    ['hours prorate instances and EBS', { ...base, hours: 365, volumes: [{ type: 'gp2' as const, sizeGb: 50 }] }, { onDemandHourly: 0.1, ebsPerGbMonth: { gp2: 0.1 } }, { onDemandMonthly: 36.5, ebsMonthly: 2.5 }],
  ])('%s', (_name, args, prices, expected) => {
    const estimate = estimateCost(args, prices);
    for (const [key, value] of Object.entries(expected)) expect(estimate[key as keyof typeof estimate]).toBeCloseTo(value as number, 6);
  });

  it('adds the 1-yr reserved line and its saving when listed', () => {
    const e = estimateCost({ ...base, count: 2, volumes: [{ type: 'gp3', sizeGb: 100 }] }, { onDemandHourly: 0.096, reserved1yHourly: 0.06, ebsPerGbMonth: { gp3: 0.08 }, publicationDate: '2025-01-01T00:00:00Z', version: '20250101000000' });
    expect(e.reserved).toEqual({ hourly: 0.06, monthly: expect.closeTo(87.6, 6), savingsPercent: 38 });
    expect(e.totalReserved).toBeCloseTo(87.6 + 16, 6);
    expect(e.priceDate).toBe('2025-01-01');
    expect(e.priceVersion).toBe('20250101000000');
  });

  it('formats money', () => {
    expect(usd(1234.5)).toBe('$1,234.50');
    expect(usd(0.0416, 4)).toBe('$0.0416');
  });
});

describe('cost rendering', () => {
  const estimate = estimateCost({ ...base, count: 3, volumes: [{ type: 'gp3', sizeGb: 100 }] }, { onDemandHourly: 0.096, reserved1yHourly: 0.06, ebsPerGbMonth: { gp3: 0.08 }, publicationDate: '2025-01-01T00:00:00Z', version: '20250101000000' });

  it('Block Kit summary', () => {
    const blocks = renderCostBlocks(estimate, 'cost-estimate-m5.large-us-east-1.md');
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const block of blocks) if (block.type === 'section' && block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
    expect(blocks).toMatchSnapshot();
  });

  it('bundled template states prices, date and assumptions', () => {
    const md = renderTemplate(readFileSync(join(BUNDLED_TEMPLATES_DIR, 'cost-estimate.md'), 'utf8'), costView(estimate));
    expect(md).toMatchSnapshot();
    expect(md).toContain('| 3 × m5.large, on-demand | $0.0960 per hour each | $210.24 |');
    expect(md).toContain('**Total a month, with 1-yr reserved instances: $155.40**');
    expect(md).toContain('published 2025-01-01');
    expect(md).toContain('730 hours a month');
  });

  it('says when no reserved price is listed', () => {
    const md = renderTemplate(readFileSync(join(BUNDLED_TEMPLATES_DIR, 'cost-estimate.md'), 'utf8'), costView(estimateCost(base, { onDemandHourly: 0.085, ebsPerGbMonth: {} })));
    expect(md).toContain('No 1-year reserved price is listed for m5.large in us-east-1.');
    expect(md).not.toContain('reserved instances:');
  });
});
