/**
 * Route 53 port: hosted zones, record sets, changes. Record sets come back as compact values so a
 * caller scanning 100,000 records keeps neither the XML nor the SDK objects. Every request first
 * awaits `pacer.take()` when a pacer is given, so a caller can hold all its calls to the account's
 * request rate, and reports how many attempts the SDK needed (more than 1: it was throttled).
 */
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  GetHostedZoneCommand,
  ListResourceRecordSetsCommand,
  paginateListHostedZones,
  type ResourceRecordSet,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { isAwsThrottling } from './errors.js';

export interface Pacer {
  take(): Promise<void>;
  settled(attempts: number): void;
}

export interface HostedZone {
  /** Without the `/hostedzone/` prefix. */
  id: string;
  /** Lowercase with a trailing dot, as Route 53 returns it. */
  name: string;
  privateZone: boolean;
  recordCount?: number;
}

/** Routing-policy fields a DELETE must repeat exactly (SetIdentifier, Weight, Region, ...). */
export type RoutingFields = Pick<
  ResourceRecordSet,
  | 'SetIdentifier'
  | 'Weight'
  | 'Region'
  | 'GeoLocation'
  | 'Failover'
  | 'MultiValueAnswer'
  | 'HealthCheckId'
  | 'TrafficPolicyInstanceId'
  | 'CidrRoutingConfig'
  | 'GeoProximityLocation'
>;

export interface RecordSet {
  name: string;
  type: string;
  /** Absent for alias records. */
  ttl?: number;
  values: string[];
  /** Present only for records with a routing policy. */
  routing?: RoutingFields;
  alias?: boolean;
}

export interface RecordChange {
  action: 'CREATE' | 'DELETE';
  record: RecordSet;
}

export interface ChangeInfo {
  id: string;
  status: 'PENDING' | 'INSYNC';
}

const ROUTING_KEYS = [
  'SetIdentifier',
  'Weight',
  'Region',
  'GeoLocation',
  'Failover',
  'MultiValueAnswer',
  'HealthCheckId',
  'TrafficPolicyInstanceId',
  'CidrRoutingConfig',
  'GeoProximityLocation',
] as const satisfies readonly (keyof RoutingFields)[];

const unpaced: Pacer = { take: async () => {}, settled: () => {} };

/** Sends one request through the pacer. */
async function paced<T extends { $metadata: { attempts?: number } }>(pacer: Pacer, send: () => Promise<T>): Promise<T> {
  await pacer.take();
  const out = await send();
  pacer.settled(out.$metadata.attempts ?? 1);
  return out;
}

/** Reads still throttled (or cut off) after the SDK's retries are tried again. */
const THROTTLED_READ_ATTEMPTS = 8;

/**
 * A connection closed under a request (the SDK names it TimeoutError): once a long scan has used up the SDK
 * client's retry quota, the SDK gives up on it at the first attempt. An error from another realm reaches us
 * only as the SDK's wrapper message ("AWS SDK error wrapper for TimeoutError: socket hang up").
 */
function isConnectionCut(error: unknown): boolean {
  const { name, code, message } = (error ?? {}) as { name?: string; code?: string; message?: string };
  return name === 'TimeoutError' || code === 'ECONNRESET' || code === 'EPIPE' || /\bTimeoutError\b|ECONNRESET|socket hang up/.test(message ?? '');
}

/**
 * A read sent through the pacer, tried again while Route 53 throttles it or the connection is cut: a scan of
 * 100 zones can use up the SDK client's retry quota, and a read is safe to repeat. Each such try slows the
 * pacer down.
 */
async function pacedRead<T extends { $metadata: { attempts?: number } }>(pacer: Pacer, send: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await paced(pacer, send);
    } catch (error) {
      if (!(isAwsThrottling(error) || isConnectionCut(error)) || attempt >= THROTTLED_READ_ATTEMPTS) throw error;
      pacer.settled(Number.POSITIVE_INFINITY);
    }
  }
}

export function bareZoneId(id: string): string {
  return id.replace(/^\/?hostedzone\//, '');
}

function bareChangeId(id: string): string {
  return id.replace(/^\/?change\//, '');
}

export async function listHostedZones(route53: Route53Client, pacer: Pacer = unpaced): Promise<HostedZone[]> {
  const zones: HostedZone[] = [];
  await pacer.take();
  for await (const page of paginateListHostedZones({ client: route53 }, {})) {
    pacer.settled(page.$metadata.attempts ?? 1);
    for (const zone of page.HostedZones ?? []) {
      zones.push({
        id: bareZoneId(zone.Id!),
        name: zone.Name!.toLowerCase(),
        privateZone: zone.Config?.PrivateZone ?? false,
        recordCount: zone.ResourceRecordSetCount,
      });
    }
    // The paginator sends the next request only when the loop asks for the next page.
    if (page.IsTruncated) await pacer.take();
  }
  return zones;
}

/** VPCs a private zone is associated with (empty for a public zone). */
export async function getHostedZoneVpcs(
  route53: Route53Client,
  zoneId: string,
  pacer: Pacer = unpaced,
): Promise<{ vpcId: string; region: string }[]> {
  const out = await pacedRead(pacer, () => route53.send(new GetHostedZoneCommand({ Id: zoneId })));
  return (out.VPCs ?? []).map((vpc) => ({ vpcId: vpc.VPCId!, region: vpc.VPCRegion! }));
}

/** ListResourceRecordSets answers at most this many record sets a page (docs/platform-facts.md#route-53). */
export const RECORD_SETS_PER_PAGE = 300;

export interface RecordPosition {
  name: string;
  type: string;
  identifier?: string;
}

/**
 * All record sets of a zone, a page (at most 300) at a time, from `start` when given (Route 53 order:
 * names by reversed labels, then type). The SDK has no paginator for this three-part token.
 */
export async function* listRecordSets(
  route53: Route53Client,
  zoneId: string,
  options: { start?: RecordPosition; pacer?: Pacer } = {},
): AsyncGenerator<RecordSet[]> {
  const pacer = options.pacer ?? unpaced;
  let next: RecordPosition | undefined = options.start;
  do {
    const position = next;
    const out = await pacedRead(pacer, () =>
      route53.send(
        new ListResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          MaxItems: RECORD_SETS_PER_PAGE,
          StartRecordName: position?.name,
          StartRecordType: position?.type as never,
          StartRecordIdentifier: position?.identifier,
        }),
      ),
    );
    yield (out.ResourceRecordSets ?? []).map(toRecordSet);
    next = out.IsTruncated ? { name: out.NextRecordName!, type: out.NextRecordType!, identifier: out.NextRecordIdentifier } : undefined;
  } while (next);
}

function toRecordSet(rrset: ResourceRecordSet): RecordSet {
  const record: RecordSet = {
    name: rrset.Name!.toLowerCase(),
    type: rrset.Type!,
    values: (rrset.ResourceRecords ?? []).map((r) => r.Value!),
  };
  if (rrset.TTL !== undefined) record.ttl = rrset.TTL;
  if (rrset.AliasTarget) record.alias = true;
  const routing: RoutingFields = {};
  for (const key of ROUTING_KEYS) {
    if (rrset[key] !== undefined) Object.assign(routing, { [key]: rrset[key] });
  }
  if (Object.keys(routing).length > 0) record.routing = routing;
  return record;
}

/** One atomic change batch. Throws the SDK's `InvalidChangeBatch` (with `messages`) when rejected. */
export async function changeRecordSets(
  route53: Route53Client,
  zoneId: string,
  changes: RecordChange[],
  options: { comment?: string; pacer?: Pacer } = {},
): Promise<ChangeInfo> {
  const command = new ChangeResourceRecordSetsCommand({
    HostedZoneId: zoneId,
    ChangeBatch: {
      Comment: options.comment,
      Changes: changes.map(({ action, record }) => ({
        Action: action,
        ResourceRecordSet: {
          Name: record.name,
          Type: record.type as never,
          TTL: record.ttl,
          ResourceRecords: record.values.map((Value) => ({ Value })),
          ...record.routing,
        },
      })),
    },
  });
  const out = await paced(options.pacer ?? unpaced, () => route53.send(command));
  return { id: bareChangeId(out.ChangeInfo!.Id!), status: out.ChangeInfo!.Status as ChangeInfo['status'] };
}

export async function getChange(route53: Route53Client, changeId: string, pacer: Pacer = unpaced): Promise<ChangeInfo> {
  const out = await pacedRead(pacer, () => route53.send(new GetChangeCommand({ Id: changeId })));
  return { id: bareChangeId(out.ChangeInfo!.Id!), status: out.ChangeInfo!.Status as ChangeInfo['status'] };
}
