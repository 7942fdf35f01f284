/**
 * The monthly cost change of a rollout whose target version launches another instance type: on-demand list
 * price × 730 h for each replaced node, new type minus old. Pure: the prices were read in observe.
 */
import { HOURS_PER_MONTH } from '../../integrations/aws/pricing.js';
import type { CostChange, InstancePrices } from './types.js';

/** `replaced`: the instance type of each node the rollout replaces. Undefined when no node changes type. */
export function rolloutCostChange(replaced: string[], to: string | undefined, prices: InstancePrices | undefined): CostChange | undefined {
  if (to === undefined || replaced.every((type) => type === to) || !prices) return undefined;
  const fromTypes = [...new Set(replaced)].sort();
  const base = { change: `${fromTypes.join(', ')} → ${to}`, count: replaced.length, region: prices.region };
  if (prices.unavailable) return { ...base, unknown: prices.unavailable };
  const unpriced = [...fromTypes, to].filter((type) => prices.hourly[type] === undefined);
  if (unpriced.length) return { ...base, unknown: `no Price List price for ${[...new Set(unpriced)].join(' and ')} in ${prices.region}` };
  const delta = replaced.reduce((sum, from) => sum + (prices.hourly[to]! - prices.hourly[from]!) * HOURS_PER_MONTH, 0);
  return { ...base, monthlyDelta: Math.round(delta * 100) / 100 };
}
