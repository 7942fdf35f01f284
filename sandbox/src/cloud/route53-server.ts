/**
 * Route 53 over REST-XML under /2013-04-01/. Two limits run on REAL time, because clients pace and retry in
 * real time: the per-account request rate (a token bucket answering HTTP 400 `Throttling` / "Rate exceeded")
 * and, per zone, `PriorRequestNotComplete` for a change that arrives while the previous one is still being
 * processed. Both are off unless configured. Not modelled: record set protections.
 */
import { XMLParser } from 'fast-xml-parser';
import { startServiceServer, type ServiceContext, type ServiceReply, type ServiceRequest, type ServiceServer } from './http.js';
import type { AuthRequest } from './iam/evaluate.js';
import { normalizeDnsName } from './net.js';
import { Route53Error, type ChangeAction, type HostedZone, type RecordSet, type Route53Model } from './route53-model.js';
import { isoTime, xmlDocument } from './xml.js';
import { SIGNATURE_MESSAGES } from './iam/signature.js';

const NS = 'https://route53.amazonaws.com/doc/2013-04-01/';
const parser = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'Change' || name === 'ResourceRecord' });

function errorReply(req: ServiceRequest, status: number, code: string, message: string): ServiceReply {
  return {
    status,
    contentType: 'text/xml',
    body: xmlDocument('ErrorResponse', NS, { Error: { Type: status >= 500 ? 'Receiver' : 'Sender', Code: code, Message: message }, RequestId: req.requestId }),
  };
}

const ok = (root: string, body: Record<string, unknown>): ServiceReply => ({ status: 200, contentType: 'text/xml', body: xmlDocument(root, NS, body) });

function zoneXml(z: HostedZone) {
  return {
    Id: `/hostedzone/${z.id}`,
    Name: z.name,
    CallerReference: z.callerReference,
    Config: { Comment: z.comment, PrivateZone: z.privateZone },
    ResourceRecordSetCount: z.records.length,
  };
}

function recordXml(r: RecordSet) {
  return {
    Name: r.name,
    Type: r.type,
    SetIdentifier: r.setIdentifier,
    Weight: r.weight,
    TTL: r.ttl,
    ResourceRecords: r.aliasTarget ? undefined : { ResourceRecord: r.values.map((Value) => ({ Value })) },
    AliasTarget: r.aliasTarget && { HostedZoneId: r.aliasTarget.hostedZoneId, DNSName: r.aliasTarget.dnsName, EvaluateTargetHealth: r.aliasTarget.evaluateTargetHealth },
  };
}

function changeInfoXml(c: { id: string; status: string; submittedAt: number; comment?: string }) {
  return { Id: `/change/${c.id}`, Status: c.status, SubmittedAt: isoTime(c.submittedAt), Comment: c.comment };
}

interface RawRecordSet {
  Name?: string;
  Type?: string;
  TTL?: string;
  SetIdentifier?: string;
  Weight?: string;
  ResourceRecords?: { ResourceRecord?: { Value?: string }[] };
  AliasTarget?: { HostedZoneId?: string; DNSName?: string; EvaluateTargetHealth?: string };
}

function parseChanges(body: string): { changes: { action: ChangeAction; record: RecordSet }[]; comment?: string } {
  const doc = parser.parse(body) as { ChangeResourceRecordSetsRequest?: { ChangeBatch?: { Comment?: string; Changes?: { Change?: { Action?: string; ResourceRecordSet?: RawRecordSet }[] } } } };
  const batch = doc.ChangeResourceRecordSetsRequest?.ChangeBatch;
  const raw = batch?.Changes?.Change;
  if (!raw?.length) throw new Route53Error('InvalidInput', 'Invalid request: Expected exactly one of [Changes], but got none');
  const changes = raw.map((c) => {
    const action = c.Action;
    const rr = c.ResourceRecordSet;
    if ((action !== 'CREATE' && action !== 'DELETE' && action !== 'UPSERT') || !rr?.Name || !rr.Type) {
      throw new Route53Error('InvalidInput', 'Invalid request: each Change needs an Action (CREATE, DELETE, UPSERT) and a ResourceRecordSet with Name and Type');
    }
    const record: RecordSet = {
      name: rr.Name,
      type: rr.Type,
      ttl: rr.TTL === undefined ? undefined : Number(rr.TTL),
      values: (rr.ResourceRecords?.ResourceRecord ?? []).map((v) => String(v.Value ?? '')),
      setIdentifier: rr.SetIdentifier,
      weight: rr.Weight === undefined ? undefined : Number(rr.Weight),
      aliasTarget: rr.AliasTarget && { hostedZoneId: rr.AliasTarget.HostedZoneId ?? '', dnsName: rr.AliasTarget.DNSName ?? '', evaluateTargetHealth: rr.AliasTarget.EvaluateTargetHealth === 'true' },
    };
    return { action: action as ChangeAction, record };
  });
  return { changes, comment: batch?.Comment };
}

/** Requests per second per account, refilled continuously; capacity = one second's worth (at least 1). */
class RealTimeTokenBucket {
  private tokens: number;
  private last = Date.now();
  constructor(private readonly ratePerSecond: number) {
    this.tokens = Math.max(1, ratePerSecond);
  }
  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(Math.max(1, this.ratePerSecond), this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export interface Route53Limits {
  /** Account-wide requests per second. */
  requestsPerSecond?: number;
  /** Real milliseconds a zone needs to process a change batch before it accepts the next one. */
  changeProcessingMs?: number;
}

const zoneArn = (zoneId: string) => `arn:aws:route53:::hostedzone/${zoneId}`;

/**
 * ChangeResourceRecordSets with the condition keys Route 53 offers to scope it: record types, actions and
 * names (normalized: lower case, no trailing dot), each multivalued.
 */
function changeRequest(zoneId: string, changes: { action: ChangeAction; record: RecordSet }[]): AuthRequest {
  const distinct = (values: string[]) => [...new Set(values)];
  return {
    action: 'route53:ChangeResourceRecordSets',
    resource: zoneArn(zoneId),
    context: {
      'route53:ChangeResourceRecordSetsRecordTypes': distinct(changes.map((c) => c.record.type)),
      'route53:ChangeResourceRecordSetsActions': distinct(changes.map((c) => c.action)),
      'route53:ChangeResourceRecordSetsNormalizedRecordNames': distinct(changes.map((c) => normalizeDnsName(c.record.name).replace(/\.$/, ''))),
    },
  };
}

export function startRoute53Server(model: Route53Model, context: ServiceContext, limits: Route53Limits = {}): Promise<ServiceServer> {
  const bucket = limits.requestsPerSecond ? new RealTimeTokenBucket(limits.requestsPerSecond) : undefined;
  const busyUntil = new Map<string, number>();

  function route(req: ServiceRequest): ServiceReply {
    const path = req.path.replace(/\/+$/, '');
    const q = req.query;
    if (req.method === 'GET' && path === '/2013-04-01/hostedzone') {
      req.authorize([{ action: 'route53:ListHostedZones', resource: '*' }]);
      const type = q.get('hostedzonetype');
      const zones = [...model.zones.values()].filter((z) => !type || (type === 'PrivateHostedZone') === z.privateZone).sort((a, b) => a.id.localeCompare(b.id));
      const max = Math.min(Number(q.get('maxitems') ?? 100), 100);
      const marker = q.get('marker');
      const from = marker ? zones.findIndex((z) => z.id === marker) : 0;
      if (from < 0) throw new Route53Error('InvalidInput', `Invalid marker: ${marker}`);
      const page = zones.slice(from, from + max);
      return ok('ListHostedZonesResponse', {
        HostedZones: { HostedZone: page.map(zoneXml) },
        Marker: marker ?? undefined,
        IsTruncated: from + max < zones.length,
        NextMarker: zones[from + max]?.id,
        MaxItems: max,
      });
    }
    if (req.method === 'GET' && path === '/2013-04-01/hostedzonesbyname') {
      req.authorize([{ action: 'route53:ListHostedZonesByName', resource: '*' }]);
      const zones = model.zonesByName();
      const max = Math.min(Number(q.get('maxitems') ?? 100), 100);
      const dnsName = q.get('dnsname');
      const zoneId = q.get('hostedzoneid');
      let from = 0;
      if (dnsName) {
        const name = normalizeDnsName(dnsName);
        const byName = zones.findIndex((z) => z.name === name && (!zoneId || z.id === zoneId));
        from = byName >= 0 ? byName : zones.length;
      }
      const page = zones.slice(from, from + max);
      const next = zones[from + max];
      return ok('ListHostedZonesByNameResponse', {
        HostedZones: { HostedZone: page.map(zoneXml) },
        DNSName: dnsName ?? undefined,
        HostedZoneId: zoneId ?? undefined,
        IsTruncated: next !== undefined,
        NextDNSName: next?.name,
        NextHostedZoneId: next?.id,
        MaxItems: max,
      });
    }
    let m = /^\/2013-04-01\/hostedzone\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && m) {
      req.authorize([{ action: 'route53:GetHostedZone', resource: zoneArn(m[1]!) }]);
      const zone = model.findZone(m[1]!);
      return ok('GetHostedZoneResponse', {
        HostedZone: zoneXml(zone),
        DelegationSet: zone.privateZone ? undefined : { NameServers: { NameServer: ['ns-1536.awsdns-00.co.uk', 'ns-0.awsdns-00.com', 'ns-1024.awsdns-00.org', 'ns-512.awsdns-00.net'] } },
        VPCs: zone.privateZone ? { VPC: zone.vpcs.map((v) => ({ VPCRegion: v.region, VPCId: v.id })) } : undefined,
      });
    }
    m = /^\/2013-04-01\/hostedzone\/([^/]+)\/rrset$/.exec(path);
    if (m && req.method === 'GET') {
      req.authorize([{ action: 'route53:ListResourceRecordSets', resource: zoneArn(m[1]!) }]);
      const result = model.listRecordSets(m[1]!, { name: q.get('name') ?? undefined, type: q.get('type') ?? undefined, identifier: q.get('identifier') ?? undefined }, Number(q.get('maxitems') ?? 300));
      return ok('ListResourceRecordSetsResponse', {
        ResourceRecordSets: { ResourceRecordSet: result.records.map(recordXml) },
        IsTruncated: result.isTruncated,
        NextRecordName: result.next?.name,
        NextRecordType: result.next?.type,
        NextRecordIdentifier: result.next?.identifier,
        MaxItems: result.maxItems,
      });
    }
    if (m && req.method === 'POST') {
      const { changes, comment } = parseChanges(req.body);
      req.authorize([changeRequest(m[1]!, changes)]);
      const zoneId = model.findZone(m[1]!).id;
      if ((busyUntil.get(zoneId) ?? 0) > Date.now()) {
        throw new Route53Error('PriorRequestNotComplete', 'The request was rejected because Route 53 was still processing a prior request.');
      }
      const change = model.changeRecordSets(zoneId, changes, comment);
      if (limits.changeProcessingMs) busyUntil.set(zoneId, Date.now() + limits.changeProcessingMs);
      return ok('ChangeResourceRecordSetsResponse', { ChangeInfo: changeInfoXml({ ...change, status: 'PENDING' }) });
    }
    m = /^\/2013-04-01\/change\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && m) {
      req.authorize([{ action: 'route53:GetChange', resource: `arn:aws:route53:::change/${m[1]!}` }]);
      return ok('GetChangeResponse', { ChangeInfo: changeInfoXml(model.getChange(m[1]!)) });
    }
    throw new Route53Error('InvalidInput', `Unsupported request: ${req.method} ${req.path}`, 404);
  }

  return startServiceServer(
    'route53',
    {
      handle(req) {
        if (bucket && !bucket.take()) return errorReply(req, 400, 'Throttling', 'Rate exceeded');
        try {
          return route(req);
        } catch (err) {
          if (!(err instanceof Route53Error)) throw err;
          // Route 53 lists every rejected change in one message, in brackets.
          const message = err.code === 'InvalidChangeBatch' ? `[${err.messages.join(', ')}]` : err.message;
          return errorReply(req, err.status, err.code, message);
        }
      },
      throttled: (req) => errorReply(req, 400, 'Throttling', 'Rate exceeded'),
      internalError: (req) => errorReply(req, 500, 'InternalFailure', 'An internal error occurred.'),
      invalidCredentials: (req) => errorReply(req, 403, 'InvalidClientTokenId', 'The security token included in the request is invalid.'),
      badSignature: (req, problem) => errorReply(req, problem === 'IncompleteSignature' ? 400 : 403, problem, SIGNATURE_MESSAGES[problem]),
      accessDenied: (req, error) => errorReply(req, 403, 'AccessDenied', error.message),
    },
    context,
  );
}
