/**
 * Route 53 hosted zones and record sets. Each zone keeps its record sets in one array sorted the way
 * ListResourceRecordSets returns them (name by reversed labels, then type, then set identifier), plus an
 * index by key, so a page is a binary search and a slice even with 100,000 records.
 */
import type { VirtualClock } from '../clock.js';
import type { MutationLog } from '../contracts.js';
import { normalizeDnsName } from './net.js';
import type { AwsScenario, ScenarioRecordSet } from './scenario.js';

export interface RecordSet {
  name: string;
  type: string;
  ttl?: number;
  values: string[];
  setIdentifier?: string;
  weight?: number;
  aliasTarget?: { hostedZoneId: string; dnsName: string; evaluateTargetHealth: boolean };
}

interface StoredRecordSet extends RecordSet {
  sortKey: string;
}

export interface HostedZone {
  id: string;
  name: string;
  privateZone: boolean;
  comment?: string;
  callerReference: string;
  vpcs: { region: string; id: string }[];
  records: StoredRecordSet[];
  index: Map<string, StoredRecordSet>;
}

export interface ChangeInfo {
  id: string;
  submittedAt: number;
  insyncAt: number;
  comment?: string;
}

export type ChangeAction = 'CREATE' | 'DELETE' | 'UPSERT';

export class Route53Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** InvalidChangeBatch carries one message per rejected change. */
    readonly messages: string[] = [],
  ) {
    super(message);
  }
}

/** Limits of one ChangeResourceRecordSets request (UPSERT values count twice). */
export const MAX_VALUES_PER_CHANGE_BATCH = 1000;
export const MAX_VALUE_CHARS_PER_CHANGE_BATCH = 32000;
export const MAX_RECORDS_PER_PAGE = 300;

/** Labels reversed and separated by \x01, so a parent sorts before its children and shorter labels first. */
function sortKey(name: string, type: string, setIdentifier = ''): string {
  return `${name.replace(/\.$/, '').split('.').reverse().join('\x01')}\x00${type}\x00${setIdentifier}`;
}

function lowerBound(records: StoredRecordSet[], key: string): number {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (records[mid]!.sortKey < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function describe(r: RecordSet): string {
  return `[name='${r.name}', type='${r.type}'${r.setIdentifier !== undefined ? `, set-identifier='${r.setIdentifier}'` : ''}]`;
}

function sameValues(a: RecordSet, b: RecordSet): boolean {
  const av = [...a.values].sort();
  const bv = [...b.values].sort();
  return (
    a.ttl === b.ttl &&
    a.weight === b.weight &&
    av.length === bv.length &&
    av.every((v, i) => v === bv[i]) &&
    JSON.stringify(a.aliasTarget ?? null) === JSON.stringify(b.aliasTarget ?? null)
  );
}

export class Route53Model {
  readonly zones = new Map<string, HostedZone>();
  readonly changes = new Map<string, ChangeInfo>();
  private readonly syncMs: number;

  constructor(
    private readonly scenario: AwsScenario,
    private readonly clock: VirtualClock,
    private readonly log: MutationLog,
    private readonly random: () => number,
  ) {
    this.syncMs = scenario.route53SyncSeconds * 1000;
    for (const z of scenario.hostedZones) {
      const zone = this.createZone({ id: z.id, name: z.name, privateZone: z.private, comment: z.comment });
      this.addRecords(zone, z.records.map((r: ScenarioRecordSet) => ({ ...r, aliasTarget: r.aliasTarget })));
    }
  }

  createZone(spec: { id: string; name: string; privateZone: boolean; comment?: string }): HostedZone {
    const name = normalizeDnsName(spec.name);
    const zone: HostedZone = {
      ...spec,
      name,
      callerReference: `sandbox-${spec.id}`,
      vpcs: spec.privateZone ? [{ region: this.scenario.region, id: this.scenario.vpc.id }] : [],
      records: [],
      index: new Map(),
    };
    this.zones.set(zone.id, zone);
    this.addRecords(zone, [
      { name, type: 'SOA', ttl: 900, values: [`ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400`] },
      { name, type: 'NS', ttl: 172800, values: ['ns-1536.awsdns-00.co.uk.', 'ns-0.awsdns-00.com.', 'ns-1024.awsdns-00.org.', 'ns-512.awsdns-00.net.'] },
    ]);
    return zone;
  }

  /** Bulk load (scenario, generators): append, then sort once. Names are normalized; duplicates are an error. */
  addRecords(zone: HostedZone, records: RecordSet[]): void {
    for (const r of records) {
      const name = normalizeDnsName(r.name);
      const stored: StoredRecordSet = { ...r, name, sortKey: sortKey(name, r.type, r.setIdentifier) };
      if (zone.index.has(stored.sortKey)) throw new Error(`duplicate record set ${describe(stored)} in ${zone.name}`);
      zone.index.set(stored.sortKey, stored);
      zone.records.push(stored);
    }
    zone.records.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
  }

  hasRecordSet(zone: HostedZone, name: string, type: string, setIdentifier?: string): boolean {
    return zone.index.has(sortKey(normalizeDnsName(name), type, setIdentifier));
  }

  findZone(id: string): HostedZone {
    const zone = this.zones.get(id.replace(/^\/hostedzone\//, ''));
    if (!zone) throw new Route53Error('NoSuchHostedZone', `No hosted zone found with ID: ${id}`, 404);
    return zone;
  }

  /** Zones in ListHostedZonesByName order: reversed labels. */
  zonesByName(): HostedZone[] {
    return [...this.zones.values()].sort((a, b) => {
      const ka = sortKey(a.name, '', a.id);
      const kb = sortKey(b.name, '', b.id);
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
  }

  listRecordSets(
    zoneId: string,
    start: { name?: string; type?: string; identifier?: string },
    maxItems = MAX_RECORDS_PER_PAGE,
  ): { records: RecordSet[]; isTruncated: boolean; next?: { name: string; type: string; identifier?: string }; maxItems: number } {
    const zone = this.findZone(zoneId);
    if (start.type !== undefined && start.name === undefined) throw new Route53Error('InvalidInput', 'The input is not valid: StartRecordType requires StartRecordName');
    const limit = Math.min(Math.max(1, maxItems), MAX_RECORDS_PER_PAGE);
    const from = start.name === undefined ? 0 : lowerBound(zone.records, sortKey(normalizeDnsName(start.name), start.type ?? '', start.identifier ?? ''));
    const records = zone.records.slice(from, from + limit);
    const nextRecord = zone.records[from + limit];
    return {
      records,
      isTruncated: nextRecord !== undefined,
      next: nextRecord && { name: nextRecord.name, type: nextRecord.type, identifier: nextRecord.setIdentifier },
      maxItems: limit,
    };
  }

  /** All-or-nothing change batch with Route 53's validation and limits. */
  changeRecordSets(zoneId: string, changes: { action: ChangeAction; record: RecordSet }[], comment?: string): ChangeInfo {
    const zone = this.findZone(zoneId);
    let values = 0;
    let chars = 0;
    for (const { action, record } of changes) {
      const weight = action === 'UPSERT' ? 2 : 1;
      values += record.values.length * weight;
      chars += record.values.reduce((n, v) => n + v.length, 0) * weight;
    }
    if (values > MAX_VALUES_PER_CHANGE_BATCH) throw this.invalidBatch([`Number of records limit of ${MAX_VALUES_PER_CHANGE_BATCH} exceeded.`]);
    if (chars > MAX_VALUE_CHARS_PER_CHANGE_BATCH) throw this.invalidBatch([`Number of characters limit of ${MAX_VALUE_CHARS_PER_CHANGE_BATCH} for resource record values exceeded.`]);

    // Validate against a working view so later changes see earlier ones (e.g. DELETE then CREATE of the same set).
    const view = new Map<string, StoredRecordSet | null>();
    const current = (key: string) => (view.has(key) ? view.get(key)! : (zone.index.get(key) ?? null));
    const errors: string[] = [];
    for (const { action, record } of changes) {
      const name = normalizeDnsName(record.name);
      const stored: StoredRecordSet = { ...record, name, sortKey: sortKey(name, record.type, record.setIdentifier) };
      const existing = current(stored.sortKey);
      if (name !== zone.name && !name.endsWith(`.${zone.name}`)) {
        errors.push(`RRSet with DNS name ${name} is not permitted in zone ${zone.name}`);
      } else if (action === 'CREATE') {
        if (existing) errors.push(`Tried to create resource record set ${describe(stored)} but it already exists`);
        else view.set(stored.sortKey, stored);
      } else if (action === 'DELETE') {
        if (!existing) errors.push(`Tried to delete resource record set ${describe(stored)} but it was not found`);
        else if (!sameValues(existing, stored)) errors.push(`Tried to delete resource record set ${describe(stored)} but the values provided do not match the current values`);
        else if (name === zone.name && (stored.type === 'SOA' || stored.type === 'NS')) errors.push(`A HostedZone must contain at least one ${stored.type} record for the zone itself.`);
        else view.set(stored.sortKey, null);
      } else {
        view.set(stored.sortKey, stored);
      }
    }
    if (errors.length) throw this.invalidBatch(errors);

    for (const [key, record] of view) {
      const at = lowerBound(zone.records, key);
      const present = zone.records[at]?.sortKey === key;
      if (record) {
        zone.records.splice(at, present ? 1 : 0, record);
        zone.index.set(key, record);
      } else if (present) {
        zone.records.splice(at, 1);
        zone.index.delete(key);
      }
    }
    const now = this.clock.now();
    const change: ChangeInfo = { id: this.changeId(), submittedAt: now, insyncAt: now + this.syncMs, comment };
    this.changes.set(change.id, change);
    this.log.record({
      at: now,
      service: 'route53',
      action: 'ChangeResourceRecordSets',
      target: zone.id,
      details: { changeId: change.id, changes: changes.map((c) => ({ action: c.action, name: normalizeDnsName(c.record.name), type: c.record.type, values: c.record.values })) },
    });
    return change;
  }

  getChange(id: string): ChangeInfo & { status: 'PENDING' | 'INSYNC' } {
    const change = this.changes.get(id.replace(/^\/change\//, ''));
    if (!change) throw new Route53Error('NoSuchChange', `A change with the specified change ID does not exist: ${id}`, 404);
    return { ...change, status: this.clock.now() >= change.insyncAt ? 'INSYNC' : 'PENDING' };
  }

  private invalidBatch(messages: string[]): Route53Error {
    return new Route53Error('InvalidChangeBatch', messages.join('; '), 400, messages);
  }

  private changeId(): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    let id = 'C';
    while (id.length < 21) id += alphabet[Math.floor(this.random() * alphabet.length)];
    return id;
  }
}
