/**
 * EC2 Auto Scaling port for the rollout: read one group, its instance refreshes and recent launches, change its size,
 * terminate one instance, suspend/resume processes, tag it. No business logic.
 */
import {
  CreateOrUpdateTagsCommand,
  DeleteTagsCommand,
  DescribeAutoScalingGroupsCommand,
  ResumeProcessesCommand,
  SetDesiredCapacityCommand,
  SuspendProcessesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
  paginateDescribeInstanceRefreshes,
  paginateDescribeScalingActivities,
  type AutoScalingClient,
} from '@aws-sdk/client-auto-scaling';

export interface GroupInstance {
  instanceId: string;
  availabilityZone: string;
  instanceType?: string;
  lifecycleState: string;
  healthStatus: string;
  launchTemplateId?: string;
  launchTemplateVersion?: string;
}

export interface GroupView {
  name: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  /** The zones the group launches into. */
  availabilityZones?: string[];
  launchTemplate?: { id: string; name?: string; version: string };
  suspendedProcesses: string[];
  tags: Record<string, string>;
  instances: GroupInstance[];
}

/** Undefined when no group has that name. */
export async function describeGroup(client: AutoScalingClient, name: string): Promise<GroupView | undefined> {
  const out = await client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
  const g = out.AutoScalingGroups?.find((group) => group.AutoScalingGroupName === name);
  if (!g) return undefined;
  const lt = g.LaunchTemplate ?? g.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
  return {
    name,
    minSize: g.MinSize ?? 0,
    maxSize: g.MaxSize ?? 0,
    desiredCapacity: g.DesiredCapacity ?? 0,
    availabilityZones: g.AvailabilityZones ?? [],
    launchTemplate: lt?.LaunchTemplateId ? { id: lt.LaunchTemplateId, name: lt.LaunchTemplateName, version: lt.Version ?? '$Default' } : undefined,
    suspendedProcesses: (g.SuspendedProcesses ?? []).map((p) => p.ProcessName ?? '').filter(Boolean),
    tags: Object.fromEntries((g.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
    instances: (g.Instances ?? []).map((i) => ({
      instanceId: i.InstanceId ?? '',
      availabilityZone: i.AvailabilityZone ?? '',
      ...(i.InstanceType ? { instanceType: i.InstanceType } : {}),
      lifecycleState: i.LifecycleState ?? 'Unknown',
      healthStatus: i.HealthStatus ?? 'Unknown',
      launchTemplateId: i.LaunchTemplate?.LaunchTemplateId,
      launchTemplateVersion: i.LaunchTemplate?.Version,
    })),
  };
}

/** A launch the group completed: when Auto Scaling started it and when the instance went InService. */
export interface CompletedLaunch {
  instanceId: string;
  startedAt: number;
  inServiceAt: number;
}

const LAUNCH_ACTIVITY = /^Launching a new EC2 instance: (i-[0-9a-f]+)/;

/** Pages read at most: Auto Scaling keeps six weeks of activities, and terminations come between launches. */
const MAX_ACTIVITY_PAGES = 5;

/** The group's `wanted` latest successful launches, newest first. A launch activity ends when its instance is InService. */
export async function recentLaunches(client: AutoScalingClient, name: string, wanted: number): Promise<CompletedLaunch[]> {
  const launches: CompletedLaunch[] = [];
  let pages = 0;
  for await (const page of paginateDescribeScalingActivities({ client, pageSize: 100 }, { AutoScalingGroupName: name })) {
    for (const a of page.Activities ?? []) {
      const instanceId = LAUNCH_ACTIVITY.exec(a.Description ?? '')?.[1];
      if (instanceId && a.StatusCode === 'Successful' && a.StartTime && a.EndTime) launches.push({ instanceId, startedAt: a.StartTime.getTime(), inServiceAt: a.EndTime.getTime() });
    }
    if (launches.length >= wanted || ++pages >= MAX_ACTIVITY_PAGES) break;
  }
  return launches.slice(0, wanted);
}

const ACTIVE_REFRESH = new Set(['Pending', 'InProgress', 'Cancelling', 'RollbackInProgress', 'Baking']);

/** Status of a refresh that still runs on the group, if any (only one can run at a time). */
export async function activeInstanceRefresh(client: AutoScalingClient, name: string): Promise<string | undefined> {
  for await (const page of paginateDescribeInstanceRefreshes({ client }, { AutoScalingGroupName: name })) {
    const active = (page.InstanceRefreshes ?? []).find((r) => r.Status && ACTIVE_REFRESH.has(r.Status));
    if (active) return active.Status;
  }
  return undefined;
}

export async function setDesiredCapacity(client: AutoScalingClient, name: string, desired: number): Promise<void> {
  await client.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: name, DesiredCapacity: desired, HonorCooldown: false }));
}

export async function updateGroup(
  client: AutoScalingClient,
  name: string,
  change: { minSize?: number; maxSize?: number; desiredCapacity?: number; launchTemplate?: { id: string; version: string } },
): Promise<void> {
  await client.send(
    new UpdateAutoScalingGroupCommand({
      AutoScalingGroupName: name,
      MinSize: change.minSize,
      MaxSize: change.maxSize,
      DesiredCapacity: change.desiredCapacity,
      LaunchTemplate: change.launchTemplate ? { LaunchTemplateId: change.launchTemplate.id, Version: change.launchTemplate.version } : undefined,
    }),
  );
}

/** Requests termination (asynchronous in AWS); with decrement=true the group does not replace it. */
export async function terminateInstance(client: AutoScalingClient, instanceId: string, decrementDesired: boolean): Promise<void> {
  await client.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: instanceId, ShouldDecrementDesiredCapacity: decrementDesired }));
}

export async function suspendProcesses(client: AutoScalingClient, name: string, processes: string[]): Promise<void> {
  if (processes.length === 0) return;
  await client.send(new SuspendProcessesCommand({ AutoScalingGroupName: name, ScalingProcesses: processes }));
}

export async function resumeProcesses(client: AutoScalingClient, name: string, processes: string[]): Promise<void> {
  if (processes.length === 0) return;
  await client.send(new ResumeProcessesCommand({ AutoScalingGroupName: name, ScalingProcesses: processes }));
}

export async function setGroupTags(client: AutoScalingClient, name: string, tags: Record<string, string>): Promise<void> {
  const entries = Object.entries(tags);
  if (entries.length === 0) return;
  await client.send(
    new CreateOrUpdateTagsCommand({
      Tags: entries.map(([Key, Value]) => ({ ResourceId: name, ResourceType: 'auto-scaling-group', Key, Value, PropagateAtLaunch: false })),
    }),
  );
}

export async function deleteGroupTags(client: AutoScalingClient, name: string, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await client.send(new DeleteTagsCommand({ Tags: keys.map((Key) => ({ ResourceId: name, ResourceType: 'auto-scaling-group', Key })) }));
}
