/** The cost estimate as a template view (for `templates/cost-estimate.md`) and as a Block Kit summary. Pure. */
import type { KnownBlock } from '@slack/types';
import { context, escapeMrkdwn, header, section } from '../../blocks/format.js';
import type { TemplateView } from '../template.js';
import { HOURS_PER_MONTH } from './args.js';
import { usd } from '../../money.js';
import { spotMonthly, type CostEstimate, type ReservedTerm, type SpotQuote } from './estimate.js';

export interface CostReport {
  estimate: CostEstimate;
  /** `--compare`: the same items with another instance type. */
  compare?: { instanceType: string; estimate: CostEstimate };
  spot?: SpotQuote[];
  /** Why spot prices were asked for but could not be read. */
  spotUnavailable?: string;
  /** Where the items came from when not typed (`--asg`). */
  source?: string;
}

const itemLabel = (e: CostEstimate['items'][number]) => `${e.spec.count} × ${e.spec.instanceType}`;

export function subject(r: CostReport): string {
  return `${r.estimate.items.map(itemLabel).join(' + ')} in ${r.estimate.region}`;
}

const TERM_NAMES: Record<ReservedTerm, string> = { '1yr': '1-yr reserved, no upfront', '3yr': '3-yr reserved, no upfront' };

export function assumptions(r: CostReport): string[] {
  const hours = r.estimate.hours;
  return [
    `${hours} hours a month per instance${hours === HOURS_PER_MONTH ? ' (the 730-hour month AWS bills by)' : ''}; EBS volumes are per instance and prorated by the same hours`,
    'Linux, shared tenancy, no pre-installed software or licence',
    'gp3 includes 3,000 IOPS and 125 MiB/s per volume: only what is provisioned above is billed',
    'reserved = Standard, No Upfront, at its effective hourly rate on instance hours only (EBS is not reserved)',
    'Savings Plans rates are not shown: the AmazonEC2 Price List does not carry them (AWS publishes them in a separate offer)',
    'not included: data transfer, public IPv4 addresses, snapshots, load balancers, EKS control plane',
    'list prices in USD before taxes, credits or negotiated discounts',
  ];
}

const quantity = (q: number) => q.toLocaleString('en-US', { maximumFractionDigits: 2 });

function options(e: CostEstimate): { name: string; monthly: string }[] {
  return [
    { name: 'on-demand', monthly: usd(e.total) },
    ...(['1yr', '3yr'] as const).map((term) => ({ name: TERM_NAMES[term], monthly: e.reservedTotals[term] === undefined ? 'not listed for every type here' : usd(e.reservedTotals[term]) })),
  ];
}

function spotRows(r: CostReport): { instanceType: string; availabilityZone: string; hourly: string; range: string; monthly: string; at: string }[] {
  const counts = new Map(r.estimate.items.map((i) => [i.spec.instanceType, i.spec.count]));
  return (r.spot ?? []).map((q) => ({
    instanceType: q.instanceType,
    availabilityZone: q.availabilityZone,
    hourly: usd(q.latest, 4),
    range: `${usd(q.low, 4)}–${usd(q.high, 4)}`,
    monthly: usd(spotMonthly(q, counts.get(q.instanceType) ?? 1, r.estimate.hours)),
    at: q.at.slice(0, 16).replace('T', ' '),
  }));
}

function comparison(r: CostReport) {
  if (!r.compare) return null;
  const against = r.compare.estimate;
  const rows = r.estimate.items.map((item, i) => ({
    label: itemLabel(item),
    current: usd(item.monthly),
    compared: usd(against.items[i]!.monthly),
    difference: usd(against.items[i]!.monthly - item.monthly),
  }));
  return { instanceType: r.compare.instanceType, rows, current: usd(r.estimate.total), compared: usd(against.total), difference: usd(against.total - r.estimate.total) };
}

export function costView(r: CostReport): TemplateView {
  const e = r.estimate;
  const spot = spotRows(r);
  return {
    subject: subject(r),
    region: e.region,
    hours: e.hours,
    source: r.source ?? null,
    items: e.items.map((item) => ({
      label: itemLabel(item),
      monthly: usd(item.monthly),
      lines: item.lines.map((l) => ({ name: l.name, quantity: quantity(l.quantity), unit: l.unit, unitPrice: usd(l.unitPrice, 4), monthly: usd(l.monthly) })),
    })),
    total: usd(e.total),
    options: options(e),
    comparison: comparison(r),
    spot: r.spot || r.spotUnavailable ? { rows: spot, none: r.spot?.length === 0, unavailable: r.spotUnavailable ?? null } : null,
    priceDate: e.priceDate ?? 'unknown',
    priceVersion: e.priceVersion ?? 'unknown',
    assumptions: assumptions(r),
  };
}

export const SPOT_CAVEAT = 'Spot prices change with supply and demand, and AWS can reclaim spot instances with two minutes’ notice: these are the last 24 hours, not a quote.';

export function renderCostBlocks(r: CostReport, filename: string): KnownBlock[] {
  const e = r.estimate;
  const items = e.items.map((item) => `${escapeMrkdwn(itemLabel(item))}: ${usd(item.monthly)}/month`).join('\n');
  const blocks: KnownBlock[] = [
    header(`Cost estimate: ${subject(r)}`.slice(0, 150)),
    ...(r.source ? [context(escapeMrkdwn(r.source))] : []),
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Items (on-demand)*\n${items}`.slice(0, 2000) },
        { type: 'mrkdwn', text: `*Total a month*\n${options(e).map((o) => `${o.name}: ${o.monthly}`).join('\n')}` },
      ],
    },
  ];
  const cmp = comparison(r);
  if (cmp) blocks.push(section(`*Compared with ${escapeMrkdwn(cmp.instanceType)}*\n${cmp.current} → ${cmp.compared} a month (${cmp.difference})`));
  if (r.spot || r.spotUnavailable) {
    const rows = spotRows(r);
    const text = r.spotUnavailable
      ? `could not be read: ${escapeMrkdwn(r.spotUnavailable)}`
      : rows.length
        ? rows.map((s) => `${escapeMrkdwn(s.instanceType)} in ${s.availabilityZone}: ${s.hourly}/h (${s.range} in 24 h) ≈ ${s.monthly}/month`).join('\n')
        : 'no spot price history for these types here';
    blocks.push(section(`*Spot (last 24 hours)*\n${text}\n_${SPOT_CAVEAT}_`.slice(0, 3000)));
  }
  blocks.push(
    section(`*Assumptions*\n${assumptions(r).map((a) => `• ${escapeMrkdwn(a)}`).join('\n')}`),
    context(`AWS Price List, published ${e.priceDate ?? 'unknown'} (version ${escapeMrkdwn(e.priceVersion ?? 'unknown')}). Every component in ${escapeMrkdwn(filename)} in the thread.`),
  );
  return blocks;
}
