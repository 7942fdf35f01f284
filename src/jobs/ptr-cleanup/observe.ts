/** Read-only observation for the PTR cleanup and its restore. */
import type { KindContext } from '../kind.js';
import { getHostedZoneVpcs, listHostedZones, listRecordSets, bareZoneId, RECORD_SETS_PER_PAGE, type HostedZone, type Pacer, type RecordSet } from '../../integrations/aws/route53.js';
import { interfaceAddressPages } from '../../integrations/aws/network-interfaces.js';
import type { Clients } from '../../integrations/clients.js';
import { formatDuration } from '../../time.js';
import { backupsOf } from './backups.js';
import { AddressSetBuilder, type AddressSet } from './ip.js';
import { reverseZoneFamily } from './reverse-names.js';
import type { PtrCleanupSettings } from './settings.js';
import { sharedPacer } from './pacer.js';
import { isLiveName, recordKey } from './plan.js';
import { compact, type CleanupObserved, type CompactRecord, type ObservedZone, type OwnershipScope, type PtrArgs, type PtrObserved, type RestoreObserved } from './model.js';
import { appendRecords } from './packed-records.js';

type PtrContext = KindContext<PtrCleanupSettings>;

function normalizedZoneName(text: string): string {
  const lower = text.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** The zones a `--zone` list names (by id or name), or every reverse zone when it names none. */
export function selectZones(all: HostedZone[], requested: string[]): { zones: HostedZone[]; unmatched: string[]; forward: string[] } {
  if (requested.length === 0) return { zones: all.filter((zone) => reverseZoneFamily(zone.name) !== undefined), unmatched: [], forward: [] };
  const zones = new Map<string, HostedZone>();
  const unmatched: string[] = [];
  const forward: string[] = [];
  for (const wanted of requested) {
    const matches = all.filter((zone) => zone.id === bareZoneId(wanted) || zone.name === normalizedZoneName(wanted));
    if (matches.length === 0) unmatched.push(wanted);
    else if (matches.some((zone) => reverseZoneFamily(zone.name) === undefined)) forward.push(wanted);
    else for (const zone of matches) zones.set(zone.id, zone);
  }
  return { zones: [...zones.values()], unmatched, forward };
}

/** Sorts one page into the zone: PTR records whose IP an interface holds are only counted. */
export function observePage(zone: ObservedZone, page: RecordSet[], owned: AddressSet): void {
  const candidates: CompactRecord[] = [];
  for (const record of page) {
    if (record.type !== 'PTR') zone.otherRecords++;
    else if (isLiveName(record.name, owned)) zone.live++;
    else if (record.alias) zone.aliases.push(record.name);
    else candidates.push(compact(record));
  }
  appendRecords(zone.ptr, candidates);
}

interface ScanProgress {
  page(records: number): void;
  zoneDone(): void;
}

/** Zones scanned, records read and an ETA from the request rate, for the person waiting for the plan. */
function scanProgress(ctx: PtrContext, zones: HostedZone[]): ScanProgress {
  const expected = zones.reduce((sum, zone) => sum + (zone.recordCount ?? 0), 0);
  const expectedPages = zones.reduce((sum, zone) => sum + Math.max(1, Math.ceil((zone.recordCount ?? 0) / RECORD_SETS_PER_PAGE)), 0);
  let pages = 0;
  let records = 0;
  let zonesDone = 0;
  return {
    page(count) {
      pages++;
      records += count;
      const left = formatDuration((Math.max(0, expectedPages - pages) / ctx.settings.requestsPerSecond) * 1000);
      ctx.planning?.(
        `Planning: ${zonesDone}/${zones.length} zones scanned, ${records.toLocaleString('en-US')} of about ${expected.toLocaleString('en-US')} records read; about ${left} left at ${ctx.settings.requestsPerSecond} requests/s.`,
      );
    },
    zoneDone() {
      zonesDone++;
    },
  };
}

/** Pages listed before the interfaces are read wait for them; later pages are sorted as they arrive and dropped. */
async function readZoneRecords(clients: Clients, zone: ObservedZone, pacer: Pacer, ownership: Promise<{ owned: AddressSet }>, progress: ScanProgress): Promise<void> {
  let owned: AddressSet | undefined;
  void ownership.then(
    (read) => (owned = read.owned),
    () => {},
  );
  const early: RecordSet[][] = [];
  for await (const page of listRecordSets(clients.route53, zone.id, { pacer })) {
    progress.page(page.length);
    if (!owned) early.push(page);
    else for (const waiting of [...early.splice(0), page]) observePage(zone, waiting, owned);
  }
  owned ??= (await ownership).owned;
  for (const waiting of early) observePage(zone, waiting, owned);
  progress.zoneDone();
}

/** Which interfaces count: those of the zones' VPCs; every VPC of the region as soon as a public zone is in scope. */
export function ownershipScope(zones: Pick<ObservedZone, 'privateZone' | 'vpcs'>[], region: string): OwnershipScope {
  if (zones.some((zone) => !zone.privateZone)) return { allVpcs: true };
  const vpcIds = new Set(zones.flatMap((zone) => zone.vpcs.filter((vpc) => vpc.region === region).map((vpc) => vpc.vpcId)));
  return { vpcIds: [...vpcIds].sort() };
}

/** What the network interfaces in `scope` hold now, indexed for lookups; also what apply and approval re-read. */
export async function readOwnership(clients: Clients, scope: OwnershipScope): Promise<{ interfaces: number; owned: AddressSet }> {
  const addresses = new AddressSetBuilder();
  let interfaces = 0;
  for await (const page of interfaceAddressPages(clients.ec2, 'vpcIds' in scope ? scope.vpcIds : undefined)) {
    interfaces += page.length;
    for (const eni of page) addresses.add([...eni.ipv4, ...eni.ipv6], [...eni.ipv4Prefixes, ...eni.ipv6Prefixes]);
  }
  return { interfaces, owned: addresses.build() };
}

export async function readOwnedAddresses(clients: Clients, scope: OwnershipScope): Promise<AddressSet> {
  return (await readOwnership(clients, scope)).owned;
}

async function observeCleanup(ctx: PtrContext, requested: string[]): Promise<CleanupObserved> {
  const pacer = sharedPacer(ctx.clock, ctx.settings.requestsPerSecond);
  const region = await ctx.clients.ec2.config.region();
  const { zones, unmatched, forward } = selectZones(await listHostedZones(ctx.clients.route53, pacer), requested);
  const progress = scanProgress(ctx, zones);
  const observedZones: ObservedZone[] = await Promise.all(
    zones.map(async (zone) => ({
      id: zone.id,
      name: zone.name,
      privateZone: zone.privateZone,
      vpcs: zone.privateZone ? await getHostedZoneVpcs(ctx.clients.route53, zone.id, pacer) : [],
      ptr: { count: 0, lines: '' },
      aliases: [],
      live: 0,
      otherRecords: 0,
    })),
  );
  observedZones.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  // Zones are read concurrently, and interfaces meanwhile: the pacer, not the round trips, sets the pace.
  const scope = ownershipScope(observedZones, region);
  const ownership = readOwnership(ctx.clients, scope);
  const [{ interfaces }] = await Promise.all([ownership, ...observedZones.map((zone) => readZoneRecords(ctx.clients, zone, pacer, ownership, progress))]);
  return { mode: 'cleanup', region, zones: observedZones, unmatchedZones: unmatched, forwardZones: forward, ownership: { scope, interfaces } };
}

async function observeRestore(ctx: PtrContext, jobId: string): Promise<RestoreObserved> {
  const pacer = sharedPacer(ctx.clock, ctx.settings.requestsPerSecond);
  const saved = await backupsOf(ctx).load(jobId);
  const present: Record<string, string[]> = {};
  for (const zoneId of new Set(saved.map((batch) => batch.zoneId))) {
    const names: string[] = [];
    for await (const page of listRecordSets(ctx.clients.route53, zoneId, { pacer })) {
      for (const record of page) if (record.type === 'PTR') names.push(recordKey(record.name, record.routing?.SetIdentifier));
    }
    present[zoneId] = names;
  }
  return { mode: 'restore', sourceJobId: jobId, saved, present };
}

export function observePtr(ctx: PtrContext, args: PtrArgs): Promise<PtrObserved> {
  return args.mode === 'cleanup' ? observeCleanup(ctx, args.zones) : observeRestore(ctx, args.jobId);
}
