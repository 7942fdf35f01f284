/** Read-only EBS port: the volume behind a PV and its recent modifications. */
import {
  DescribeVolumesCommand,
  paginateDescribeVolumesModifications,
  type EC2Client,
  type VolumeModification,
} from '@aws-sdk/client-ec2';
import { hasAwsErrorCode } from './errors.js';

export interface EbsVolume {
  volumeId: string;
  sizeGiB: number;
  volumeType: string;
  availabilityZone: string;
  state: string;
}

export interface EbsVolumeModification {
  state: 'modifying' | 'optimizing' | 'completed' | 'failed';
  startTime?: number;
  endTime?: number;
  originalSizeGiB?: number;
  targetSizeGiB?: number;
  statusMessage?: string;
}

/** Undefined when EBS does not know the id (deleted volume, or a PV pointing at another account). */
export async function describeVolume(ec2: EC2Client, volumeId: string): Promise<EbsVolume | undefined> {
  try {
    const out = await ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }));
    const volume = out.Volumes?.find((v) => v.VolumeId === volumeId);
    if (!volume) return undefined;
    return {
      volumeId,
      sizeGiB: volume.Size ?? 0,
      volumeType: volume.VolumeType ?? 'unknown',
      availabilityZone: volume.AvailabilityZone ?? '',
      state: volume.State ?? 'unknown',
    };
  } catch (error) {
    if (hasAwsErrorCode(error, 'InvalidVolume.NotFound')) return undefined;
    throw error;
  }
}

/** Modifications EBS reports for the volume (empty when it was never modified). */
export async function describeVolumeModifications(ec2: EC2Client, volumeId: string): Promise<EbsVolumeModification[]> {
  const modifications: EbsVolumeModification[] = [];
  try {
    for await (const page of paginateDescribeVolumesModifications({ client: ec2 }, { VolumeIds: [volumeId] })) {
      for (const m of page.VolumesModifications ?? []) if (m.VolumeId === volumeId) modifications.push(toModification(m));
    }
  } catch (error) {
    if (hasAwsErrorCode(error, 'InvalidVolumeModification.NotFound')) return [];
    throw error;
  }
  return modifications;
}

function toModification(m: VolumeModification): EbsVolumeModification {
  return {
    state: (m.ModificationState ?? 'completed') as EbsVolumeModification['state'],
    startTime: m.StartTime?.getTime(),
    endTime: m.EndTime?.getTime(),
    originalSizeGiB: m.OriginalSize,
    targetSizeGiB: m.TargetSize,
    statusMessage: m.StatusMessage,
  };
}
