/** The cost estimate as a template view (for `templates/cost-estimate.md`) and as a Block Kit summary. Pure. */
import type { KnownBlock } from '@slack/types';
import { context, escapeMrkdwn, header, section } from '../../blocks/format.js';
import type { TemplateView } from '../template.js';
import { HOURS_PER_MONTH } from './args.js';
import { usd, type CostEstimate } from './estimate.js';

export function subject(e: CostEstimate): string {
  return `${e.args.count} × ${e.args.instanceType} in ${e.args.region}`;
}

export function assumptions(e: CostEstimate): string[] {
  return [
    `${e.args.hours} hours a month per instance${e.args.hours === HOURS_PER_MONTH ? ' (the 730-hour month AWS bills by)' : ''}`,
    'Linux, shared tenancy, no pre-installed software or licence',
    'EBS volumes are per instance, billed per GB-month and prorated by the hours above; provisioned IOPS/throughput, snapshots, data transfer and public IPv4 addresses are not included',
    'reserved = 1-year Standard, No Upfront, effective hourly rate',
    'list prices in USD before taxes, credits, Savings Plans or negotiated discounts',
  ];
}

export function costView(e: CostEstimate): TemplateView {
  return {
    subject: subject(e),
    instanceType: e.args.instanceType,
    count: e.args.count,
    region: e.args.region,
    hours: e.args.hours,
    onDemandHourly: usd(e.onDemandHourly, 4),
    onDemandMonthly: usd(e.onDemandMonthly),
    reserved: e.reserved ? { hourly: usd(e.reserved.hourly, 4), monthly: usd(e.reserved.monthly), savingsPercent: e.reserved.savingsPercent, total: usd(e.totalReserved!) } : null,
    volumes: e.volumes.map((v) => ({ type: v.type, sizeGb: v.sizeGb, perGbMonth: usd(v.perGbMonth, 4), monthly: usd(v.monthly) })),
    ebsMonthly: usd(e.ebsMonthly),
    totalOnDemand: usd(e.totalOnDemand),
    priceDate: e.priceDate ?? 'unknown',
    priceVersion: e.priceVersion ?? 'unknown',
    assumptions: assumptions(e),
  };
}

export function renderCostBlocks(e: CostEstimate, filename: string): KnownBlock[] {
  const reserved = e.reserved
    ? `*1-yr reserved (no upfront)*\n${usd(e.reserved.monthly)}/month (${usd(e.reserved.hourly, 4)}/h, ${e.reserved.savingsPercent}% less)`
    : '*1-yr reserved*\nnot listed for this type and region';
  const ebs = e.volumes.length
    ? `*EBS*\n${usd(e.ebsMonthly)}/month (${e.volumes.map((v) => `${v.type} ${v.sizeGb} GB`).join(', ')} per instance)`
    : '*EBS*\nnone given (`--ebs gp3:100`)';
  const total = e.totalReserved === undefined ? usd(e.totalOnDemand) : `${usd(e.totalOnDemand)} on-demand · ${usd(e.totalReserved)} reserved`;
  return [
    header(`Cost estimate: ${subject(e)}`),
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*On-demand*\n${usd(e.onDemandMonthly)}/month (${usd(e.onDemandHourly, 4)}/h each)` },
        { type: 'mrkdwn', text: reserved },
        { type: 'mrkdwn', text: ebs },
        { type: 'mrkdwn', text: `*Total a month*\n${total}` },
      ],
    },
    section(`*Assumptions*\n${assumptions(e).map((a) => `• ${escapeMrkdwn(a)}`).join('\n')}`),
    context(`AWS Price List, published ${e.priceDate ?? 'unknown'} (version ${escapeMrkdwn(e.priceVersion ?? 'unknown')}). Full estimate in ${escapeMrkdwn(filename)} in the thread.`),
  ];
}
