/** EC2 spot price history port (DescribeSpotPriceHistory). Read-only; spot prices change, so nothing is cached. */
import { paginateDescribeSpotPriceHistory, type EC2Client, type _InstanceType } from '@aws-sdk/client-ec2';

export interface SpotPricePoint {
  availabilityZone: string;
  usd: number;
  timestamp: Date;
}

/** Linux/UNIX spot prices of the type since `since`, in the given zones (every zone of the region when none are given). */
export async function spotPriceHistory(ec2: EC2Client, instanceType: string, since: Date, zones: string[] = []): Promise<SpotPricePoint[]> {
  const points: SpotPricePoint[] = [];
  const filters = zones.length ? [{ Name: 'availability-zone', Values: zones }] : undefined;
  for await (const page of paginateDescribeSpotPriceHistory(
    { client: ec2 },
    { InstanceTypes: [instanceType as _InstanceType], ProductDescriptions: ['Linux/UNIX'], StartTime: since, Filters: filters, MaxResults: 1000 },
  )) {
    for (const p of page.SpotPriceHistory ?? []) {
      const usd = Number(p.SpotPrice);
      if (p.AvailabilityZone && p.Timestamp && Number.isFinite(usd)) points.push({ availabilityZone: p.AvailabilityZone, usd, timestamp: p.Timestamp });
    }
  }
  return points;
}
