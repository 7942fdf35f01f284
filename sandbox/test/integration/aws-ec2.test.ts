import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSpotPriceHistoryCommand,
  DescribeVolumesCommand,
  DescribeVolumesModificationsCommand,
  EC2Client,
  ModifyVolumeCommand,
  paginateDescribeInstances,
  paginateDescribeLaunchTemplateVersions,
  paginateDescribeNetworkInterfaces,
  type NetworkInterface,
} from '@aws-sdk/client-ec2';
import { credentials, mostAttempts, scenario, startTestCloud, type TestCloud } from './aws-fixture.js';

describe('sandbox EC2 (EC2 Query) with the real EC2Client', () => {
  let cloud: TestCloud;
  beforeEach(async () => {
    cloud = await startTestCloud({ scenario: scenario('default') });
  });
  afterEach(() => cloud.stop());

  const enis = async (input: ConstructorParameters<typeof DescribeNetworkInterfacesCommand>[0] = {}) => {
    const out = await cloud.ec2.send(new DescribeNetworkInterfacesCommand(input));
    return out.NetworkInterfaces ?? [];
  };

  it('filters instances by state, Auto Scaling group tag and private IP, and paginates', async () => {
    const byGroup = await cloud.ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: 'instance-state-name', Values: ['running', 'pending'] },
          { Name: 'tag:aws:autoscaling:groupName', Values: ['eks-prod-system'] },
        ],
      }),
    );
    const system = byGroup.Reservations!.flatMap((r) => r.Instances!);
    expect(system.map((i) => i.InstanceId).sort()).toEqual(['i-0bb0000000000a001', 'i-0bb0000000000a002']);
    expect(system[0]).toMatchObject({ State: { Code: 16, Name: 'running' }, InstanceType: 'm5.large', Placement: { AvailabilityZone: 'us-east-1a' }, VpcId: 'vpc-0d3c4a7d00000001' });

    const byIp = await cloud.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'private-ip-address', Values: ['10.0.33.12'] }] }));
    expect(byIp.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId))).toEqual(['i-0aa0000000000a003']);
    // private-ip-address matches only primary addresses, like EC2.
    const bySecondary = await cloud.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'private-ip-address', Values: ['10.0.33.13'] }] }));
    expect(bySecondary.Reservations).toEqual([]);

    const ids: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeInstances({ client: cloud.ec2, pageSize: 5 }, {})) {
      pages++;
      ids.push(...page.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId!)));
    }
    expect(pages).toBe(2);
    expect(new Set(ids).size).toBe(8);
    await expect(cloud.ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] }))).rejects.toMatchObject({ name: 'InvalidInstanceID.NotFound' });
  });

  it('describes network interfaces with secondary IPs, IPv6, prefixes and non-instance owners', async () => {
    const [cni] = await enis({ Filters: [{ Name: 'addresses.private-ip-address', Values: ['10.0.1.25'] }] });
    expect(cni).toMatchObject({ PrivateIpAddress: '10.0.1.23', Attachment: { InstanceId: 'i-0aa0000000000a001' }, Ipv6Addresses: [{ Ipv6Address: '2600:1f18:1234:5600::a1' }] });
    expect(cni!.PrivateIpAddresses!.map((a) => [a.PrivateIpAddress, a.Primary])).toEqual([
      ['10.0.1.23', true],
      ['10.0.1.24', false],
      ['10.0.1.25', false],
      ['10.0.1.26', false],
    ]);
    const [prefixed] = await enis({ Filters: [{ Name: 'attachment.instance-id', Values: ['i-0aa0000000000a002'] }] });
    expect(prefixed!.Ipv4Prefixes).toEqual([{ Ipv4Prefix: '10.0.8.16/28' }]);
    const [v6prefixed] = await enis({ Filters: [{ Name: 'attachment.instance-id', Values: ['i-0aa0000000000a005'] }] });
    expect(v6prefixed!.Ipv6Prefixes).toEqual([{ Ipv6Prefix: '2600:1f18:1234:5602:a::/80' }]);

    const [lambda] = await enis({ Filters: [{ Name: 'interface-type', Values: ['lambda'] }, { Name: 'private-ip-address', Values: ['10.0.4.30'] }] });
    expect(lambda).toMatchObject({ InterfaceType: 'lambda', RequesterManaged: true, Status: 'in-use', Description: expect.stringMatching(/^AWS Lambda VPC ENI-/) });
    const [rds] = await enis({ Filters: [{ Name: 'private-ip-address', Values: ['10.0.36.15'] }] });
    expect(rds).toMatchObject({ InterfaceType: 'interface', Description: 'RDSNetworkInterface', RequesterManaged: true, RequesterId: 'amazon-rds' });
    const [nat] = await enis({ Filters: [{ Name: 'interface-type', Values: ['nat_gateway'] }] });
    expect(nat!.Description).toBe('Interface for NAT Gateway nat-0a1b2c3d4e5f60001');
    const [spare] = await enis({ Filters: [{ Name: 'status', Values: ['available'] }] });
    expect(spare!.PrivateIpAddress).toBe('10.0.0.20');
    const elbs = await enis({ Filters: [{ Name: 'interface-type', Values: ['load_balancer', 'network_load_balancer'] }, { Name: 'description', Values: ['ELB *'] }] });
    expect(elbs.length).toBeGreaterThanOrEqual(3);
    expect(await enis({ Filters: [{ Name: 'vpc-id', Values: ['vpc-00000000000000000'] }] })).toEqual([]);
    await expect(enis({ Filters: [{ Name: 'no-such-filter', Values: ['x'] }] })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('paginates DescribeNetworkInterfaces over every ENI exactly once', async () => {
    const seen: NetworkInterface[] = [];
    let pages = 0;
    for await (const page of paginateDescribeNetworkInterfaces({ client: cloud.ec2, pageSize: 7 }, { Filters: [{ Name: 'vpc-id', Values: ['vpc-0d3c4a7d00000001'] }] })) {
      pages++;
      expect(page.NetworkInterfaces!.length).toBeLessThanOrEqual(7);
      seen.push(...page.NetworkInterfaces!);
    }
    const total = cloud.model.ec2.networkInterfaces.size;
    expect(total).toBeGreaterThan(30);
    expect(seen).toHaveLength(total);
    expect(new Set(seen.map((e) => e.NetworkInterfaceId)).size).toBe(total);
    expect(pages).toBe(Math.ceil(total / 7));
    await expect(cloud.ec2.send(new DescribeNetworkInterfacesCommand({ MaxResults: 2000 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('resolves launch template versions ($Latest, $Default) and describes images', async () => {
    const templates = await cloud.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: ['lt-0a1b2c3d4e5f60001'] }));
    expect(templates.LaunchTemplates![0]).toMatchObject({ LaunchTemplateName: 'eks-prod-workers', DefaultVersionNumber: 1, LatestVersionNumber: 2 });
    const versions = await cloud.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: 'lt-0a1b2c3d4e5f60001', Versions: ['$Latest', '$Default'] }));
    expect(versions.LaunchTemplateVersions!.map((v) => [v.VersionNumber, v.DefaultVersion, v.LaunchTemplateData?.ImageId])).toEqual([
      [2, false, 'ami-0new00000000000002'],
      [1, true, 'ami-0old00000000000001'],
    ]);
    const byName = await cloud.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: 'eks-prod-workers' }));
    expect(byName.LaunchTemplateVersions!.map((v) => v.VersionNumber)).toEqual([2, 1]);
    const paged: number[] = [];
    for await (const page of paginateDescribeLaunchTemplateVersions({ client: cloud.ec2, pageSize: 1 }, { LaunchTemplateId: 'lt-0a1b2c3d4e5f60001' })) {
      paged.push(...page.LaunchTemplateVersions!.map((v) => v.VersionNumber!));
    }
    expect(paged).toEqual([2, 1]);
    await expect(cloud.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: 'lt-0a1b2c3d4e5f60001', Versions: ['7'] }))).rejects.toMatchObject({
      name: 'InvalidLaunchTemplateId.VersionNotFound',
    });
    const images = await cloud.ec2.send(new DescribeImagesCommand({ ImageIds: ['ami-0new00000000000002'] }));
    expect(images.Images![0]).toMatchObject({ Name: 'amazon-eks-node-1.29-v20251201', State: 'available', CreationDate: '2025-12-01T00:00:00.000Z' });
    await expect(cloud.ec2.send(new DescribeImagesCommand({ ImageIds: ['ami-0000000000000dead'] }))).rejects.toMatchObject({ name: 'InvalidAMIID.NotFound' });
  });

  it('modifies a volume through modifying, optimizing and completed, with EBS limits', async () => {
    const volumeId = 'vol-0000000000000a001';
    await expect(cloud.ec2.send(new DescribeVolumesModificationsCommand({ VolumeIds: [volumeId] }))).rejects.toMatchObject({ name: 'InvalidVolumeModification.NotFound' });
    const out = await cloud.ec2.send(new ModifyVolumeCommand({ VolumeId: volumeId, Size: 20 }));
    expect(out.VolumeModification).toMatchObject({ VolumeId: volumeId, ModificationState: 'modifying', OriginalSize: 10, TargetSize: 20, TargetVolumeType: 'gp3' });
    await expect(cloud.ec2.send(new ModifyVolumeCommand({ VolumeId: volumeId, Size: 30 }))).rejects.toMatchObject({ name: 'IncorrectModificationState' });

    const state = async () => (await cloud.ec2.send(new DescribeVolumesModificationsCommand({ VolumeIds: [volumeId] }))).VolumesModifications![0]!;
    const size = async () => (await cloud.ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }))).Volumes![0]!.Size;
    expect(await size()).toBe(10);
    await cloud.clock.advance(5_000);
    expect((await state()).ModificationState).toBe('optimizing');
    expect(await size()).toBe(20);
    await cloud.clock.advance(5 * 60_000);
    expect(await state()).toMatchObject({ ModificationState: 'completed', Progress: 100 });

    // Four modifications per rolling 24 h, each once the previous one completed; EBS shows only the latest.
    const first = cloud.clock.now() - 5 * 60_000 - 5_000;
    for (const next of [30, 40, 50]) {
      await expect(cloud.ec2.send(new ModifyVolumeCommand({ VolumeId: volumeId, Size: next }))).resolves.toBeDefined();
      await cloud.clock.advance(6 * 60_000);
    }
    const listed = (await cloud.ec2.send(new DescribeVolumesModificationsCommand({ VolumeIds: [volumeId] }))).VolumesModifications!;
    expect(listed.map((m) => m.TargetSize)).toEqual([50]);
    await expect(cloud.ec2.send(new ModifyVolumeCommand({ VolumeId: volumeId, Size: 60 }))).rejects.toMatchObject({
      name: 'VolumeModificationRateExceeded',
      message: expect.stringContaining(`Wait until ${new Date(first + 24 * 3600_000).toISOString()}`),
    });
    await cloud.clock.advance(first + 24 * 3600_000 - cloud.clock.now() + 1);
    await expect(cloud.ec2.send(new ModifyVolumeCommand({ VolumeId: volumeId, Size: 60 }))).resolves.toBeDefined();

    await expect(cloud.ec2.send(new ModifyVolumeCommand({ VolumeId: 'vol-0000000000000a003', Size: 16385 }))).rejects.toMatchObject({ name: 'InvalidParameterValue', message: expect.stringContaining('maximum is 16384GiB') });
    await expect(cloud.ec2.send(new ModifyVolumeCommand({ VolumeId: 'vol-0000000000000a003', Size: 10 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(cloud.ec2.send(new ModifyVolumeCommand({ VolumeId: 'vol-0000000000000a004', Size: 65536 }))).resolves.toBeDefined();
    expect(cloud.log.find({ service: 'ec2', action: 'ModifyVolume' }).map((e) => e.target)).toEqual([volumeId, volumeId, volumeId, volumeId, volumeId, 'vol-0000000000000a004']);
  });

  it('gives the cluster the same volume rules through CloudForCluster', async () => {
    expect(cloud.cloud.volume('vol-0000000000000a007')).toEqual({ volumeId: 'vol-0000000000000a007', sizeGiB: 500, volumeType: 'st1', availabilityZone: 'us-east-1c' });
    expect(cloud.cloud.modifyVolume('vol-0000000000000a007', 16384)).toEqual({ ok: true, modificationState: 'modifying' });
    expect(cloud.cloud.modifyVolume('vol-0000000000000a007', 16384)).toMatchObject({ ok: false, code: 'IncorrectModificationState' });
    expect(cloud.cloud.modifyVolume('vol-0000000000000a002', 70000)).toMatchObject({ ok: false, code: 'InvalidParameterValue' });
    expect(cloud.cloud.modifyVolume('vol-0000000000000ffff', 20)).toMatchObject({ ok: false, code: 'InvalidVolume.NotFound' });
  });

  it('returns bundled spot price history', async () => {
    const out = await cloud.ec2.send(new DescribeSpotPriceHistoryCommand({ InstanceTypes: ['m5.large'], ProductDescriptions: ['Linux/UNIX'] }));
    expect(out.SpotPriceHistory!.map((p) => p.AvailabilityZone)).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
    expect(out.SpotPriceHistory![0]).toMatchObject({ SpotPrice: '0.038900', InstanceType: 'm5.large' });
  });

  it('injects server errors and latency', async () => {
    cloud.faults.services.ec2 = { errorRate: 1 };
    await expect(cloud.ec2.send(new DescribeImagesCommand({}))).rejects.toMatchObject({ name: 'InternalError', $metadata: { httpStatusCode: 500, attempts: 3 } });
    cloud.faults.services.ec2 = { latencyMs: 150 };
    const started = Date.now();
    await cloud.ec2.send(new DescribeImagesCommand({}));
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    delete cloud.faults.services.ec2;
  });

  it('answers injected RequestLimitExceeded that the SDK retries', async () => {
    const patient = new EC2Client({ region: cloud.region, endpoint: cloud.endpoints.ec2, credentials, maxAttempts: 10 });
    cloud.faults.services.ec2 = { throttleRate: 0.5 };
    try {
      expect(await mostAttempts(() => patient.send(new DescribeImagesCommand({})))).toBeGreaterThan(1);
      cloud.faults.services.ec2 = { throttleRate: 1 };
      await expect(cloud.ec2.send(new DescribeImagesCommand({}))).rejects.toMatchObject({ name: 'RequestLimitExceeded', $metadata: { attempts: 3 } });
    } finally {
      patient.destroy();
    }
  });
});
