/** Shapes shared by observe, plan, render and steps of the PTR cleanup. */
import type { RecordSet, RoutingFields } from '../../integrations/aws/route53.js';

export type PtrArgs = { mode: 'cleanup'; zones: string[]; dryRun: boolean } | { mode: 'restore'; jobId: string; dryRun: boolean };

/** A PTR record as an exact DELETE or a re-CREATE needs it: a batch's worth at a time (plans keep them packed). */
export type CompactRecord = [name: string, ttl: number, values: string[], routing?: RoutingFields];

export const recordName = (record: CompactRecord): string => record[0];
export const recordValues = (record: CompactRecord): string[] => record[2];

export function compact(record: RecordSet): CompactRecord {
  const tuple: CompactRecord = [record.name, record.ttl ?? 0, record.values];
  if (record.routing) tuple.push(record.routing);
  return tuple;
}

export function expand(record: CompactRecord): RecordSet {
  const [name, ttl, values, routing] = record;
  return routing ? { name, type: 'PTR', ttl, values, routing } : { name, type: 'PTR', ttl, values };
}

/** Records packed as text, a line each (packed-records.ts). */
export interface PackedRecords {
  count: number;
  lines: string;
}

/** Which interfaces decide ownership: the VPCs the zones are attached to, or the whole region for public zones. */
export type OwnershipScope = { vpcIds: string[] } | { allVpcs: true };

export interface ObservedZone {
  id: string;
  name: string;
  privateZone: boolean;
  vpcs: { vpcId: string; region: string }[];
  /**
   * The PTR record sets whose name is not an IP an interface holds, packed: what the planner decides on. Those
   * whose IP is held are only counted (`live`), so a scan of 1,000,000 records keeps neither the live half nor an
   * object per record of the other.
   */
  ptr: PackedRecords;
  /** Names of the PTR alias records among them (an alias has no TTL or values to pack): never deleted. */
  aliases: string[];
  live: number;
  otherRecords: number;
}

export interface Ownership {
  scope: OwnershipScope;
  interfaces: number;
}

export interface CleanupObserved {
  mode: 'cleanup';
  region: string;
  zones: ObservedZone[];
  /** `--zone` arguments that matched no hosted zone. */
  unmatchedZones: string[];
  /** `--zone` arguments that matched a forward (non-reverse) zone. */
  forwardZones: string[];
  ownership: Ownership;
}

export interface SavedBatch {
  zoneId: string;
  zoneName: string;
  /** `<zoneId>/<batch index>`: unique within a run. */
  key: string;
  /** 'pending' is written before the change is sent; 'deleted' once Route 53 accepted it. */
  state: 'pending' | 'deleted';
  records: CompactRecord[];
}

export interface RestoreObserved {
  mode: 'restore';
  sourceJobId: string;
  saved: SavedBatch[];
  /** PTR names (with SetIdentifier when routed) present now, per zone id. */
  present: Record<string, string[]>;
}

export type PtrObserved = CleanupObserved | RestoreObserved;

export type SkipReason = 'not-an-ip' | 'foreign-vpc' | 'protected-zone' | 'alias' | 'routing-policy' | 'protected-cidr' | 'protected-pattern';

export const SKIP_REASON_TEXT: Record<SkipReason, string> = {
  'not-an-ip': 'name is not an IP address',
  'foreign-vpc': 'zone attached to a VPC in another region (not scanned)',
  'protected-zone': 'protected zone',
  alias: 'alias record',
  'routing-policy': 'routing policy (not allowed by policy)',
  'protected-cidr': 'IP in a protected CIDR',
  'protected-pattern': 'target matches a protected pattern',
};

export interface ZoneRecords {
  id: string;
  name: string;
  records: PackedRecords;
}

export interface ZoneSummary {
  id: string;
  name: string;
  ptr: number;
  live: number;
  stale: number;
  skipped: number;
}

export interface SkippedRecord {
  zone: string;
  name: string;
  reason: SkipReason;
  detail?: string;
}

export interface CleanupPlan {
  mode: 'cleanup';
  /** Zones with records to delete, each with its records in Route 53's listing order. */
  zones: ZoneRecords[];
  scanned: ZoneSummary[];
  totals: { zones: number; ptr: number; live: number; stale: number; skipped: number; interfaces: number };
  skippedByReason: Partial<Record<SkipReason, number>>;
  /** The first skipped records (at most SKIPPED_KEPT), for the CSV. */
  skipped: SkippedRecord[];
  ownershipScope: OwnershipScope;
  policyNotes: string[];
}

export interface RestorePlan {
  mode: 'restore';
  sourceJobId: string;
  zones: ZoneRecords[];
  total: number;
  alreadyPresent: number;
}

export type PtrPlan = CleanupPlan | RestorePlan;

export interface ZoneProgress {
  complete: boolean;
  /** Index of the next batch to send; batches below it are confirmed. */
  nextBatch: number;
  /** The batch that was being sent when the state was last saved: it may have reached Route 53. */
  inFlight?: number;
  applied: number;
  /** Live again at apply time (DELETE) or present already (CREATE). */
  droppedLive: number;
  alreadyDone: number;
  changedSincePlan: number;
  rejected: number;
  lastChangeId?: string;
  insync?: boolean;
}

export interface PtrState {
  jobId?: string;
  zones: Record<string, ZoneProgress>;
  /** Records left alone at apply time, with why (at most PROBLEMS_KEPT; counts are in `zones`). */
  problems: { zone: string; name: string; problem: string }[];
  /** Set by the INSYNC step: false when Route 53 had not finished within its timeout. */
  insync?: boolean;
}

export const SKIPPED_KEPT = 1000;
export const PROBLEMS_KEPT = 200;
