/** EC2 port for launch template versions (a rollout target, what a version launches) and AMIs. Read-only. */
import { DescribeImagesCommand, DescribeLaunchTemplateVersionsCommand, paginateDescribeLaunchTemplateVersions, type EC2Client } from '@aws-sdk/client-ec2';

export interface TemplateVersion {
  version: string;
  imageId?: string;
  instanceType?: string;
  isDefault: boolean;
}

/** Every version of the template (AWS keeps up to 10,000), numbered, oldest first. */
export async function listTemplateVersions(ec2: EC2Client, launchTemplateId: string): Promise<TemplateVersion[]> {
  const versions: TemplateVersion[] = [];
  for await (const page of paginateDescribeLaunchTemplateVersions({ client: ec2 }, { LaunchTemplateId: launchTemplateId })) {
    for (const v of page.LaunchTemplateVersions ?? []) {
      versions.push({ version: String(v.VersionNumber), imageId: v.LaunchTemplateData?.ImageId, instanceType: v.LaunchTemplateData?.InstanceType, isDefault: v.DefaultVersion === true });
    }
  }
  return versions.sort((a, b) => Number(a.version) - Number(b.version));
}

export interface ImageView {
  imageId: string;
  state: string;
  name?: string;
}

/** Undefined when EC2 does not know the AMI (deregistered, or another account's private image). */
export async function describeImage(ec2: EC2Client, imageId: string): Promise<ImageView | undefined> {
  try {
    const out = await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
    const image = out.Images?.find((i) => i.ImageId === imageId);
    return image ? { imageId, state: image.State ?? 'unknown', name: image.Name } : undefined;
  } catch (error) {
    if (error instanceof Error && /InvalidAMIID/.test(error.name)) return undefined;
    throw error;
  }
}

export interface TemplateVolume {
  deviceName: string;
  volumeType: string;
  sizeGiB: number;
  iops?: number;
  throughput?: number;
}

export interface TemplateMachine {
  version: string;
  instanceType?: string;
  /** The EBS volumes every instance launched from this version gets (block device mappings with `Ebs`). */
  volumes: TemplateVolume[];
}

/** One version's instance type and EBS volumes; `version` may be a number, `$Default` or `$Latest`. Undefined when it does not exist. */
export async function describeTemplateMachine(ec2: EC2Client, launchTemplateId: string, version: string): Promise<TemplateMachine | undefined> {
  try {
    const out = await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: launchTemplateId, Versions: [version] }));
    const v = out.LaunchTemplateVersions?.[0];
    if (!v) return undefined;
    const volumes = (v.LaunchTemplateData?.BlockDeviceMappings ?? []).flatMap((m) =>
      m.Ebs
        ? [{ deviceName: m.DeviceName ?? '', volumeType: m.Ebs.VolumeType ?? 'gp2', sizeGiB: m.Ebs.VolumeSize ?? 0, ...(m.Ebs.Iops ? { iops: m.Ebs.Iops } : {}), ...(m.Ebs.Throughput ? { throughput: m.Ebs.Throughput } : {}) }]
        : [],
    );
    return { version: String(v.VersionNumber), instanceType: v.LaunchTemplateData?.InstanceType, volumes };
  } catch (error) {
    if (error instanceof Error && /^InvalidLaunchTemplate/.test(error.name)) return undefined;
    throw error;
  }
}
