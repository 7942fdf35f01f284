/**
 * `npm run bench -- cost`: the cost report end to end (parse → prices → estimate → template), in process, against
 * the sandbox's Price List with the real PricingClient and the bench's Redis. Prints:
 * - Price List calls of a cold 10-item estimate vs the distinct products it needs (target: equal, one call each);
 * - warm-cache latency p50/p95 over 200 runs (target: p95 < 20 ms), next to the bound measured in the same run:
 *   the one Redis MGET of the same keys that any cached estimate must pay.
 */
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { productId } from '../src/integrations/aws/pricing.js';
import { systemClock } from '../src/integrations/clock.js';
import { createLogger } from '../src/logger.js';
import { COST_COMMAND, parseCostArgs } from '../src/reports/cost/args.js';
import { productsFor } from '../src/reports/cost/estimate.js';
import { costReport } from '../src/reports/cost/index.js';
import type { ReportContext } from '../src/reports/kind.js';
import { createTemplates } from '../src/reports/templates.js';
import { startSandbox } from '../sandbox/src/index.js';

/** Ten items over ten instance types and every EBS component kind. */
const TEN_ITEMS = [
  '2x m5.large gp3:100',
  'm5.xlarge gp3:200:iops=5000',
  'c5.large gp2:50',
  'c5.xlarge io1:100:iops=2000',
  'r5.large st1:500',
  'r5.xlarge sc1:1000',
  't3.medium gp3:20',
  't3.large io2:100:iops=40000',
  'm6i.large gp3:500:throughput=300',
  'm7g.large gp3:100',
].join(' ');
const WARM_RUNS = 200;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

export async function run(): Promise<void> {
  const sandbox = await startSandbox({ scenario: 'minimal' });
  const redis = new Redis(process.env.REDIS_URL!);
  const prefix = `bench-cost-${randomUUID().slice(0, 8)}`;
  try {
    const clients = sandbox.clients('bot');
    const args = parseCostArgs({ subcommand: COST_COMMAND.subcommand, positionals: TEN_ITEMS.split(' '), flags: {} });
    // Only what the cost report reads; the rest of the context belongs to other reports.
    const ctx = {
      clients,
      clock: systemClock,
      log: createLogger('silent'),
      templates: createTemplates(),
      settings: {},
      redis,
      redisPrefix: prefix,
    } as unknown as ReportContext<{ region?: string }>;
    const products = productsFor(args.items, 'us-east-1');

    const before = sandbox.faults.received.pricing ?? 0;
    const coldStart = performance.now();
    await costReport.run(ctx, args);
    const coldMs = performance.now() - coldStart;
    const coldCalls = (sandbox.faults.received.pricing ?? 0) - before;

    const warm: number[] = [];
    const bound: number[] = [];
    const keys = products.map((p) => `${prefix}:price:${productId(p)}`);
    for (let i = 0; i < WARM_RUNS; i++) {
      let t = performance.now();
      await costReport.run(ctx, args);
      warm.push(performance.now() - t);
      t = performance.now();
      await redis.mget(keys);
      bound.push(performance.now() - t);
    }
    const warmCalls = (sandbox.faults.received.pricing ?? 0) - before - coldCalls;
    warm.sort((a, b) => a - b);
    bound.sort((a, b) => a - b);
    const p95 = percentile(warm, 95);
    console.log(`cold 10-item estimate: ${coldCalls} Price List calls for ${products.length} distinct products = ${(coldCalls / products.length).toFixed(2)} per product (target 1.00), ${coldMs.toFixed(0)} ms`);
    console.log(`warm estimate x${WARM_RUNS}: p50 ${percentile(warm, 50).toFixed(2)} ms, p95 ${p95.toFixed(2)} ms (target < 20 ms); Price List calls ${warmCalls} (target 0)`);
    console.log(`bound (one Redis MGET of the ${keys.length} keys): p50 ${percentile(bound, 50).toFixed(2)} ms, p95 ${percentile(bound, 95).toFixed(2)} ms; warm p95 / bound p95 = ${(p95 / percentile(bound, 95)).toFixed(1)}x`);
    clients.pricing.destroy();
    clients.ec2.destroy();
    clients.autoScaling.destroy();
    clients.route53.destroy();
  } finally {
    const stale = await redis.keys(`${prefix}:*`);
    if (stale.length) await redis.del(...stale);
    redis.disconnect();
    await sandbox.stop();
  }
}
