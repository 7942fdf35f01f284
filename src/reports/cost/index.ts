/** `/deckhand cost`: a read-only estimate from the AWS Price List API (the client is pinned to us-east-1). */
import { PriceCache } from '../../integrations/redis/price-cache.js';
import { UserFacingError } from '../../errors.js';
import type { ReportContext, ReportKind } from '../kind.js';
import { COST_COMMAND, costSettingsSchema, parseCostArgs, type CostArgs, type CostSettings } from './args.js';
import { usd } from '../../money.js';
import { estimateCost, productsFor, withInstanceType } from './estimate.js';
import { priceAll, readGroup, spotQuotes } from './gather.js';
import { costView, renderCostBlocks, subject, type CostReport } from './render.js';

/** Spot prices are decoration: when EC2 cannot give them the estimate says so instead of failing. */
async function spot(ctx: ReportContext<CostSettings>, instanceTypes: string[], zones: string[]): Promise<Pick<CostReport, 'spot' | 'spotUnavailable'>> {
  try {
    return { spot: await spotQuotes(ctx.clients, instanceTypes, zones, ctx.clock.now()) };
  } catch (error) {
    ctx.log.warn({ err: error }, 'spot price history unavailable');
    return { spotUnavailable: error instanceof Error ? error.message : String(error) };
  }
}

export const costReport: ReportKind<CostArgs, CostSettings> = {
  command: COST_COMMAND,
  settingsSchema: costSettingsSchema,
  parseArgs: parseCostArgs,
  async run(ctx, args) {
    // The region deckhand runs in: where `--asg` and `--spot` can read (its EC2 and Auto Scaling clients are there).
    const home = await ctx.clients.ec2.config.region();
    if ((args.asg !== undefined || args.spot) && args.region !== undefined && args.region !== home) {
      throw new UserFacingError(`\`--asg\` and \`--spot\` read ${home}, where deckhand runs: leave out \`--region ${args.region}\` or price types without them.`);
    }
    const region = args.asg !== undefined || args.spot ? home : (args.region ?? ctx.settings.region ?? home);
    const group = args.asg === undefined ? undefined : await readGroup(ctx.clients, args.asg, region);
    const items = group?.items ?? args.items;
    const compared = args.compare === undefined ? undefined : withInstanceType(items, args.compare);
    const cache = new PriceCache(ctx.redis, ctx.redisPrefix, ctx.clients.pricing);
    const price = await priceAll(cache, ctx.clients.pricing, productsFor([...items, ...(compared ?? [])], region));
    const report: CostReport = {
      estimate: estimateCost(items, region, args.hours, price),
      ...(compared ? { compare: { instanceType: args.compare!, estimate: estimateCost(compared, region, args.hours, price) } } : {}),
      ...(args.spot ? await spot(ctx, items.map((i) => i.instanceType), group?.availabilityZones ?? []) : {}),
      ...(group ? { source: `Auto Scaling group ${args.asg} (${group.launchTemplate})` } : {}),
    };
    const filename = `cost-estimate-${args.asg ?? items[0]!.instanceType}-${region}.md`;
    const content = await ctx.templates.render('cost-estimate.md', costView(report));
    ctx.log.info({ region, items: items.length, asg: args.asg, priceVersion: report.estimate.priceVersion }, 'cost estimated');
    return {
      text: `Cost estimate for ${subject(report)}: ${usd(report.estimate.total)} a month on-demand`,
      blocks: renderCostBlocks(report, filename),
      files: [{ filename, title: `Cost estimate: ${subject(report)}`, content }],
    };
  },
};
