/**
 * EC2 Auto Scaling groups and their controller on the virtual clock: launch to desired capacity
 * balanced across AZs, scale in by the default termination policy, and AZRebalance like the real service
 * (launch in the short AZ first, then terminate in the long one).
 */
import type { VirtualClock } from '../clock.js';
import type { CloudEvents, InstanceInfo, MutationLog } from '../contracts.js';
import type { Ec2Model, Instance } from './ec2-model.js';
import type { AwsScenario } from './scenario.js';

export const SCALING_PROCESSES = ['Launch', 'Terminate', 'AddToLoadBalancer', 'AlarmNotification', 'AZRebalance', 'HealthCheck', 'InstanceRefresh', 'ReplaceUnhealthy', 'ScheduledActions'] as const;

/** AWS checks balance periodically, not at once; this is how long after a change the sandbox looks. */
export const REBALANCE_CHECK_MS = 60_000;

export class AutoScalingError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ScalingActivity {
  activityId: string;
  groupName: string;
  description: string;
  cause: string;
  startTime: number;
  endTime?: number;
  statusCode: 'InProgress' | 'Successful';
  progress: number;
}

export interface InstanceRefresh {
  instanceRefreshId: string;
  status: string;
  percentageComplete: number;
  startTime: number;
}

export interface AutoScalingGroup {
  name: string;
  arn: string;
  createdTime: number;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  launchTemplate: { id: string; name: string; version: string };
  availabilityZones: string[];
  subnetIds: string[];
  bootMs: number;
  nodeLabels: Record<string, string>;
  tags: Map<string, { value: string; propagateAtLaunch: boolean }>;
  /** Suspended process name -> reason. */
  suspended: Map<string, string>;
  instanceIds: string[];
  instanceRefreshes: InstanceRefresh[];
  activities: ScalingActivity[];
  /** Instance launched by AZRebalance; the long AZ loses one instance once it is InService. */
  rebalanceLaunch?: string;
  rebalanceTimer?: () => void;
}

export interface GroupUpdate {
  minSize?: number;
  maxSize?: number;
  desiredCapacity?: number;
  launchTemplate?: { id?: string; name?: string; version?: string };
}

export class AutoScalingModel {
  readonly groups = new Map<string, AutoScalingGroup>();
  private readonly terminateMs: number;

  constructor(
    scenario: AwsScenario,
    readonly ec2: Ec2Model,
    private readonly clock: VirtualClock,
    private readonly events: CloudEvents,
    private readonly log: MutationLog,
  ) {
    this.terminateMs = scenario.terminateSeconds * 1000;
    const now = clock.now();
    for (const spec of scenario.groups) {
      const lt = ec2.findLaunchTemplate({ id: spec.launchTemplate.id });
      if (!lt) throw new Error(`group ${spec.name}: unknown launch template ${spec.launchTemplate.id}`);
      const group: AutoScalingGroup = {
        name: spec.name,
        arn: `arn:aws:autoscaling:${scenario.region}:${scenario.accountId}:autoScalingGroup:${ec2.newUuid()}:autoScalingGroupName/${spec.name}`,
        createdTime: now - 60 * 86400_000,
        minSize: spec.minSize,
        maxSize: spec.maxSize,
        desiredCapacity: spec.desiredCapacity,
        launchTemplate: { id: lt.launchTemplateId, name: lt.launchTemplateName, version: spec.launchTemplate.version },
        availabilityZones: spec.availabilityZones,
        subnetIds: spec.availabilityZones.map((az) => ec2.subnetFor(az).id),
        bootMs: spec.bootSeconds * 1000,
        nodeLabels: spec.nodeLabels,
        tags: new Map(Object.entries(spec.tags).map(([k, v]) => [k, { value: v, propagateAtLaunch: true }])),
        suspended: new Map(spec.suspendedProcesses.map((p) => [p, 'User suspended at scenario start'])),
        instanceIds: [],
        instanceRefreshes: spec.instanceRefresh ? [{ instanceRefreshId: spec.instanceRefresh.id, status: spec.instanceRefresh.status, percentageComplete: spec.instanceRefresh.percentageComplete, startTime: now - 600_000 }] : [],
        activities: [],
      };
      this.groups.set(group.name, group);
      for (const i of spec.instances) {
        const version = ec2.resolveVersion(lt, i.launchTemplateVersion);
        if (!version) throw new Error(`instance ${i.id}: launch template ${lt.launchTemplateId} has no version ${i.launchTemplateVersion}`);
        const instance = ec2.createInstance({
          instanceId: i.id,
          availabilityZone: i.availabilityZone,
          privateIp: i.privateIp,
          imageId: version.imageId,
          instanceType: version.instanceType,
          launchTemplate: { id: lt.launchTemplateId, name: lt.launchTemplateName, version: String(version.versionNumber) },
          autoScalingGroupName: group.name,
          nodeLabels: this.nodeLabels(group, i.availabilityZone, version.instanceType),
          launchTime: now - i.launchedMinutesAgo * 60_000,
          addresses: { secondaryIps: i.secondaryIps, ipv6Addresses: i.ipv6Addresses, ipv4Prefixes: i.ipv4Prefixes, ipv6Prefixes: i.ipv6Prefixes },
        });
        instance.state = 'running';
        instance.lifecycleState = 'InService';
        group.instanceIds.push(instance.instanceId);
      }
    }
  }

  /** Tell listeners (the cluster) about the instances that were already running when the sandbox started. */
  emitInitial(): void {
    for (const group of this.groups.values()) {
      for (const instance of this.groupInstances(group)) if (instance.state === 'running') this.events.emit('instance-running', this.info(instance));
    }
    for (const group of this.groups.values()) this.reconcile(group, 'scenario start');
  }

  group(name: string): AutoScalingGroup {
    const group = this.groups.get(name);
    if (!group) throw new AutoScalingError('ValidationError', `AutoScalingGroup name not found - AutoScalingGroup '${name}' not found`);
    return group;
  }

  groupInstances(group: AutoScalingGroup): Instance[] {
    return group.instanceIds.map((id) => this.ec2.instances.get(id)!).filter(Boolean);
  }

  inServiceCount(group: AutoScalingGroup): number {
    return this.groupInstances(group).filter((i) => i.lifecycleState === 'InService').length;
  }

  update(name: string, change: GroupUpdate): void {
    const group = this.group(name);
    const minSize = change.minSize ?? group.minSize;
    const maxSize = change.maxSize ?? group.maxSize;
    if (minSize > maxSize) throw new AutoScalingError('ValidationError', `Max bound, ${maxSize}, must be greater than or equal to min bound, ${minSize}`);
    let desired = change.desiredCapacity;
    if (desired === undefined) {
      // Like AWS: changing only min/max drags the desired capacity into the new bounds.
      desired = Math.min(maxSize, Math.max(minSize, group.desiredCapacity));
    } else if (desired < minSize || desired > maxSize) {
      throw new AutoScalingError('ValidationError', `Desired capacity:${desired} must be between the specified min size:${minSize} and max size:${maxSize}`);
    }
    if (change.launchTemplate) {
      if (!change.launchTemplate.id && !change.launchTemplate.name) {
        throw new AutoScalingError('ValidationError', 'Valid requests must contain either launchTemplateId or launchTemplateName');
      }
      const lt = this.ec2.findLaunchTemplate(change.launchTemplate);
      if (!lt) throw new AutoScalingError('ValidationError', `The specified launch template, with template ID ${change.launchTemplate.id ?? change.launchTemplate.name}, does not exist.`);
      const version = change.launchTemplate.version ?? '$Default';
      if (!this.ec2.resolveVersion(lt, version)) throw new AutoScalingError('ValidationError', `The specified launch template, with template ID ${lt.launchTemplateId}, does not have version ${version}.`);
      group.launchTemplate = { id: lt.launchTemplateId, name: lt.launchTemplateName, version };
    }
    group.minSize = minSize;
    group.maxSize = maxSize;
    group.desiredCapacity = desired;
    this.record('UpdateAutoScalingGroup', group, { minSize, maxSize, launchTemplate: group.launchTemplate });
    this.reconcile(group, 'a user request update of AutoScalingGroup constraints');
  }

  setDesiredCapacity(name: string, desired: number): void {
    const group = this.group(name);
    if (desired > group.maxSize) throw new AutoScalingError('ValidationError', `New SetDesiredCapacity value ${desired} is above max value ${group.maxSize} for the AutoScalingGroup.`);
    if (desired < group.minSize) throw new AutoScalingError('ValidationError', `New SetDesiredCapacity value ${desired} is below min value ${group.minSize} for the AutoScalingGroup.`);
    group.desiredCapacity = desired;
    this.record('SetDesiredCapacity', group, {});
    this.reconcile(group, 'a user request explicitly set group desired capacity');
  }

  terminateInstance(instanceId: string, shouldDecrementDesiredCapacity: boolean): ScalingActivity {
    const instance = this.ec2.instances.get(instanceId);
    const group = instance?.autoScalingGroupName ? this.groups.get(instance.autoScalingGroupName) : undefined;
    if (!instance || !group || (instance.lifecycleState !== 'InService' && instance.lifecycleState !== 'Pending')) {
      throw new AutoScalingError('ValidationError', `Instance Id not found - No managed instance found for instance ID: ${instanceId}`);
    }
    if (shouldDecrementDesiredCapacity) {
      if (group.desiredCapacity - 1 < group.minSize) {
        throw new AutoScalingError(
          'ValidationError',
          `Currently, desiredSize equals minSize (${group.minSize}). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.`,
        );
      }
      group.desiredCapacity -= 1;
    }
    const cause = shouldDecrementDesiredCapacity
      ? `an instance was taken out of service in response to a user request, shrinking the capacity from ${group.desiredCapacity + 1} to ${group.desiredCapacity}.`
      : 'an instance was taken out of service in response to a user request.';
    const activity = this.terminate(group, instance, cause, 'TerminateInstanceInAutoScalingGroup');
    this.reconcile(group, 'an instance was taken out of service in response to a user request');
    return activity;
  }

  suspend(name: string, processes: string[]): void {
    const group = this.group(name);
    this.checkProcesses(processes);
    for (const p of processes.length ? processes : SCALING_PROCESSES) group.suspended.set(p, `User suspended at ${new Date(this.clock.now()).toISOString()}`);
    this.record('SuspendProcesses', group, { processes: [...group.suspended.keys()] });
  }

  resume(name: string, processes: string[]): void {
    const group = this.group(name);
    this.checkProcesses(processes);
    for (const p of processes.length ? processes : SCALING_PROCESSES) group.suspended.delete(p);
    this.record('ResumeProcesses', group, { processes: [...group.suspended.keys()] });
    this.reconcile(group, 'processes resumed');
  }

  setTags(tags: { groupName: string; key: string; value: string; propagateAtLaunch: boolean }[]): void {
    for (const t of tags) this.group(t.groupName);
    for (const t of tags) {
      const group = this.group(t.groupName);
      group.tags.set(t.key, { value: t.value, propagateAtLaunch: t.propagateAtLaunch });
      this.record('CreateOrUpdateTags', group, { key: t.key, value: t.value });
    }
  }

  deleteTags(tags: { groupName: string; key: string }[]): void {
    for (const t of tags) this.group(t.groupName);
    for (const t of tags) {
      const group = this.group(t.groupName);
      group.tags.delete(t.key);
      this.record('DeleteTags', group, { key: t.key });
    }
  }

  /** Converge the group to its desired capacity (unless Launch/Terminate is suspended), then look at AZ balance later. */
  private reconcile(group: AutoScalingGroup, reason: string): void {
    const counted = () => this.groupInstances(group).filter((i) => (i.lifecycleState === 'Pending' || i.lifecycleState === 'InService') && i.instanceId !== group.rebalanceLaunch);
    if (!group.suspended.has('Launch')) {
      for (let n = counted().length; n < group.desiredCapacity; n++) {
        this.launch(group, this.shortestAz(group), `a difference between desired and actual capacity (${reason}), increasing the capacity from ${n} to ${n + 1}`);
      }
    }
    if (!group.suspended.has('Terminate')) {
      for (let n = counted().length; n > group.desiredCapacity; n--) {
        const victim = this.pickVictim(group, counted());
        this.terminate(group, victim, `a difference between desired and actual capacity (${reason}), shrinking the capacity from ${n} to ${n - 1}.`, 'ScaleIn');
      }
    }
    this.scheduleRebalance(group);
  }

  private scheduleRebalance(group: AutoScalingGroup): void {
    if (group.rebalanceTimer) return;
    group.rebalanceTimer = this.clock.after(REBALANCE_CHECK_MS, () => {
      group.rebalanceTimer = undefined;
      this.rebalance(group);
    });
  }

  private rebalance(group: AutoScalingGroup): void {
    if (['AZRebalance', 'Launch', 'Terminate'].some((p) => group.suspended.has(p)) || group.rebalanceLaunch) return;
    const instances = this.groupInstances(group);
    // AWS waits for scaling activities to finish before it rebalances.
    if (instances.some((i) => i.lifecycleState === 'Pending' || i.lifecycleState === 'Terminating')) return this.scheduleRebalance(group);
    const counts = this.azCounts(group, instances);
    const values = [...counts.values()];
    if (Math.max(...values) - Math.min(...values) <= 1) return;
    // Rebalancing may exceed the maximum size by up to 10% (at least one instance), as AWS allows.
    if (instances.length + 1 > group.maxSize + Math.max(1, Math.floor(group.maxSize * 0.1))) return;
    const instance = this.launch(group, this.shortestAz(group), 'an Availability Zone rebalancing: the group is unbalanced across its Availability Zones');
    group.rebalanceLaunch = instance.instanceId;
  }

  private launch(group: AutoScalingGroup, availabilityZone: string, cause: string): Instance {
    const lt = this.ec2.findLaunchTemplate({ id: group.launchTemplate.id })!;
    const version = this.ec2.resolveVersion(lt, group.launchTemplate.version)!;
    const instance = this.ec2.createInstance({
      availabilityZone,
      imageId: version.imageId,
      instanceType: version.instanceType,
      launchTemplate: { id: lt.launchTemplateId, name: lt.launchTemplateName, version: String(version.versionNumber) },
      autoScalingGroupName: group.name,
      nodeLabels: this.nodeLabels(group, availabilityZone, version.instanceType),
      launchTime: this.clock.now(),
    });
    instance.lifecycleState = 'Pending';
    group.instanceIds.push(instance.instanceId);
    const activity = this.activity(group, `Launching a new EC2 instance: ${instance.instanceId}`, `At ${this.isoNow()} an instance was started in response to ${cause}.`);
    this.record('LaunchInstance', group, { instanceId: instance.instanceId, availabilityZone, imageId: instance.imageId, launchTemplateVersion: version.versionNumber });
    this.clock.after(group.bootMs, () => this.finishBoot(group, instance, activity));
    return instance;
  }

  private finishBoot(group: AutoScalingGroup, instance: Instance, activity: ScalingActivity): void {
    if (instance.lifecycleState !== 'Pending') return;
    instance.state = 'running';
    instance.lifecycleState = 'InService';
    activity.statusCode = 'Successful';
    activity.progress = 100;
    activity.endTime = this.clock.now();
    this.record('InstanceInService', group, { instanceId: instance.instanceId, availabilityZone: instance.availabilityZone });
    this.events.emit('instance-running', this.info(instance));
    if (group.rebalanceLaunch === instance.instanceId) {
      group.rebalanceLaunch = undefined;
      const candidates = this.groupInstances(group).filter((i) => i.lifecycleState === 'InService');
      this.terminate(group, this.pickVictim(group, candidates), 'an Availability Zone rebalancing: an instance was launched in the short zone first', 'AZRebalance');
    }
    this.scheduleRebalance(group);
  }

  private terminate(group: AutoScalingGroup, instance: Instance, cause: string, action: string): ScalingActivity {
    const activity = this.activity(group, `Terminating EC2 instance: ${instance.instanceId}`, `At ${this.isoNow()} ${cause}`);
    instance.lifecycleState = 'Terminating';
    instance.state = 'shutting-down';
    this.record(action, group, { instanceId: instance.instanceId, availabilityZone: instance.availabilityZone });
    this.events.emit('instance-terminating', this.info(instance));
    this.clock.after(this.terminateMs, () => {
      this.ec2.markTerminated(instance);
      instance.lifecycleState = 'Terminated';
      group.instanceIds = group.instanceIds.filter((id) => id !== instance.instanceId);
      activity.statusCode = 'Successful';
      activity.progress = 100;
      activity.endTime = this.clock.now();
      this.record('InstanceTerminated', group, { instanceId: instance.instanceId, availabilityZone: instance.availabilityZone });
      this.events.emit('instance-terminated', this.info(instance));
      this.scheduleRebalance(group);
    });
    return activity;
  }

  /**
   * Default termination policy: the AZ with the most instances (ties: all of them), then instances on the
   * oldest launch template version, then (instead of AWS's "closest to the next billing hour", then random)
   * the oldest launch time, so the choice is deterministic.
   */
  private pickVictim(group: AutoScalingGroup, candidates: Instance[]): Instance {
    const counts = this.azCounts(group, candidates);
    const most = Math.max(...counts.values());
    const inLongAzs = candidates.filter((i) => counts.get(i.availabilityZone) === most);
    const version = (i: Instance) => (i.launchTemplateId === group.launchTemplate.id ? Number(i.launchTemplateVersion) : -1);
    return inLongAzs.sort((a, b) => version(a) - version(b) || a.launchTime - b.launchTime || a.instanceId.localeCompare(b.instanceId))[0]!;
  }

  private shortestAz(group: AutoScalingGroup): string {
    const live = this.groupInstances(group).filter((i) => i.lifecycleState === 'Pending' || i.lifecycleState === 'InService');
    const counts = this.azCounts(group, live);
    return group.availabilityZones.reduce((best, az) => (counts.get(az)! < counts.get(best)! ? az : best));
  }

  private azCounts(group: AutoScalingGroup, instances: Instance[]): Map<string, number> {
    const counts = new Map(group.availabilityZones.map((az) => [az, 0]));
    for (const i of instances) counts.set(i.availabilityZone, (counts.get(i.availabilityZone) ?? 0) + 1);
    return counts;
  }

  private checkProcesses(processes: string[]): void {
    const unknown = processes.filter((p) => !(SCALING_PROCESSES as readonly string[]).includes(p));
    if (unknown.length) throw new AutoScalingError('ValidationError', `Process names [${unknown.join(', ')}] are not valid scaling processes`);
  }

  private nodeLabels(group: AutoScalingGroup, availabilityZone: string, instanceType: string): Record<string, string> {
    return {
      ...group.nodeLabels,
      'eks.amazonaws.com/nodegroup': group.name,
      'node.kubernetes.io/instance-type': instanceType,
      'topology.kubernetes.io/zone': availabilityZone,
      'topology.kubernetes.io/region': this.ec2.region,
    };
  }

  info(instance: Instance): InstanceInfo {
    return {
      instanceId: instance.instanceId,
      availabilityZone: instance.availabilityZone,
      privateIp: instance.privateIp,
      privateDnsName: instance.privateDnsName,
      imageId: instance.imageId,
      instanceType: instance.instanceType,
      launchTemplateId: instance.launchTemplateId,
      launchTemplateVersion: instance.launchTemplateVersion,
      autoScalingGroupName: instance.autoScalingGroupName,
      nodeLabels: instance.nodeLabels,
    };
  }

  private activity(group: AutoScalingGroup, description: string, cause: string): ScalingActivity {
    const activity: ScalingActivity = { activityId: this.ec2.newUuid(), groupName: group.name, description, cause, startTime: this.clock.now(), statusCode: 'InProgress', progress: 30 };
    group.activities.unshift(activity);
    return activity;
  }

  private record(action: string, group: AutoScalingGroup, details: Record<string, unknown>): void {
    const instances = this.groupInstances(group);
    this.log.record({
      at: this.clock.now(),
      service: 'autoscaling',
      action,
      target: group.name,
      details: {
        ...details,
        desiredCapacity: group.desiredCapacity,
        inService: instances.filter((i) => i.lifecycleState === 'InService').length,
        pending: instances.filter((i) => i.lifecycleState === 'Pending').length,
      },
    });
  }

  private isoNow(): string {
    return new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
}
