import {
  AutoScalingClient,
  CreateOrUpdateTagsCommand,
  DeleteTagsCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeInstanceRefreshesCommand,
  DescribeScalingActivitiesCommand,
  ResumeProcessesCommand,
  SetDesiredCapacityCommand,
  SuspendProcessesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import type { InstanceInfo } from '../../src/contracts.js';
import { credentials, mostAttempts, scenario, startTestCloud, type TestCloud } from './aws-fixture.js';

const GROUP = 'eks-min-workers';

async function describeGroup(cloud: TestCloud, name = GROUP): Promise<AutoScalingGroup> {
  const out = await cloud.autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
  return out.AutoScalingGroups![0]!;
}

function recordEvents(cloud: TestCloud) {
  const events: { type: string; instance: InstanceInfo }[] = [];
  for (const type of ['instance-running', 'instance-terminating', 'instance-terminated'] as const) {
    cloud.cloud.events.on(type, (instance) => events.push({ type, instance }));
  }
  return events;
}

const azCounts = (group: AutoScalingGroup) => {
  const counts: Record<string, number> = {};
  for (const i of group.Instances ?? []) if (i.LifecycleState === 'InService' || i.LifecycleState === 'Pending') counts[i.AvailabilityZone!] = (counts[i.AvailabilityZone!] ?? 0) + 1;
  return counts;
};

describe('sandbox Auto Scaling (AWS Query) with the real AutoScalingClient', () => {
  let cloud: TestCloud;
  afterEach(() => cloud.stop());

  it('describes groups with instances, launch template versions, tags and pagination', async () => {
    cloud = await startTestCloud({ scenario: scenario('default') });
    const workers = await describeGroup(cloud, 'eks-prod-workers');
    expect(workers).toMatchObject({ MinSize: 3, MaxSize: 9, DesiredCapacity: 6, LaunchTemplate: { LaunchTemplateId: 'lt-0a1b2c3d4e5f60001', Version: '2' } });
    expect(workers.MixedInstancesPolicy).toBeUndefined();
    expect(workers.Instances).toHaveLength(6);
    expect(workers.Instances!.every((i) => i.LifecycleState === 'InService' && i.HealthStatus === 'Healthy' && i.LaunchTemplate?.Version === '1')).toBe(true);
    expect(azCounts(workers)).toEqual({ 'us-east-1a': 2, 'us-east-1b': 2, 'us-east-1c': 2 });
    expect(workers.Tags).toEqual(expect.arrayContaining([{ ResourceId: 'eks-prod-workers', ResourceType: 'auto-scaling-group', Key: 'kubernetes.io/cluster/prod', Value: 'owned', PropagateAtLaunch: true }]));

    const first = await cloud.autoScaling.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 1 }));
    expect(first.AutoScalingGroups).toHaveLength(1);
    const second = await cloud.autoScaling.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 1, NextToken: first.NextToken }));
    expect(second.AutoScalingGroups?.[0]?.AutoScalingGroupName).toBe('eks-prod-system');
    expect(second.NextToken).toBeUndefined();

    const instances = await cloud.autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: ['i-0bb0000000000a001'] }));
    expect(instances.AutoScalingInstances).toEqual([expect.objectContaining({ AutoScalingGroupName: 'eks-prod-system', LifecycleState: 'InService', HealthStatus: 'HEALTHY', AvailabilityZone: 'us-east-1a' })]);
  });

  it('emits instance-running for the initial instances once asked', async () => {
    cloud = await startTestCloud();
    const events = recordEvents(cloud);
    cloud.emitInitial();
    expect(events.map((e) => e.instance.instanceId).sort()).toEqual(['i-0aa0000000000b001', 'i-0aa0000000000b002', 'i-0aa0000000000b003']);
    expect(events[0]!.instance).toMatchObject({
      privateDnsName: 'ip-10-0-1-10.ec2.internal',
      imageId: 'ami-0old00000000000001',
      nodeLabels: { 'eks.amazonaws.com/nodegroup': GROUP, 'node.kubernetes.io/instance-type': 'm5.large', 'topology.kubernetes.io/zone': 'us-east-1a' },
    });
  });

  it('launches on desired capacity up: Pending, then InService after the boot time with instance-running', async () => {
    cloud = await startTestCloud();
    const events = recordEvents(cloud);
    await cloud.autoScaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: GROUP, DesiredCapacity: 4 }));
    let group = await describeGroup(cloud);
    const launched = group.Instances!.find((i) => i.LifecycleState === 'Pending')!;
    expect(launched).toMatchObject({ LaunchTemplate: { Version: '2' } });
    const ec2 = await cloud.ec2.send(new DescribeInstancesCommand({ InstanceIds: [launched.InstanceId!] }));
    const instance = ec2.Reservations![0]!.Instances![0]!;
    expect(instance).toMatchObject({ State: { Name: 'pending' }, ImageId: 'ami-0new00000000000002' });
    expect(instance.PrivateDnsName).toMatch(/^ip-10-0-\d+-\d+\.ec2\.internal$/);

    await cloud.clock.advance(39_000);
    expect((await describeGroup(cloud)).Instances!.find((i) => i.InstanceId === launched.InstanceId)!.LifecycleState).toBe('Pending');
    expect(events).toHaveLength(0);
    await cloud.clock.advance(1_000);
    group = await describeGroup(cloud);
    expect(group.Instances!.find((i) => i.InstanceId === launched.InstanceId)!.LifecycleState).toBe('InService');
    expect(events).toEqual([{ type: 'instance-running', instance: expect.objectContaining({ instanceId: launched.InstanceId, imageId: 'ami-0new00000000000002', launchTemplateVersion: '2' }) }]);
    expect(cloud.log.find({ service: 'autoscaling', action: 'InstanceInService' })[0]!.details).toMatchObject({ desiredCapacity: 4, inService: 4, pending: 0 });
  });

  it('validates min <= desired <= max like AWS', async () => {
    cloud = await startTestCloud();
    await expect(cloud.autoScaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: GROUP, DesiredCapacity: 7 }))).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'Desired capacity:7 must be between the specified min size:3 and max size:6',
    });
    await expect(cloud.autoScaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: GROUP, DesiredCapacity: 2 }))).rejects.toMatchObject({ name: 'ValidationError' });
    await cloud.autoScaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: GROUP, MinSize: 1, MaxSize: 9, LaunchTemplate: { LaunchTemplateId: 'lt-0a1b2c3d4e5f60009', Version: '$Latest' } }));
    expect(await describeGroup(cloud)).toMatchObject({ MinSize: 1, MaxSize: 9, DesiredCapacity: 3, LaunchTemplate: { Version: '$Latest' } });
    await expect(cloud.autoScaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'nope', MinSize: 1 }))).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(cloud.autoScaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: GROUP, LaunchTemplate: { Version: '1' } }))).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'Valid requests must contain either launchTemplateId or launchTemplateName',
    });
    await expect(cloud.autoScaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: GROUP, LaunchTemplate: { LaunchTemplateId: 'lt-0a1b2c3d4e5f60009', Version: '9' } }))).rejects.toMatchObject({
      name: 'ValidationError',
    });
  });

  it('terminates with decrement: desired - 1, instance-terminating at once, gone and instance-terminated later', async () => {
    cloud = await startTestCloud();
    await cloud.autoScaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: GROUP, MinSize: 2 }));
    const events = recordEvents(cloud);
    const out = await cloud.autoScaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: 'i-0aa0000000000b001', ShouldDecrementDesiredCapacity: true }));
    expect(out.Activity).toMatchObject({ AutoScalingGroupName: GROUP, StatusCode: 'InProgress', Description: 'Terminating EC2 instance: i-0aa0000000000b001' });
    expect(events.map((e) => e.type)).toEqual(['instance-terminating']);
    let group = await describeGroup(cloud);
    expect(group.DesiredCapacity).toBe(2);
    expect(group.Instances!.find((i) => i.InstanceId === 'i-0aa0000000000b001')!.LifecycleState).toBe('Terminating');

    await cloud.clock.advance(10_000);
    group = await describeGroup(cloud);
    expect(group.Instances!.map((i) => i.InstanceId)).not.toContain('i-0aa0000000000b001');
    expect(events.map((e) => e.type)).toEqual(['instance-terminating', 'instance-terminated']);
    const ec2 = await cloud.ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0aa0000000000b001'] }));
    expect(ec2.Reservations![0]!.Instances![0]!.State?.Name).toBe('terminated');
    await expect(cloud.autoScaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: 'i-0aa0000000000b001', ShouldDecrementDesiredCapacity: true }))).rejects.toMatchObject({ name: 'ValidationError' });
    const activities = await cloud.autoScaling.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: GROUP }));
    expect(activities.Activities?.[0]).toMatchObject({ StatusCode: 'Successful', Progress: 100 });
  });

  it('refuses a decrement below the minimum and replaces an instance terminated without decrement', async () => {
    cloud = await startTestCloud();
    await expect(cloud.autoScaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: 'i-0aa0000000000b002', ShouldDecrementDesiredCapacity: true }))).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining("violate group's min size constraint"),
    });
    await cloud.autoScaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: 'i-0aa0000000000b002', ShouldDecrementDesiredCapacity: false }));
    const group = await describeGroup(cloud);
    expect(group.DesiredCapacity).toBe(3);
    const replacement = group.Instances!.find((i) => i.LifecycleState === 'Pending')!;
    expect(replacement.AvailabilityZone).toBe('us-east-1b');
    await cloud.clock.advance(40_000);
    expect(azCounts(await describeGroup(cloud))).toEqual({ 'us-east-1a': 1, 'us-east-1b': 1, 'us-east-1c': 1 });
  });

  it('scales in by the default termination policy: most loaded AZ, then the oldest launch template version', async () => {
    cloud = await startTestCloud();
    await cloud.autoScaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: GROUP, DesiredCapacity: 4 }));
    await cloud.clock.advance(40_000);
    const grown = await describeGroup(cloud);
    const newcomer = grown.Instances!.find((i) => i.LaunchTemplate?.Version === '2')!;
    const oldSameAz = grown.Instances!.find((i) => i.AvailabilityZone === newcomer.AvailabilityZone && i.LaunchTemplate?.Version === '1')!;
    await cloud.autoScaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: GROUP, DesiredCapacity: 3 }));
    const shrunk = await describeGroup(cloud);
    expect(shrunk.Instances!.find((i) => i.LifecycleState === 'Terminating')!.InstanceId).toBe(oldSameAz.InstanceId);
  });

  it('suspends and resumes processes and records tags', async () => {
    cloud = await startTestCloud();
    await cloud.autoScaling.send(new SuspendProcessesCommand({ AutoScalingGroupName: GROUP, ScalingProcesses: ['AZRebalance', 'Launch'] }));
    let group = await describeGroup(cloud);
    expect(group.SuspendedProcesses!.map((p) => p.ProcessName).sort()).toEqual(['AZRebalance', 'Launch']);
    // Launch suspended: a higher desired capacity launches nothing until it is resumed.
    await cloud.autoScaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: GROUP, DesiredCapacity: 4 }));
    expect((await describeGroup(cloud)).Instances).toHaveLength(3);
    await cloud.autoScaling.send(new ResumeProcessesCommand({ AutoScalingGroupName: GROUP, ScalingProcesses: ['Launch'] }));
    group = await describeGroup(cloud);
    expect(group.SuspendedProcesses!.map((p) => p.ProcessName)).toEqual(['AZRebalance']);
    expect(group.Instances).toHaveLength(4);
    await expect(cloud.autoScaling.send(new SuspendProcessesCommand({ AutoScalingGroupName: GROUP, ScalingProcesses: ['Nonsense'] }))).rejects.toMatchObject({ name: 'ValidationError' });

    await cloud.autoScaling.send(
      new CreateOrUpdateTagsCommand({ Tags: [{ ResourceId: GROUP, ResourceType: 'auto-scaling-group', Key: 'deckhand/original-desired', Value: '3', PropagateAtLaunch: false }] }),
    );
    expect((await describeGroup(cloud)).Tags).toContainEqual(expect.objectContaining({ Key: 'deckhand/original-desired', Value: '3', PropagateAtLaunch: false }));
    await cloud.autoScaling.send(new DeleteTagsCommand({ Tags: [{ ResourceId: GROUP, ResourceType: 'auto-scaling-group', Key: 'deckhand/original-desired' }] }));
    expect((await describeGroup(cloud)).Tags!.map((t) => t.Key)).not.toContain('deckhand/original-desired');
    expect(cloud.log.find({ service: 'autoscaling', action: 'CreateOrUpdateTags', target: GROUP })).toHaveLength(1);
  });

  it('describes an instance refresh the scenario marks as in progress', async () => {
    const withRefresh = scenario('minimal');
    withRefresh.groups[0]!.instanceRefresh = { id: '0f1e2d3c-aaaa-bbbb-cccc-000000000001', status: 'InProgress', percentageComplete: 33 };
    cloud = await startTestCloud({ scenario: withRefresh });
    const out = await cloud.autoScaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: GROUP }));
    expect(out.InstanceRefreshes).toEqual([expect.objectContaining({ InstanceRefreshId: '0f1e2d3c-aaaa-bbbb-cccc-000000000001', Status: 'InProgress', PercentageComplete: 33 })]);
  });

  describe('AZRebalance after terminations with decrement leave the group unbalanced', () => {
    const unbalance = async () => {
      cloud = await startTestCloud({ scenario: scenario('default') });
      for (const id of ['i-0aa0000000000a001', 'i-0aa0000000000a002']) {
        await cloud.autoScaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: id, ShouldDecrementDesiredCapacity: true }));
      }
      await cloud.clock.advance(10_000);
      expect(azCounts(await describeGroup(cloud, 'eks-prod-workers'))).toEqual({ 'us-east-1b': 2, 'us-east-1c': 2 });
    };

    it('launches in the short AZ, then terminates in a long one', async () => {
      await unbalance();
      const events = recordEvents(cloud);
      await cloud.clock.advance(10 * 60_000);
      const group = await describeGroup(cloud, 'eks-prod-workers');
      expect(group.DesiredCapacity).toBe(4);
      expect(azCounts(group)).toEqual({ 'us-east-1a': 1, 'us-east-1b': 1, 'us-east-1c': 2 });
      expect(events.map((e) => `${e.type} ${e.instance.availabilityZone}`)).toEqual(['instance-running us-east-1a', 'instance-terminating us-east-1b', 'instance-terminated us-east-1b']);
      expect(cloud.log.find({ action: 'AZRebalance' })).toHaveLength(1);
    });

    it('does nothing while AZRebalance is suspended', async () => {
      await unbalance();
      await cloud.autoScaling.send(new SuspendProcessesCommand({ AutoScalingGroupName: 'eks-prod-workers', ScalingProcesses: ['AZRebalance'] }));
      await cloud.clock.advance(30 * 60_000);
      expect(azCounts(await describeGroup(cloud, 'eks-prod-workers'))).toEqual({ 'us-east-1b': 2, 'us-east-1c': 2 });
      expect(cloud.log.find({ action: 'LaunchInstance' })).toHaveLength(0);
    });
  });

  it('answers injected Throttling that the SDK retries', async () => {
    cloud = await startTestCloud();
    const patient = new AutoScalingClient({ region: cloud.region, endpoint: cloud.endpoints.autoScaling, credentials, maxAttempts: 10 });
    cloud.faults.services.autoscaling = { throttleRate: 0.5 };
    try {
      expect(await mostAttempts(() => patient.send(new DescribeAutoScalingGroupsCommand({})))).toBeGreaterThan(1);
      cloud.faults.services.autoscaling = { throttleRate: 1 };
      await expect(cloud.autoScaling.send(new DescribeAutoScalingGroupsCommand({}))).rejects.toMatchObject({ name: 'Throttling', message: 'Rate exceeded', $metadata: { attempts: 3 } });
    } finally {
      patient.destroy();
    }
  });
});
