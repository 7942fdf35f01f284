/** Reverse zones as a test lists them, and what observe makes of them: the shape the planner receives. */
import type { RecordSet } from '../../../../src/integrations/aws/route53.js';
import { AddressSet } from '../../../../src/jobs/ptr-cleanup/ip.js';
import type { ObservedZone } from '../../../../src/jobs/ptr-cleanup/model.js';
import { observePage } from '../../../../src/jobs/ptr-cleanup/observe.js';

/** A zone as listed: its PTR record sets, before observePage sorts them. */
export type ListedZone = Omit<ObservedZone, 'ptr' | 'aliases'> & { listed: RecordSet[] };

/** Every zone's records sorted by observePage against the interfaces' addresses, as observe hands them over. */
export function observeListed(zones: ListedZone[], ownership: { addresses?: string[]; prefixes?: string[] }): ObservedZone[] {
  const owned = AddressSet.of(ownership.addresses ?? [], ownership.prefixes ?? []);
  return zones.map(({ listed, ...z }) => {
    const out: ObservedZone = { ...z, ptr: { count: 0, lines: '' }, aliases: [], otherRecords: 0 };
    observePage(out, listed, owned);
    return { ...out, otherRecords: z.otherRecords };
  });
}
