/** EC2 Auto Scaling over the AWS Query protocol (form POST, XML in the 2011-01-01 namespace). */
import type { Faults } from '../contracts.js';
import { AutoScalingError, type AutoScalingGroup, type AutoScalingModel, type ScalingActivity } from './auto-scaling-model.js';
import type { Instance } from './ec2-model.js';
import { startServiceServer, type ServiceReply, type ServiceRequest, type ServiceServer } from './http.js';
import { QueryParams, decodeToken, encodeToken } from './query.js';
import { isoTime, xmlDocument } from './xml.js';

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

export function startAutoScalingServer(model: AutoScalingModel, faults: Faults, random: () => number): Promise<ServiceServer> {
  const actions: Record<string, (p: QueryParams, req: ServiceRequest) => ServiceReply> = {
    DescribeAutoScalingGroups(p, req) {
      const names = p.list('AutoScalingGroupNames.member');
      const groups = [...model.groups.values()].filter((g) => names.length === 0 || names.includes(g.name));
      const { items, nextToken } = page(groups, p, 50, 100);
      return ok(req, 'DescribeAutoScalingGroups', { AutoScalingGroups: { member: items.map((g) => groupXml(model, g)) }, NextToken: nextToken });
    },
    DescribeAutoScalingInstances(p, req) {
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
      const launchTemplate = { id: p.get('LaunchTemplate.LaunchTemplateId'), name: p.get('LaunchTemplate.LaunchTemplateName'), version: p.get('LaunchTemplate.Version') };
      model.update(required(p, 'AutoScalingGroupName'), {
        minSize: p.int('MinSize'),
        maxSize: p.int('MaxSize'),
        desiredCapacity: p.int('DesiredCapacity'),
        launchTemplate: Object.values(launchTemplate).some((v) => v !== undefined) ? launchTemplate : undefined,
      });
      return ok(req, 'UpdateAutoScalingGroup', undefined);
    },
    SetDesiredCapacity(p, req) {
      model.setDesiredCapacity(required(p, 'AutoScalingGroupName'), Number(required(p, 'DesiredCapacity')));
      return ok(req, 'SetDesiredCapacity', undefined);
    },
    TerminateInstanceInAutoScalingGroup(p, req) {
      const activity = model.terminateInstance(required(p, 'InstanceId'), required(p, 'ShouldDecrementDesiredCapacity') === 'true');
      return ok(req, 'TerminateInstanceInAutoScalingGroup', { Activity: activityXml(activity) });
    },
    SuspendProcesses(p, req) {
      model.suspend(required(p, 'AutoScalingGroupName'), p.list('ScalingProcesses.member'));
      return ok(req, 'SuspendProcesses', undefined);
    },
    ResumeProcesses(p, req) {
      model.resume(required(p, 'AutoScalingGroupName'), p.list('ScalingProcesses.member'));
      return ok(req, 'ResumeProcesses', undefined);
    },
    CreateOrUpdateTags(p, req) {
      model.setTags(p.structs('Tags.member').map((t) => ({ groupName: required(t, 'ResourceId'), key: required(t, 'Key'), value: t.get('Value') ?? '', propagateAtLaunch: t.bool('PropagateAtLaunch') ?? false })));
      return ok(req, 'CreateOrUpdateTags', undefined);
    },
    DeleteTags(p, req) {
      model.deleteTags(p.structs('Tags.member').map((t) => ({ groupName: required(t, 'ResourceId'), key: required(t, 'Key') })));
      return ok(req, 'DeleteTags', undefined);
    },
    DescribeInstanceRefreshes(p, req) {
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
      const name = p.get('AutoScalingGroupName');
      const ids = p.list('ActivityIds.member');
      const activities = (name ? model.group(name).activities : [...model.groups.values()].flatMap((g) => g.activities)).filter((a) => ids.length === 0 || ids.includes(a.activityId));
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
    },
    faults,
    random,
  );
}

function required(p: QueryParams, key: string): string {
  const v = p.get(key);
  if (v === undefined) throw new AutoScalingError('ValidationError', `1 validation error detected: Value null at '${key.charAt(0).toLowerCase()}${key.slice(1)}' failed to satisfy constraint: Member must not be null`);
  return v;
}
