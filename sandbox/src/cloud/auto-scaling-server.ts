/** EC2 Auto Scaling over the AWS Query protocol (form POST, XML in the 2011-01-01 namespace). */
import { AutoScalingError, type AutoScalingGroup, type AutoScalingModel, type ScalingActivity } from './auto-scaling-model.js';
import type { Instance } from './ec2-model.js';
import { startServiceServer, type ServiceContext, type ServiceReply, type ServiceRequest, type ServiceServer } from './http.js';
import type { AuthRequest, RequestContext } from './iam/evaluate.js';
import { QueryParams, decodeToken, encodeToken } from './query.js';
import { isoTime, xmlDocument } from './xml.js';
import { SIGNATURE_MESSAGES } from './iam/signature.js';

const NS = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';

function errorReply(req: ServiceRequest, status: number, type: 'Sender' | 'Receiver', code: string, message: string): ServiceReply {
  return { status, contentType: 'text/xml', body: xmlDocument('ErrorResponse', NS, { Error: { Type: type, Code: code, Message: message }, RequestId: req.requestId }) };
}

function ok(req: ServiceRequest, action: string, result: Record<string, unknown> | undefined): ServiceReply {
  const body: Record<string, unknown> = result ? { [`${action}Result`]: result } : {};
  return { status: 200, contentType: 'text/xml', body: xmlDocument(`${action}Response`, NS, { ...body, ResponseMetadata: { RequestId: req.requestId } }) };
}

function page<T>(items: T[], params: QueryParams, defaultMax: number, maxMax: number): { items: T[]; nextToken?: string } {
  const offset = decodeToken(params.get('NextToken'));
  if (offset === undefined) throw new AutoScalingError('InvalidNextToken', 'The token provided is not valid.');
  const max = Math.min(params.int('MaxRecords') ?? defaultMax, maxMax);
  return { items: items.slice(offset, offset + max), nextToken: offset + max < items.length ? encodeToken(offset + max) : undefined };
}

function launchTemplateXml(i: Instance) {
  return { LaunchTemplateId: i.launchTemplateId, LaunchTemplateName: i.launchTemplateName, Version: i.launchTemplateVersion };
}

function groupXml(model: AutoScalingModel, g: AutoScalingGroup) {
  return {
    AutoScalingGroupName: g.name,
    AutoScalingGroupARN: g.arn,
    LaunchTemplate: { LaunchTemplateId: g.launchTemplate.id, LaunchTemplateName: g.launchTemplate.name, Version: g.launchTemplate.version },
    MinSize: g.minSize,
    MaxSize: g.maxSize,
    DesiredCapacity: g.desiredCapacity,
    DefaultCooldown: 300,
    AvailabilityZones: { member: g.availabilityZones },
    LoadBalancerNames: { member: [] },
    TargetGroupARNs: { member: [] },
    HealthCheckType: 'EC2',
    HealthCheckGracePeriod: 300,
    Instances: {
      member: model
        .groupInstances(g)
        .filter((i) => i.lifecycleState !== 'Terminated')
        .map((i) => ({
          InstanceId: i.instanceId,
          InstanceType: i.instanceType,
          AvailabilityZone: i.availabilityZone,
          LifecycleState: i.lifecycleState,
          HealthStatus: 'Healthy',
          LaunchTemplate: launchTemplateXml(i),
          ProtectedFromScaleIn: false,
        })),
    },
    CreatedTime: isoTime(g.createdTime),
    SuspendedProcesses: { member: [...g.suspended].map(([ProcessName, SuspensionReason]) => ({ ProcessName, SuspensionReason })) },
    VPCZoneIdentifier: g.subnetIds.join(','),
    EnabledMetrics: { member: [] },
    Tags: { member: [...g.tags].map(([Key, t]) => ({ ResourceId: g.name, ResourceType: 'auto-scaling-group', Key, Value: t.value, PropagateAtLaunch: t.propagateAtLaunch })) },
    TerminationPolicies: { member: ['Default'] },
    NewInstancesProtectedFromScaleIn: false,
    CapacityRebalance: false,
  };
}

function activityXml(a: ScalingActivity) {
  return {
    ActivityId: a.activityId,
    AutoScalingGroupName: a.groupName,
    Description: a.description,
    Cause: a.cause,
    StartTime: isoTime(a.startTime),
    EndTime: a.endTime === undefined ? undefined : isoTime(a.endTime),
    StatusCode: a.statusCode,
    Progress: a.progress,
    Details: '{}',
  };
}

/**
 * What IAM checks for a mutation of a group: its ARN, with its tags as `autoscaling:ResourceTag/<key>` (and
 * `aws:ResourceTag/<key>`). A group that does not exist has no tags, so a tag-scoped policy refuses it.
 */
function onGroup(model: AutoScalingModel, action: string, name: string, extra: RequestContext = {}): AuthRequest {
  const group = model.groups.get(name);
  const { region, accountId } = model.ec2.scenario;
  const context: RequestContext = { ...extra };
  for (const [key, tag] of group?.tags ?? []) {
    context[`autoscaling:ResourceTag/${key}`] = tag.value;
    context[`aws:ResourceTag/${key}`] = tag.value;
  }
  return { action: `autoscaling:${action}`, resource: group?.arn ?? `arn:aws:autoscaling:${region}:${accountId}:autoScalingGroup:*:autoScalingGroupName/${name}`, context };
}

/**
 * Updating a group to a launch template is authorized like launching from it (docs/platform-facts.md#iam-and-rbac):
 * ec2:RunInstances on the template, its AMI, the group's subnets, the template's security groups and the
 * instances, volumes and network interfaces a launch creates; iam:PassRole on the instance profile's role;
 * ec2:CreateTags on what the template tags at launch. Empty when the template or version does not exist
 * (the update then fails validation).
 */
function launchTemplateUse(model: AutoScalingModel, groupName: string, spec: { id?: string; name?: string; version?: string }): AuthRequest[] {
  const lt = model.ec2.findLaunchTemplate(spec);
  const version = lt && model.ec2.resolveVersion(lt, spec.version ?? '$Default');
  const group = model.groups.get(groupName);
  if (!lt || !version) return [];
  const { region, accountId } = model.ec2.scenario;
  const ec2Arn = (type: string, id: string) => `arn:aws:ec2:${region}:${accountId}:${type}/${id}`;
  const template = ec2Arn('launch-template', lt.launchTemplateId);
  const launched = [
    template,
    `arn:aws:ec2:${region}::image/${version.imageId}`,
    ...(group?.subnetIds ?? []).map((id) => ec2Arn('subnet', id)),
    ...version.securityGroupIds.map((id) => ec2Arn('security-group', id)),
    ec2Arn('instance', '*'),
    ec2Arn('volume', '*'),
    ec2Arn('network-interface', '*'),
  ];
  return [
    ...launched.map((resource) => ({ action: 'ec2:RunInstances', resource, context: { 'ec2:LaunchTemplate': template } })),
    ...(version.instanceProfileRole
      ? [{ action: 'iam:PassRole', resource: `arn:aws:iam::${accountId}:role/${version.instanceProfileRole}`, context: { 'iam:PassedToService': 'ec2.amazonaws.com' } }]
      : []),
    ...version.tagSpecifications.map((type) => ({ action: 'ec2:CreateTags', resource: ec2Arn(type, '*'), context: { 'ec2:CreateAction': 'RunInstances' } })),
  ];
}

/** One request per group a tag call names, with the keys (and values) it sets on that group. */
function onTaggedGroups(model: AutoScalingModel, action: string, tags: { groupName: string; key: string; value?: string }[]): AuthRequest[] {
  const groups = [...new Set(tags.map((t) => t.groupName))];
  return groups.map((name) => {
    const own = tags.filter((t) => t.groupName === name);
    const requestTags = Object.fromEntries(own.flatMap((t) => (t.value === undefined ? [] : [[`aws:RequestTag/${t.key}`, t.value]])));
    return onGroup(model, action, name, { 'aws:TagKeys': own.map((t) => t.key), ...requestTags });
  });
}

export function startAutoScalingServer(model: AutoScalingModel, context: ServiceContext): Promise<ServiceServer> {
  const describe = (req: ServiceRequest, action: string) => req.authorize([{ action: `autoscaling:${action}`, resource: '*' }]);
  const actions: Record<string, (p: QueryParams, req: ServiceRequest) => ServiceReply> = {
    DescribeAutoScalingGroups(p, req) {
      describe(req, 'DescribeAutoScalingGroups');
      const names = p.list('AutoScalingGroupNames.member');
      const groups = [...model.groups.values()].filter((g) => names.length === 0 || names.includes(g.name));
      const { items, nextToken } = page(groups, p, 50, 100);
      return ok(req, 'DescribeAutoScalingGroups', { AutoScalingGroups: { member: items.map((g) => groupXml(model, g)) }, NextToken: nextToken });
    },
    DescribeAutoScalingInstances(p, req) {
      describe(req, 'DescribeAutoScalingInstances');
      const ids = p.list('InstanceIds.member');
      const instances = [...model.groups.values()]
        .flatMap((g) => model.groupInstances(g))
        .filter((i) => i.lifecycleState !== 'Terminated' && (ids.length === 0 || ids.includes(i.instanceId)));
      const { items, nextToken } = page(instances, p, 50, 50);
      return ok(req, 'DescribeAutoScalingInstances', {
        AutoScalingInstances: {
          member: items.map((i) => ({
            InstanceId: i.instanceId,
            InstanceType: i.instanceType,
            AutoScalingGroupName: i.autoScalingGroupName,
            AvailabilityZone: i.availabilityZone,
            LifecycleState: i.lifecycleState,
            HealthStatus: 'HEALTHY',
            LaunchTemplate: launchTemplateXml(i),
            ProtectedFromScaleIn: false,
          })),
        },
        NextToken: nextToken,
      });
    },
    UpdateAutoScalingGroup(p, req) {
      const name = required(p, 'AutoScalingGroupName');
      const launchTemplate = { id: p.get('LaunchTemplate.LaunchTemplateId'), name: p.get('LaunchTemplate.LaunchTemplateName'), version: p.get('LaunchTemplate.Version') };
      const usesTemplate = Object.values(launchTemplate).some((v) => v !== undefined);
      req.authorize([onGroup(model, 'UpdateAutoScalingGroup', name)]);
      if (usesTemplate) req.authorize(launchTemplateUse(model, name, launchTemplate), `You are not authorized to use launch template: ${launchTemplate.id ?? launchTemplate.name}`);
      model.update(name, {
        minSize: p.int('MinSize'),
        maxSize: p.int('MaxSize'),
        desiredCapacity: p.int('DesiredCapacity'),
        launchTemplate: usesTemplate ? launchTemplate : undefined,
      });
      return ok(req, 'UpdateAutoScalingGroup', undefined);
    },
    SetDesiredCapacity(p, req) {
      const name = required(p, 'AutoScalingGroupName');
      req.authorize([onGroup(model, 'SetDesiredCapacity', name)]);
      model.setDesiredCapacity(name, Number(required(p, 'DesiredCapacity')));
      return ok(req, 'SetDesiredCapacity', undefined);
    },
    TerminateInstanceInAutoScalingGroup(p, req) {
      const instanceId = required(p, 'InstanceId');
      req.authorize([onGroup(model, 'TerminateInstanceInAutoScalingGroup', model.ec2.instances.get(instanceId)?.autoScalingGroupName ?? '*')]);
      const activity = model.terminateInstance(instanceId, required(p, 'ShouldDecrementDesiredCapacity') === 'true');
      return ok(req, 'TerminateInstanceInAutoScalingGroup', { Activity: activityXml(activity) });
    },
    SuspendProcesses(p, req) {
      const name = required(p, 'AutoScalingGroupName');
      req.authorize([onGroup(model, 'SuspendProcesses', name)]);
      model.suspend(name, p.list('ScalingProcesses.member'));
      return ok(req, 'SuspendProcesses', undefined);
    },
    ResumeProcesses(p, req) {
      const name = required(p, 'AutoScalingGroupName');
      req.authorize([onGroup(model, 'ResumeProcesses', name)]);
      model.resume(name, p.list('ScalingProcesses.member'));
      return ok(req, 'ResumeProcesses', undefined);
    },
    CreateOrUpdateTags(p, req) {
      const tags = p.structs('Tags.member').map((t) => ({ groupName: required(t, 'ResourceId'), key: required(t, 'Key'), value: t.get('Value') ?? '', propagateAtLaunch: t.bool('PropagateAtLaunch') ?? false }));
      req.authorize(onTaggedGroups(model, 'CreateOrUpdateTags', tags));
      model.setTags(tags);
      return ok(req, 'CreateOrUpdateTags', undefined);
    },
    DeleteTags(p, req) {
      const tags = p.structs('Tags.member').map((t) => ({ groupName: required(t, 'ResourceId'), key: required(t, 'Key') }));
      req.authorize(onTaggedGroups(model, 'DeleteTags', tags));
      model.deleteTags(tags);
      return ok(req, 'DeleteTags', undefined);
    },
    DescribeInstanceRefreshes(p, req) {
      describe(req, 'DescribeInstanceRefreshes');
      const group = model.group(required(p, 'AutoScalingGroupName'));
      const ids = p.list('InstanceRefreshIds.member');
      const refreshes = group.instanceRefreshes.filter((r) => ids.length === 0 || ids.includes(r.instanceRefreshId));
      const { items, nextToken } = page(refreshes, p, 50, 100);
      return ok(req, 'DescribeInstanceRefreshes', {
        InstanceRefreshes: {
          member: items.map((r) => ({ InstanceRefreshId: r.instanceRefreshId, AutoScalingGroupName: group.name, Status: r.status, StartTime: isoTime(r.startTime), PercentageComplete: r.percentageComplete })),
        },
        NextToken: nextToken,
      });
    },
    DescribeScalingActivities(p, req) {
      describe(req, 'DescribeScalingActivities');
      const name = p.get('AutoScalingGroupName');
      const ids = p.list('ActivityIds.member');
      const activities = (name ? model.group(name).activities : [...model.groups.values()].flatMap((g) => g.activities))
        .filter((a) => ids.length === 0 || ids.includes(a.activityId))
        // Like Auto Scaling: activities still in progress first, then by start time, newest first.
        .sort((a, b) => Number(a.statusCode === 'Successful') - Number(b.statusCode === 'Successful') || b.startTime - a.startTime);
      const { items, nextToken } = page(activities, p, 100, 100);
      return ok(req, 'DescribeScalingActivities', { Activities: { member: items.map(activityXml) }, NextToken: nextToken });
    },
  };

  return startServiceServer(
    'autoscaling',
    {
      handle(req) {
        const params = QueryParams.fromForm(req.body);
        const action = params.get('Action') ?? '';
        const handler = actions[action];
        if (!handler) return errorReply(req, 400, 'Sender', 'InvalidAction', `Could not find operation ${action} for version ${params.get('Version') ?? 'NO_VERSION_SPECIFIED'}`);
        try {
          return handler(params, req);
        } catch (err) {
          if (err instanceof AutoScalingError) return errorReply(req, 400, 'Sender', err.code, err.message);
          throw err;
        }
      },
      throttled: (req) => errorReply(req, 400, 'Sender', 'Throttling', 'Rate exceeded'),
      internalError: (req) => errorReply(req, 500, 'Receiver', 'InternalFailure', 'An internal error occurred.'),
      invalidCredentials: (req) => errorReply(req, 403, 'Sender', 'InvalidClientTokenId', 'The security token included in the request is invalid.'),
      badSignature: (req, problem) => errorReply(req, problem === 'IncompleteSignature' ? 400 : 403, 'Sender', problem, SIGNATURE_MESSAGES[problem]),
      accessDenied: (req, error) => errorReply(req, 403, 'Sender', 'AccessDenied', error.message),
    },
    context,
  );
}

function required(p: QueryParams, key: string): string {
  const v = p.get(key);
  if (v === undefined) throw new AutoScalingError('ValidationError', `1 validation error detected: Value null at '${key.charAt(0).toLowerCase()}${key.slice(1)}' failed to satisfy constraint: Member must not be null`);
  return v;
}
