/**
 * The PTR cleanup planner: pure. A PTR record is stale when the IP its name encodes is held by no
 * network interface (observe counts the held ones); a stale record is deleted unless a named policy keeps it.
 */
import type { PlanOutcome } from '../kind.js';
import { inScope } from '../scope.js';
import type { RecordSet } from '../../integrations/aws/route53.js';
import { AddressSet, cidrContains, parseCidr, type Cidr, type Ip } from './ip.js';
import { filterRecords, packRecords } from './packed-records.js';
import { ptrNameToIp } from './reverse-names.js';
import type { PtrCleanupSettings } from './settings.js';
import {
  expand,
  recordName,
  SKIPPED_KEPT,
  type CompactRecord,
  type CleanupObserved,
  type CleanupPlan,
  type ObservedZone,
  type PtrArgs,
  type PtrObserved,
  type PtrPlan,
  type RestoreObserved,
  type RestorePlan,
  type SkipReason,
  type ZoneRecords,
  type ZoneSummary,
} from './model.js';

export type Verdict = { kind: 'stale' } | { kind: 'skip'; reason: SkipReason; detail?: string };

interface Policies {
  settings: PtrCleanupSettings;
  protectedCidrs: { text: string; cidr: Cidr }[];
  protectedPatterns: RegExp[];
  region: string;
}

// --- policies: each says why a stale record is kept, or nothing ---

export function zoneIsProtected(zone: Pick<ObservedZone, 'id' | 'name'>, protectedZones: string[]): boolean {
  const normalize = (text: string) => text.toLowerCase().replace(/^\/?hostedzone\//, '').replace(/\.?$/, '.');
  const mine = new Set([normalize(zone.id), normalize(zone.name)]);
  return protectedZones.some((entry) => mine.has(normalize(entry)));
}

/** Interfaces are read in this region only; a zone also serving another region's VPC cannot be judged. */
export function foreignVpc(zone: ObservedZone, region: string): string | undefined {
  const other = zone.vpcs.find((vpc) => vpc.region !== region);
  return other && `${other.vpcId} in ${other.region}`;
}

export function routingPolicyBlocks(record: RecordSet, settings: PtrCleanupSettings): boolean {
  return record.routing !== undefined && !settings.allowRoutingPolicies;
}

export function protectedCidrOf(ip: Ip, cidrs: Policies['protectedCidrs']): string | undefined {
  return cidrs.find(({ cidr }) => cidrContains(cidr, ip))?.text;
}

export function protectedPatternOf(values: string[], patterns: RegExp[]): string | undefined {
  return patterns.find((pattern) => values.some((value) => pattern.test(value)))?.source;
}

/** For a record whose IP no interface holds (observe counted the others): stale, or why it is kept. */
export function classify(zone: ObservedZone, record: RecordSet, policies: Policies): Verdict {
  const decoded = ptrNameToIp(record.name);
  if (!decoded.ok) return { kind: 'skip', reason: 'not-an-ip', detail: decoded.reason };
  const foreign = foreignVpc(zone, policies.region);
  if (foreign) return { kind: 'skip', reason: 'foreign-vpc', detail: foreign };
  if (zoneIsProtected(zone, policies.settings.protectedZones)) return { kind: 'skip', reason: 'protected-zone' };
  if (record.alias) return { kind: 'skip', reason: 'alias' };
  if (routingPolicyBlocks(record, policies.settings)) return { kind: 'skip', reason: 'routing-policy', detail: record.routing?.SetIdentifier };
  const cidr = protectedCidrOf(decoded.ip, policies.protectedCidrs);
  if (cidr) return { kind: 'skip', reason: 'protected-cidr', detail: cidr };
  const pattern = protectedPatternOf(record.values, policies.protectedPatterns);
  if (pattern) return { kind: 'skip', reason: 'protected-pattern', detail: pattern };
  return { kind: 'stale' };
}

/** A name whose IP an interface holds (again): its record is never deleted. */
export function isLiveName(name: string, owned: AddressSet): boolean {
  const decoded = ptrNameToIp(name);
  return decoded.ok && owned.has(decoded.ip);
}

export function isLiveRecord(record: CompactRecord, owned: AddressSet): boolean {
  return isLiveName(recordName(record), owned);
}

/** Over either limit the plan is still offered, but needs a second approver. */
export function secondApproverNotes(plan: Pick<CleanupPlan, 'totals' | 'scanned'>, settings: PtrCleanupSettings): string[] {
  const notes: string[] = [];
  if (plan.totals.stale > settings.maxDeletesPerRun) {
    notes.push(`${plan.totals.stale} deletes exceed maxDeletesPerRun (${settings.maxDeletesPerRun}): a second approver is needed.`);
  }
  for (const zone of plan.scanned) {
    if (zone.stale > 0 && zone.stale / zone.ptr > settings.maxZoneShare) {
      const share = Math.round((zone.stale / zone.ptr) * 100);
      notes.push(`${zone.name}: ${share}% of its PTR records would go, above maxZoneShare (${Math.round(settings.maxZoneShare * 100)}%): a second approver is needed.`);
    }
  }
  return notes;
}

// --- planners ---

export function planCleanup(observed: CleanupObserved, settings: PtrCleanupSettings): PlanOutcome<CleanupPlan> {
  if (observed.unmatchedZones.length > 0) {
    return { kind: 'refusal', reason: `No hosted zone matches ${observed.unmatchedZones.map((z) => `\`${z}\``).join(', ')}: give a zone id (Z…) or name (10.in-addr.arpa).` };
  }
  if (observed.forwardZones.length > 0) {
    return { kind: 'refusal', reason: `${observed.forwardZones.map((z) => `\`${z}\``).join(', ')} is not a reverse zone (in-addr.arpa or ip6.arpa): PTR cleanup only reads reverse zones.` };
  }
  const policies: Policies = {
    settings,
    protectedCidrs: settings.protectedCidrs.map((text) => ({ text, cidr: parseCidr(text)! })),
    protectedPatterns: settings.protectedPatterns.map((source) => new RegExp(source)),
    region: observed.region,
  };
  const plan: CleanupPlan = {
    mode: 'cleanup',
    zones: [],
    scanned: [],
    totals: { zones: observed.zones.length, ptr: 0, live: 0, stale: 0, skipped: 0, interfaces: observed.ownership.interfaces },
    skippedByReason: {},
    skipped: [],
    ownershipScope: observed.ownership.scope,
    policyNotes: [],
  };
  for (const zone of observed.zones) {
    const summary: ZoneSummary = { id: zone.id, name: zone.name, ptr: zone.live + zone.ptr.count + zone.aliases.length, live: zone.live, stale: 0, skipped: 0 };
    const kept = (record: RecordSet): boolean => {
      const verdict = classify(zone, record, policies);
      if (verdict.kind === 'stale') return true;
      summary.skipped++;
      plan.skippedByReason[verdict.reason] = (plan.skippedByReason[verdict.reason] ?? 0) + 1;
      if (plan.skipped.length < SKIPPED_KEPT) plan.skipped.push({ zone: zone.name, name: record.name, reason: verdict.reason, detail: verdict.detail });
      return false;
    };
    const deletions = filterRecords(zone.ptr, (record) => kept(expand(record)));
    // An alias is always skipped (classify says why); it has no TTL or values to delete by.
    for (const name of zone.aliases) kept({ name, type: 'PTR', values: [], alias: true });
    summary.stale = deletions.count;
    plan.scanned.push(summary);
    if (deletions.count > 0) plan.zones.push({ id: zone.id, name: zone.name, records: deletions });
    plan.totals.ptr += summary.ptr;
    plan.totals.live += summary.live;
    plan.totals.stale += summary.stale;
    plan.totals.skipped += summary.skipped;
  }
  plan.policyNotes = secondApproverNotes(plan, settings);
  if (plan.totals.stale === 0) {
    const emptyReason = observed.zones.length === 0 ? 'no reverse zones to scan' : 'no stale PTR records: every PTR name belongs to a live interface or is kept by policy';
    return { kind: 'plan', plan, empty: true, emptyReason };
  }
  return plan.policyNotes.length > 0
    ? { kind: 'plan', plan, empty: false, extraApprovals: 1, notes: plan.policyNotes }
    : { kind: 'plan', plan, empty: false };
}

/** Identity of a record set within a zone: the name, plus SetIdentifier for routed records. */
export function recordKey(name: string, setIdentifier?: string): string {
  return setIdentifier === undefined ? name : `${name}|${setIdentifier}`;
}

/** Re-create exactly what the run saved, except records present again (CREATE never overwrites). */
export function planRestore(observed: RestoreObserved): PlanOutcome<RestorePlan> {
  if (observed.saved.length === 0) {
    return { kind: 'refusal', reason: `No saved records for job \`${observed.sourceJobId}\` (saved records are kept 30 days; check the job id with \`/deckhand jobs\`).` };
  }
  const byZone = new Map<string, { id: string; name: string; records: CompactRecord[]; seen: Set<string> }>();
  let alreadyPresent = 0;
  let total = 0;
  for (const batch of observed.saved) {
    const present = new Set(observed.present[batch.zoneId] ?? []);
    const zone = byZone.get(batch.zoneId) ?? { id: batch.zoneId, name: batch.zoneName, records: [], seen: new Set<string>() };
    byZone.set(batch.zoneId, zone);
    for (const record of batch.records) {
      const key = recordKey(record[0], record[3]?.SetIdentifier);
      if (zone.seen.has(key)) continue;
      zone.seen.add(key);
      if (present.has(key)) alreadyPresent++;
      else {
        zone.records.push(record);
        total++;
      }
    }
  }
  const zones = [...byZone.values()]
    .filter((zone) => zone.records.length > 0)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map(({ id, name, records }): ZoneRecords => ({ id, name, records: packRecords(records) }));
  const plan: RestorePlan = { mode: 'restore', sourceJobId: observed.sourceJobId, zones, total, alreadyPresent };
  if (total === 0) return { kind: 'plan', plan, empty: true, emptyReason: 'every saved record is already in place' };
  return { kind: 'plan', plan, empty: false };
}

export function planPtr(observed: PtrObserved, args: PtrArgs, _now: number, settings: PtrCleanupSettings): PlanOutcome<PtrPlan> {
  if (observed.mode === 'restore' && args.mode === 'restore') return planRestore(observed);
  if (observed.mode === 'cleanup' && args.mode === 'cleanup') {
    const inPolicy = (zone: ObservedZone) => inScope([zone.id, zone.name, zone.name.replace(/\.$/, '')], settings.zones);
    const outside = observed.zones.filter((zone) => !inPolicy(zone));
    if (args.zones.length > 0 && outside.length > 0) {
      return { kind: 'refusal', reason: `the policy does not let ptr-cleanup touch ${outside.map((z) => `\`${z.name}\``).join(', ')} (commands.ptr-cleanup.settings.zones: ${settings.zones.join(', ')}).` };
    }
    return planCleanup({ ...observed, zones: observed.zones.filter(inPolicy) }, settings);
  }
  throw new Error(`observation (${observed.mode}) does not match the command (${args.mode})`);
}

/**
 * What the plan was based on, kept with it: the zones in scope, their VPCs and the saved records of a
 * restore. Approval does not compare it (revalidate.ts re-reads the interfaces instead of every zone).
 */
export function* fingerprintLines(observed: PtrObserved): Generator<string> {
  if (observed.mode === 'restore') {
    yield `restore ${observed.sourceJobId}`;
    for (const batch of observed.saved) yield `${batch.key} ${batch.state} ${batch.records.length}`;
    return;
  }
  yield `cleanup ${observed.unmatchedZones.join(',')} ${observed.forwardZones.join(',')} ${JSON.stringify(observed.ownership.scope)}`;
  for (const zone of observed.zones) yield `zone ${zone.id} ${JSON.stringify(zone.vpcs)}`;
}
