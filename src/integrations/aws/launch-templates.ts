/** EC2 port for resolving a rollout target: launch template versions and AMIs. Read-only. */
import { DescribeImagesCommand, paginateDescribeLaunchTemplateVersions, type EC2Client } from '@aws-sdk/client-ec2';

export interface TemplateVersion {
  version: string;
  imageId?: string;
  isDefault: boolean;
}

/** Every version of the template (AWS keeps up to 10,000), numbered, oldest first. */
export async function listTemplateVersions(ec2: EC2Client, launchTemplateId: string): Promise<TemplateVersion[]> {
  const versions: TemplateVersion[] = [];
  for await (const page of paginateDescribeLaunchTemplateVersions({ client: ec2 }, { LaunchTemplateId: launchTemplateId })) {
    for (const v of page.LaunchTemplateVersions ?? []) {
      versions.push({ version: String(v.VersionNumber), imageId: v.LaunchTemplateData?.ImageId, isDefault: v.DefaultVersion === true });
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
