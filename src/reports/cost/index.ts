/** `/deckhand cost`: a read-only estimate from the AWS Price List API (the client is pinned to us-east-1). */
import { ebsPricePerGbMonth, ec2InstancePrices } from '../../integrations/aws/pricing.js';
import { UserFacingError } from '../../errors.js';
import type { ReportKind } from '../kind.js';
import { COST_COMMAND, parseCostArgs, type CostArgs, type EbsVolumeType } from './args.js';
import { estimateCost, usd, type Prices } from './estimate.js';
import { costView, renderCostBlocks, subject } from './render.js';

export const costReport: ReportKind<CostArgs> = {
  command: COST_COMMAND,
  parseArgs: parseCostArgs,
  async run(ctx, args) {
    const pricing = ctx.clients.pricing;
    const instance = await ec2InstancePrices(pricing, args.instanceType, args.region);
    if (!instance) {
      throw new UserFacingError(
        `The AWS Price List has no on-demand Linux price for \`${args.instanceType}\` in \`${args.region}\`. Check the instance type and region, e.g. \`/deckhand cost m5.large --region us-east-1\`.`,
      );
    }
    const ebsPerGbMonth: Prices['ebsPerGbMonth'] = {};
    for (const type of new Set<EbsVolumeType>(args.volumes.map((v) => v.type))) {
      const price = await ebsPricePerGbMonth(pricing, type, args.region);
      if (price === undefined) throw new UserFacingError(`The AWS Price List has no price for EBS \`${type}\` in \`${args.region}\`.`);
      ebsPerGbMonth[type] = price;
    }
    const estimate = estimateCost(args, { ...instance, ebsPerGbMonth });
    const filename = `cost-estimate-${args.instanceType}-${args.region}.md`;
    const content = await ctx.templates.render('cost-estimate.md', costView(estimate));
    ctx.log.info({ instanceType: args.instanceType, region: args.region, count: args.count, priceVersion: estimate.priceVersion }, 'cost estimated');
    return {
      text: `Cost estimate for ${subject(estimate)}: ${usd(estimate.totalOnDemand)} a month on-demand`,
      blocks: renderCostBlocks(estimate, filename),
      files: [{ filename, title: `Cost estimate: ${subject(estimate)}`, content }],
    };
  },
};
