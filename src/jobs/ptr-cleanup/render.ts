/** Pure Block Kit view of a PTR plan: counts and a sample in the message, every record in an attached CSV. */
import type { KnownBlock } from '@slack/types';
import { csvLine, toCsv, type CsvCell } from '../../blocks/csv.js';
import { context, listSection, section } from '../../blocks/format.js';
import type { RenderedPlan } from '../kind.js';
import { decodeOctalEscapes, ptrNameToIp } from './reverse-names.js';
import { SKIP_REASON_TEXT, type CleanupPlan, type CompactRecord, type RestorePlan, type PtrPlan, type SkipReason, type ZoneRecords } from './model.js';
import { unpackRecords } from './packed-records.js';

const SAMPLE_SIZE = 10;
const ZONES_SHOWN = 20;

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
const moreZones = (hidden: number) => `… and ${plural(hidden, 'more zone')} (see the CSV)`;
const moreInCsv = (hidden: number) => `… and ${hidden.toLocaleString('en-US')} more in the attached CSV`;

function sampleLine(zoneName: string, record: CompactRecord): string {
  const [name, ttl, values, routing] = record;
  const decoded = ptrNameToIp(name);
  const ip = decoded.ok ? decoded.address : decodeOctalEscapes(name);
  const routed = routing?.SetIdentifier ? `, set ${routing.SetIdentifier}` : '';
  const shown = values.slice(0, 3).map((v) => `\`${v.slice(0, 120)}\``);
  if (values.length > 3) shown.push(`+${values.length - 3} more`);
  return `• \`${ip}\` → ${shown.join(' ')} (TTL ${ttl}${routed}, ${zoneName})`;
}

function sample(plan: { zones: ZoneRecords[] }): string[] {
  const lines: string[] = [];
  for (const zone of plan.zones) {
    for (const record of unpackRecords(zone.records)) {
      if (lines.length === SAMPLE_SIZE) return lines;
      lines.push(sampleLine(zone.name, record));
    }
  }
  return lines;
}

const CSV_HEADER: CsvCell[] = ['action', 'zone_id', 'zone', 'name', 'ip', 'ttl', 'values', 'set_identifier', 'reason'];

function recordRow(action: string, zone: { id: string; name: string }, record: CompactRecord, reason = ''): CsvCell[] {
  const [name, ttl, values, routing] = record;
  const decoded = ptrNameToIp(name);
  return [action, zone.id, zone.name, name, decoded.ok ? decoded.address : '', ttl, values.join(' '), routing?.SetIdentifier ?? '', reason];
}

function renderCleanup(plan: CleanupPlan): RenderedPlan {
  const { totals } = plan;
  const zonesWithDeletes = plan.zones.length;
  const summary =
    totals.stale === 0
      ? `PTR cleanup: nothing to delete (${plural(totals.ptr, 'PTR record')} in ${plural(totals.zones, 'zone')} scanned)`
      : `PTR cleanup: delete ${plural(totals.stale, 'stale PTR record')} in ${plural(zonesWithDeletes, 'zone')}`;
  const blocks: KnownBlock[] = [
    section(
      `*${summary}*\n` +
        `Scanned ${plural(totals.zones, 'reverse zone')}: ${plural(totals.ptr, 'PTR record')}, ` +
        `*${totals.live.toLocaleString('en-US')} live* (held by ${plural(totals.interfaces, 'network interface')}), ` +
        `*${totals.stale.toLocaleString('en-US')} stale*, ${totals.skipped.toLocaleString('en-US')} skipped.`,
    ),
  ];
  if (plan.scanned.length > 0) {
    const rows = plan.scanned.map((z) => `• ${z.name}: ${z.ptr} PTR · ${z.live} live · ${z.stale} stale · ${z.skipped} skipped`);
    blocks.push(listSection('Zones', rows.slice(0, ZONES_SHOWN), moreZones, Math.max(0, rows.length - ZONES_SHOWN)));
  }
  const reasons = Object.entries(plan.skippedByReason) as [SkipReason, number][];
  if (reasons.length > 0) {
    blocks.push(section(`*Skipped, never deleted*\n${reasons.map(([reason, count]) => `• ${SKIP_REASON_TEXT[reason]}: ${count}`).join('\n')}`));
  }
  if (totals.stale > 0) {
    const lines = sample(plan);
    blocks.push(listSection('Will delete (exact TTL and values)', lines, moreInCsv, totals.stale - lines.length));
    blocks.push(context('Ownership is read again before deleting (and every minute during the run, or every four reads when reading takes longer): an IP taken meanwhile keeps its record. Every record is saved before it is deleted; `/deckhand ptr-cleanup restore <job-id>` puts them back.'));
  }
  if (plan.policyNotes.length > 0) blocks.push(section(`:warning: ${plan.policyNotes.join('\n')}`));
  const csv = [CSV_HEADER];
  for (const zone of plan.zones) for (const record of unpackRecords(zone.records)) csv.push(recordRow('delete', zone, record));
  for (const skipped of plan.skipped) {
    const zone = plan.scanned.find((z) => z.name === skipped.zone)!;
    csv.push(['skip', zone.id, zone.name, skipped.name, '', '', '', '', `${SKIP_REASON_TEXT[skipped.reason]}${skipped.detail ? `: ${skipped.detail}` : ''}`]);
  }
  const hiddenSkips = totals.skipped - plan.skipped.length;
  if (hiddenSkips > 0) csv.push(['skip', '', '', '', '', '', '', '', `${hiddenSkips} more skipped records not listed`]);
  return { summary, blocks, files: csv.length > 1 ? [{ filename: 'ptr-cleanup-plan.csv', title: 'PTR cleanup plan: every record', content: toCsv(csv) }] : undefined };
}

function renderRestore(plan: RestorePlan): RenderedPlan {
  const summary =
    plan.total === 0
      ? `PTR restore of job ${plan.sourceJobId}: nothing to re-create`
      : `PTR restore of job ${plan.sourceJobId}: re-create ${plural(plan.total, 'PTR record')} in ${plural(plan.zones.length, 'zone')}`;
  const blocks: KnownBlock[] = [
    section(
      `*${summary}*\n` +
        `Records saved by job \`${plan.sourceJobId}\` before it deleted them are created again exactly (name, TTL, values). ` +
        `${plural(plan.alreadyPresent, 'record')} already present again ${plan.alreadyPresent === 1 ? 'is' : 'are'} left as ${plan.alreadyPresent === 1 ? 'it is' : 'they are'}.`,
    ),
  ];
  if (plan.zones.length > 0) {
    const rows = plan.zones.map((z) => `• ${z.name}: ${z.records.count}`);
    blocks.push(listSection('Zones', rows.slice(0, ZONES_SHOWN), moreZones, Math.max(0, rows.length - ZONES_SHOWN)));
    const lines = sample(plan);
    blocks.push(listSection('Will create (exact TTL and values)', lines, moreInCsv, plan.total - lines.length));
  }
  const csv = [CSV_HEADER];
  for (const zone of plan.zones) for (const record of unpackRecords(zone.records)) csv.push(recordRow('create', zone, record));
  return { summary, blocks, files: csv.length > 1 ? [{ filename: 'ptr-restore-plan.csv', title: 'PTR restore plan: every record', content: toCsv(csv) }] : undefined };
}

export function renderPtrPlan(plan: PtrPlan): RenderedPlan {
  return plan.mode === 'cleanup' ? renderCleanup(plan) : renderRestore(plan);
}

/**
 * The deleted records as CSV, attached to the thread at the end of a run (the Redis copy is the one restore
 * reads): one part per saved batch, joined by `backupCsvFile`, so only text is held, never every record as objects.
 */
export function backupCsvPart(batch: { zoneId: string; zoneName: string; records: CompactRecord[] }): string {
  const zone = { id: batch.zoneId, name: batch.zoneName };
  return batch.records.map((record) => csvLine(recordRow('deleted', zone, record))).join('\n');
}

export function backupCsvFile(parts: string[]): string {
  return `${[csvLine(CSV_HEADER), ...parts].join('\n')}\n`;
}
