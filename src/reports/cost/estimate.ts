/** Pure cost arithmetic: prices in, monthly lines and totals out (no I/O, no rounding until display). */
import { HOURS_PER_MONTH, type CostArgs, type EbsVolumeType } from './args.js';

export interface Prices {
  onDemandHourly: number;
  reserved1yHourly?: number;
  /** USD per GB-month, by volume type (every type in the args must be present). */
  ebsPerGbMonth: Partial<Record<EbsVolumeType, number>>;
  publicationDate?: string;
  version?: string;
}

export interface VolumeLine {
  type: EbsVolumeType;
  sizeGb: number;
  perGbMonth: number;
  /** All instances' copies of this volume, prorated by hours. */
  monthly: number;
}

export interface CostEstimate {
  args: CostArgs;
  onDemandHourly: number;
  onDemandMonthly: number;
  reserved?: { hourly: number; monthly: number; savingsPercent: number };
  volumes: VolumeLine[];
  ebsMonthly: number;
  totalOnDemand: number;
  totalReserved?: number;
  priceDate?: string;
  priceVersion?: string;
}

export function estimateCost(args: CostArgs, prices: Prices): CostEstimate {
  const instanceHours = args.hours * args.count;
  const onDemandMonthly = prices.onDemandHourly * instanceHours;
  // EBS is billed per GB-month, prorated by the time the volume exists (with its instance).
  const volumes = args.volumes.map((v) => {
    const perGbMonth = prices.ebsPerGbMonth[v.type];
    if (perGbMonth === undefined) throw new Error(`no price for EBS ${v.type}`);
    return { ...v, perGbMonth, monthly: perGbMonth * v.sizeGb * args.count * (args.hours / HOURS_PER_MONTH) };
  });
  const ebsMonthly = volumes.reduce((sum, v) => sum + v.monthly, 0);
  const reserved =
    prices.reserved1yHourly === undefined
      ? undefined
      : {
          hourly: prices.reserved1yHourly,
          monthly: prices.reserved1yHourly * instanceHours,
          savingsPercent: Math.round((1 - prices.reserved1yHourly / prices.onDemandHourly) * 100),
        };
  return {
    args,
    onDemandHourly: prices.onDemandHourly,
    onDemandMonthly,
    ...(reserved ? { reserved, totalReserved: reserved.monthly + ebsMonthly } : {}),
    volumes,
    ebsMonthly,
    totalOnDemand: onDemandMonthly + ebsMonthly,
    ...(prices.publicationDate ? { priceDate: prices.publicationDate.slice(0, 10) } : {}),
    ...(prices.version ? { priceVersion: prices.version } : {}),
  };
}

/** `$1,234.56`; hourly rates keep four decimals (`$0.0416`). */
export function usd(amount: number, decimals = 2): string {
  return `$${amount.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals })}`;
}
