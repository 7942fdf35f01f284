/** EC2 over the EC2 Query protocol (form POST, XML in the 2016-11-15 namespace, `item` lists). */
import type { Ec2Model, Instance, NetworkInterface, SpotPrice, Volume, VolumeModification } from './ec2-model.js';
import { startServiceServer, type ServiceContext, type ServiceReply, type ServiceRequest, type ServiceServer } from './http.js';
import type { AccessDeniedError } from './iam/authorizer.js';
import { privateDnsName } from './net.js';
import { QueryParams } from './query.js';
import { isoTime, xmlDocument } from './xml.js';
import { SIGNATURE_MESSAGES } from './iam/signature.js';

const NS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const STATE_CODES = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48 } as const;

export class Ec2Error extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function errorReply(req: ServiceRequest, status: number, code: string, message: string): ServiceReply {
  return {
    status,
    contentType: 'text/xml',
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${req.requestId}</RequestID></Response>`,
  };
}

function ok(req: ServiceRequest, action: string, body: Record<string, unknown>): ServiceReply {
  return { status: 200, contentType: 'text/xml', body: xmlDocument(`${action}Response`, NS, { requestId: req.requestId, ...body }) };
}

const items = <T>(list: T[]) => ({ item: list });
const tagSet = (tags: Record<string, string>) => items(Object.entries(tags).map(([key, value]) => ({ key, value })));

type FilterFields<T> = Record<string, (resource: T) => (string | undefined)[]>;

function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

/** EC2 filter semantics: values of one filter are OR'ed, filters are AND'ed; `*` and `?` are wildcards. */
function applyFilters<T>(resources: T[], params: QueryParams, fields: FilterFields<T>, tags: (r: T) => Record<string, string>): T[] {
  const filters = params.structs('Filter').map((f) => {
    const name = f.get('Name') ?? '';
    const patterns = f.list('Value').map(globToRegExp);
    const field = name.startsWith('tag:') ? (r: T) => [tags(r)[name.slice(4)]] : fields[name];
    if (!field) throw new Ec2Error('InvalidParameterValue', `The filter '${name}' is invalid`);
    return (r: T) => field(r).some((v) => v !== undefined && patterns.some((p) => p.test(v)));
  });
  return resources.filter((r) => filters.every((matches) => matches(r)));
}

/** MaxResults/NextToken over resources sorted by id; the token is the last id served, so deletions between pages skip nothing. */
function paginate<T>(resources: T[], params: QueryParams, idOf: (r: T) => string, idsGiven: boolean, range: [number, number]): { page: T[]; nextToken?: string } {
  const max = params.int('MaxResults');
  const token = params.get('NextToken');
  if (max === undefined && token === undefined) return { page: resources };
  if (idsGiven) throw new Ec2Error('InvalidParameterCombination', 'The parameter MaxResults cannot be used with explicit resource IDs');
  const limit = max ?? range[1];
  if (limit < range[0] || limit > range[1]) throw new Ec2Error('InvalidParameterValue', `Value ( ${limit} ) for parameter maxResults is invalid. Expecting a value between ${range[0]} and ${range[1]}.`);
  const after = token ? Buffer.from(token, 'base64').toString('utf8') : '';
  // Ids computed once and the rest of the list dropped before sorting: 180,000 interfaces page in seconds, not minutes.
  const sorted = resources
    .map((r) => ({ r, id: idOf(r) }))
    .filter((entry) => entry.id > after)
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  const page = sorted.slice(0, limit);
  return { page: page.map((entry) => entry.r), nextToken: sorted.length > limit ? Buffer.from(page.at(-1)!.id).toString('base64') : undefined };
}

function byIds<T>(all: Map<string, T>, ids: string[], notFound: (id: string) => Ec2Error): T[] {
  if (ids.length === 0) return [...all.values()];
  return ids.map((id) => {
    const r = all.get(id);
    if (!r) throw notFound(id);
    return r;
  });
}

/**
 * EC2's UnauthorizedOperation: its message ends in an encoded authorization message (what
 * `sts decode-authorization-message` reveals). The sandbox's is base64 JSON of the refused request.
 */
function unauthorized(req: ServiceRequest, error: AccessDeniedError): ServiceReply {
  const decoded = { allowed: false, explicitDeny: error.reason === 'explicit-deny', context: { principal: { arn: error.principal }, action: error.request.action, resource: error.request.resource, conditions: error.request.context ?? {} } };
  const encoded = Buffer.from(JSON.stringify(decoded)).toString('base64');
  return errorReply(req, 403, 'UnauthorizedOperation', `You are not authorized to perform this operation. ${error.message}. Encoded authorization failure message: ${encoded}`);
}

export function startEc2Server(model: Ec2Model, context: ServiceContext): Promise<ServiceServer> {
  const { accountId, region } = model.scenario;

  const eniXml = (e: NetworkInterface) => ({
    networkInterfaceId: e.networkInterfaceId,
    subnetId: e.subnetId,
    vpcId: e.vpcId,
    availabilityZone: e.availabilityZone,
    description: e.description,
    ownerId: accountId,
    requesterId: e.requesterId,
    requesterManaged: e.requesterManaged,
    status: e.inUse ? 'in-use' : 'available',
    macAddress: e.macAddress,
    privateIpAddress: e.privateIp,
    privateDnsName: privateDnsName(e.privateIp, model.region),
    sourceDestCheck: true,
    interfaceType: e.interfaceType,
    attachment: e.attachedInstanceId
      ? { attachmentId: `eni-attach-${e.networkInterfaceId.slice(4)}`, instanceId: e.attachedInstanceId, instanceOwnerId: accountId, deviceIndex: 0, status: 'attached', deleteOnTermination: true }
      : undefined,
    privateIpAddressesSet: items([e.privateIp, ...e.secondaryIps].map((ip, n) => ({ privateIpAddress: ip, primary: n === 0 }))),
    ipv6AddressesSet: items(e.ipv6Addresses.map((ipv6Address) => ({ ipv6Address }))),
    ipv4PrefixSet: items(e.ipv4Prefixes.map((ipv4Prefix) => ({ ipv4Prefix }))),
    ipv6PrefixSet: items(e.ipv6Prefixes.map((ipv6Prefix) => ({ ipv6Prefix }))),
    tagSet: items([]),
  });

  const instanceXml = (i: Instance) => {
    const eni = model.networkInterfaces.get(i.networkInterfaceId);
    return {
      instanceId: i.instanceId,
      imageId: i.imageId,
      instanceState: { code: STATE_CODES[i.state], name: i.state },
      privateDnsName: i.state === 'terminated' ? '' : i.privateDnsName,
      dnsName: '',
      instanceType: i.instanceType,
      launchTime: isoTime(i.launchTime),
      placement: { availabilityZone: i.availabilityZone, tenancy: 'default' },
      subnetId: i.state === 'terminated' ? undefined : i.subnetId,
      vpcId: i.state === 'terminated' ? undefined : model.scenario.vpc.id,
      privateIpAddress: i.state === 'terminated' ? undefined : i.privateIp,
      architecture: 'x86_64',
      rootDeviceType: 'ebs',
      networkInterfaceSet: items(eni ? [eniXml(eni)] : []),
      tagSet: tagSet(i.tags),
    };
  };

  const instanceFilters: FilterFields<Instance> = {
    'instance-state-name': (i) => [i.state],
    'instance-id': (i) => [i.instanceId],
    'private-ip-address': (i) => [i.state === 'terminated' ? undefined : i.privateIp],
    'private-dns-name': (i) => [i.privateDnsName],
    'availability-zone': (i) => [i.availabilityZone],
    'image-id': (i) => [i.imageId],
    'instance-type': (i) => [i.instanceType],
    'vpc-id': () => [model.scenario.vpc.id],
    'network-interface.addresses.private-ip-address': (i) => {
      const eni = model.networkInterfaces.get(i.networkInterfaceId);
      return eni ? [eni.privateIp, ...eni.secondaryIps] : [];
    },
  };

  const eniFilters: FilterFields<NetworkInterface> = {
    'vpc-id': (e) => [e.vpcId],
    'subnet-id': (e) => [e.subnetId],
    'availability-zone': (e) => [e.availabilityZone],
    'network-interface-id': (e) => [e.networkInterfaceId],
    'private-ip-address': (e) => [e.privateIp],
    'addresses.private-ip-address': (e) => [e.privateIp, ...e.secondaryIps],
    'ipv6-addresses.ipv6-address': (e) => e.ipv6Addresses,
    'interface-type': (e) => [e.interfaceType],
    'requester-managed': (e) => [String(e.requesterManaged)],
    'attachment.instance-id': (e) => [e.attachedInstanceId],
    status: (e) => [e.inUse ? 'in-use' : 'available'],
    description: (e) => [e.description],
  };

  const volumeXml = (v: Volume) => ({
    volumeId: v.volumeId,
    size: v.sizeGiB,
    snapshotId: '',
    availabilityZone: v.availabilityZone,
    status: 'in-use',
    createTime: isoTime(v.createTime),
    volumeType: v.volumeType,
    iops: v.iops ?? (v.volumeType === 'gp3' ? 3000 : v.volumeType === 'gp2' ? Math.max(100, Math.min(16000, v.sizeGiB * 3)) : undefined),
    throughput: v.throughput ?? (v.volumeType === 'gp3' ? 125 : undefined),
    encrypted: true,
    multiAttachEnabled: false,
    tagSet: tagSet(v.tags),
  });

  const modificationXml = (m: VolumeModification) => ({
    volumeId: m.volumeId,
    modificationState: m.state,
    targetSize: m.targetSize,
    targetVolumeType: m.targetVolumeType,
    originalSize: m.originalSize,
    originalVolumeType: m.originalVolumeType,
    progress: model.modificationProgress(m),
    startTime: isoTime(m.startTime),
    endTime: m.endTime === undefined ? undefined : isoTime(m.endTime),
  });

  const launchTemplatesByParams = (p: QueryParams) => {
    const ids = p.list('LaunchTemplateId');
    const names = p.list('LaunchTemplateName');
    return [...model.launchTemplates.values()].filter(
      (lt) => (ids.length === 0 && names.length === 0) || ids.includes(lt.launchTemplateId) || names.includes(lt.launchTemplateName),
    );
  };

  const actions: Record<string, (p: QueryParams, req: ServiceRequest) => ServiceReply> = {
    DescribeInstances(p, req) {
      const ids = p.list('InstanceId');
      const all = byIds(model.instances, ids, (id) => new Ec2Error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`));
      const { page, nextToken } = paginate(applyFilters(all, p, instanceFilters, (i) => i.tags), p, (i) => i.instanceId, ids.length > 0, [5, 1000]);
      return ok(req, 'DescribeInstances', {
        reservationSet: items(page.map((i) => ({ reservationId: `r-${i.instanceId.slice(2)}`, ownerId: accountId, groupSet: items([]), instancesSet: items([instanceXml(i)]) }))),
        nextToken,
      });
    },
    DescribeNetworkInterfaces(p, req) {
      const ids = p.list('NetworkInterfaceId');
      const all = byIds(model.networkInterfaces, ids, (id) => new Ec2Error('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${id}' does not exist`));
      const { page, nextToken } = paginate(applyFilters(all, p, eniFilters, () => ({})), p, (e) => e.networkInterfaceId, ids.length > 0, [5, 1000]);
      return ok(req, 'DescribeNetworkInterfaces', { networkInterfaceSet: items(page.map(eniXml)), nextToken });
    },
    DescribeLaunchTemplates(p, req) {
      const found = launchTemplatesByParams(p);
      const missing = p.list('LaunchTemplateId').find((id) => !model.launchTemplates.has(id));
      if (missing) throw new Ec2Error('InvalidLaunchTemplateId.NotFound', `At least one of the launch templates specified in the request does not exist.`);
      return ok(req, 'DescribeLaunchTemplates', {
        launchTemplates: items(
          found.map((lt) => ({
            launchTemplateId: lt.launchTemplateId,
            launchTemplateName: lt.launchTemplateName,
            createTime: isoTime(lt.createTime),
            createdBy: `arn:aws:iam::${accountId}:role/platform`,
            defaultVersionNumber: lt.defaultVersion,
            latestVersionNumber: Math.max(...lt.versions.map((v) => v.versionNumber)),
            tagSet: items([]),
          })),
        ),
      });
    },
    DescribeLaunchTemplateVersions(p, req) {
      const id = p.get('LaunchTemplateId');
      const name = p.get('LaunchTemplateName');
      const lt = model.findLaunchTemplate({ id, name });
      if (!lt) {
        throw id
          ? new Ec2Error('InvalidLaunchTemplateId.NotFound', `The specified launch template, with template ID ${id}, does not exist.`)
          : new Ec2Error('InvalidLaunchTemplateName.NotFoundException', `The specified launch template, with template name ${name}, does not exist.`);
      }
      const requested = p.list('LaunchTemplateVersion');
      const versions = requested.length
        ? requested.map((v) => {
            const found = model.resolveVersion(lt, v);
            if (!found) throw new Ec2Error('InvalidLaunchTemplateId.VersionNotFound', `Could not find launch template version ${v} for template ${lt.launchTemplateId}.`);
            return found;
          })
        : [...lt.versions].sort((a, b) => b.versionNumber - a.versionNumber);
      // Newest first, as EC2 lists them; the page key inverts the version number to keep that order.
      const { page, nextToken } = paginate(versions, p, (v) => String(1e9 - v.versionNumber), requested.length > 0, [1, 200]);
      return ok(req, 'DescribeLaunchTemplateVersions', {
        nextToken,
        launchTemplateVersionSet: items(
          page.map((v) => ({
            launchTemplateId: lt.launchTemplateId,
            launchTemplateName: lt.launchTemplateName,
            versionNumber: v.versionNumber,
            versionDescription: v.description,
            createTime: isoTime(v.createTime),
            createdBy: `arn:aws:iam::${accountId}:role/platform`,
            defaultVersion: v.versionNumber === lt.defaultVersion,
            launchTemplateData: {
              imageId: v.imageId,
              instanceType: v.instanceType,
              blockDeviceMappingSet: v.blockDevices.length
                ? items(
                    v.blockDevices.map((d) => ({
                      deviceName: d.deviceName,
                      ebs: { volumeSize: d.sizeGiB, volumeType: d.volumeType, iops: d.iops, throughput: d.throughput, deleteOnTermination: true, encrypted: true },
                    })),
                  )
                : undefined,
            },
          })),
        ),
      });
    },
    DescribeImages(p, req) {
      const images = byIds(model.images, p.list('ImageId'), (id) => new Ec2Error('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`));
      return ok(req, 'DescribeImages', {
        imagesSet: items(
          images.map((im) => ({
            imageId: im.imageId,
            imageLocation: `amazon/${im.name}`,
            imageState: 'available',
            imageOwnerId: '602401143452',
            creationDate: im.creationDate,
            isPublic: true,
            architecture: 'x86_64',
            imageType: 'machine',
            name: im.name,
            description: im.description,
            rootDeviceType: 'ebs',
            rootDeviceName: '/dev/xvda',
            virtualizationType: 'hvm',
            hypervisor: 'xen',
          })),
        ),
      });
    },
    DescribeVolumes(p, req) {
      const ids = p.list('VolumeId');
      const all = byIds(model.volumes, ids, (id) => new Ec2Error('InvalidVolume.NotFound', `The volume '${id}' does not exist.`));
      const fields: FilterFields<Volume> = { 'volume-id': (v) => [v.volumeId], 'availability-zone': (v) => [v.availabilityZone], 'volume-type': (v) => [v.volumeType] };
      const { page, nextToken } = paginate(applyFilters(all, p, fields, (v) => v.tags), p, (v) => v.volumeId, ids.length > 0, [5, 500]);
      return ok(req, 'DescribeVolumes', { volumeSet: items(page.map(volumeXml)), nextToken });
    },
    DescribeVolumesModifications(p, req) {
      const ids = p.list('VolumeId');
      const volumes = byIds(model.volumes, ids, (id) => new Ec2Error('InvalidVolume.NotFound', `The volume '${id}' does not exist.`));
      // Like EC2: naming a volume that was never modified is an error, not an empty answer.
      const unmodified = ids.length ? volumes.find((v) => v.modifications.length === 0) : undefined;
      if (unmodified) throw new Ec2Error('InvalidVolumeModification.NotFound', `Modification for volume '${unmodified.volumeId}' does not exist.`);
      // Like EBS: only the latest modification of each volume, whatever happened before it.
      const modifications = volumes.flatMap((v) => v.modifications.slice(-1));
      const fields: FilterFields<VolumeModification> = { 'volume-id': (m) => [m.volumeId], 'modification-state': (m) => [m.state] };
      const { page, nextToken } = paginate(applyFilters(modifications, p, fields, () => ({})), p, (m) => `${m.volumeId}/${String(m.startTime).padStart(15, '0')}`, false, [1, 500]);
      return ok(req, 'DescribeVolumesModifications', { volumeModificationSet: items(page.map(modificationXml)), nextToken });
    },
    ModifyVolume(p, req) {
      const volumeId = p.get('VolumeId') ?? '';
      const volume = model.volumes.get(volumeId);
      const tags = Object.fromEntries(Object.entries(volume?.tags ?? {}).map(([key, value]) => [`aws:ResourceTag/${key}`, value]));
      req.authorize([{ action: 'ec2:ModifyVolume', resource: `arn:aws:ec2:${region}:${accountId}:volume/${volumeId}`, context: tags }]);
      const size = p.int('Size') ?? volume?.sizeGiB ?? 0;
      const result = model.modifyVolume(volumeId, size, p.get('VolumeType'));
      if (!result.ok) throw new Ec2Error(result.code, result.message);
      return ok(req, 'ModifyVolume', { volumeModification: modificationXml(volume!.modifications.at(-1)!) });
    },
    DescribeSpotPriceHistory(p, req) {
      // Like EC2: the prices from StartTime (default: now) to EndTime, plus the one each zone had at StartTime, newest first.
      const time = (name: string) => {
        const text = p.get(name);
        const ms = text === undefined ? undefined : Date.parse(text);
        if (ms !== undefined && Number.isNaN(ms)) throw new Ec2Error('InvalidParameterValue', `Value (${text}) for parameter ${name.charAt(0).toLowerCase()}${name.slice(1)} is invalid.`);
        return ms;
      };
      const now = model.now();
      const start = time('StartTime') ?? now;
      const end = time('EndTime') ?? now;
      if (start > end) throw new Ec2Error('InvalidParameterValue', 'The start time must be before the end time.');
      const types = p.list('InstanceType');
      const products = p.list('ProductDescription');
      const az = p.get('AvailabilityZone');
      const fields: FilterFields<SpotPrice> = {
        'availability-zone': (s) => [s.availabilityZone],
        'instance-type': (s) => [s.instanceType],
        'product-description': () => ['Linux/UNIX'],
        'spot-price': (s) => [s.price],
        timestamp: (s) => [new Date(s.timestamp).toISOString()],
      };
      const candidates = applyFilters(model.spotPrices, p, fields, () => ({})).filter(
        (s) => (types.length === 0 || types.includes(s.instanceType)) && (products.length === 0 || products.includes('Linux/UNIX')) && (!az || s.availabilityZone === az) && s.timestamp <= end,
      );
      const inEffectAtStart = new Map<string, SpotPrice>();
      for (const s of candidates.filter((c) => c.timestamp < start)) {
        const key = `${s.instanceType}/${s.availabilityZone}`;
        if ((inEffectAtStart.get(key)?.timestamp ?? -Infinity) < s.timestamp) inEffectAtStart.set(key, s);
      }
      const history = [...candidates.filter((s) => s.timestamp >= start), ...inEffectAtStart.values()].sort((a, b) => b.timestamp - a.timestamp);
      // Newest first; the page key inverts the timestamp to keep that order.
      const { page, nextToken } = paginate(history, p, (s) => `${String(1e15 - s.timestamp).padStart(16, '0')}/${s.availabilityZone}/${s.instanceType}`, false, [1, 1000]);
      return ok(req, 'DescribeSpotPriceHistory', {
        spotPriceHistorySet: items(page.map((s) => ({ instanceType: s.instanceType, productDescription: 'Linux/UNIX', spotPrice: s.price, timestamp: isoTime(s.timestamp), availabilityZone: s.availabilityZone }))),
        nextToken: nextToken ?? '',
      });
    },
  };

  return startServiceServer(
    'ec2',
    {
      handle(req) {
        const params = QueryParams.fromForm(req.body);
        const action = params.get('Action') ?? '';
        const handler = actions[action];
        if (!handler) return errorReply(req, 400, 'InvalidAction', `The action ${action} is not valid for this web service.`);
        // Describe* actions have no resource-level permissions; ModifyVolume is checked on its volume.
        if (action !== 'ModifyVolume') req.authorize([{ action: `ec2:${action}`, resource: '*' }]);
        try {
          return handler(params, req);
        } catch (err) {
          if (err instanceof Ec2Error) return errorReply(req, 400, err.code, err.message);
          throw err;
        }
      },
      throttled: (req) => errorReply(req, 503, 'RequestLimitExceeded', 'Request limit exceeded.'),
      internalError: (req) => errorReply(req, 500, 'InternalError', 'An internal error has occurred'),
      invalidCredentials: (req) => errorReply(req, 401, 'AuthFailure', 'AWS was not able to validate the provided access credentials'),
      // EC2 answers a wrong secret as it answers an unknown key.
      badSignature: (req, problem) =>
        problem === 'IncompleteSignature' ? errorReply(req, 400, problem, SIGNATURE_MESSAGES[problem]) : errorReply(req, 401, 'AuthFailure', 'AWS was not able to validate the provided access credentials'),
      accessDenied: unauthorized,
    },
    context,
  );
}
