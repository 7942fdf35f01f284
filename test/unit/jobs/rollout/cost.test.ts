import { rolloutCostChange } from '../../../../src/jobs/rollout/cost.js';
import { costChangeText } from '../../../../src/jobs/rollout/render.js';

const prices = { region: 'us-east-1', hourly: { 'm5.large': 0.096, 'm5.xlarge': 0.192, 'c5.large': 0.085 } };

describe('rolloutCostChange', () => {
  it('sums the change of every replaced node, whatever type it ran', () => {
    // 730 h × ((0.192 − 0.096) × 2 + (0.192 − 0.192))
    const change = rolloutCostChange(['m5.large', 'm5.large', 'm5.xlarge'], 'm5.xlarge', prices)!;
    expect(change).toEqual({ change: 'm5.large, m5.xlarge → m5.xlarge', count: 3, region: 'us-east-1', monthlyDelta: 140.16 });
    expect(costChangeText(change)).toBe('m5.large, m5.xlarge → m5.xlarge on 3 node(s): +$140.16/month on-demand (us-east-1 list price)');
  });

  it('is undefined when nothing changes type or the target names no type', () => {
    expect(rolloutCostChange(['m5.large'], 'm5.large', prices)).toBeUndefined();
    expect(rolloutCostChange(['m5.large'], undefined, prices)).toBeUndefined();
  });

  it('is unknown, with the reason, when a type has no price or the Price List failed — never $0', () => {
    const missing = rolloutCostChange(['m5.large'], 'x9.huge', prices)!;
    expect(costChangeText(missing)).toBe('m5.large → x9.huge on 1 node(s): cost change unknown (no Price List price for x9.huge in us-east-1)');
    const failed = rolloutCostChange(['m5.large'], 'c5.large', { region: 'us-east-1', hourly: {}, unavailable: 'the Price List could not be read: Rate exceeded' })!;
    expect(failed).toEqual({ change: 'm5.large → c5.large', count: 1, region: 'us-east-1', unknown: 'the Price List could not be read: Rate exceeded' });
  });
});
