/**
 * Node capacity per EC2 instance type, and allocatable as the EKS AMI's bootstrap computes it
 * (kube-reserved CPU 6% of the first core + 1% of the second + 0.5% of the next two + 0.25% beyond;
 * memory 255Mi + 11Mi per max pod, plus a 100Mi hard eviction threshold). Max pods = ENI-based limit.
 */
interface InstanceShape {
  vcpu: number;
  memoryMiB: number;
  maxPods: number;
}

const SHAPES: Record<string, InstanceShape> = {
  't3.medium': { vcpu: 2, memoryMiB: 4096, maxPods: 17 },
  't3.large': { vcpu: 2, memoryMiB: 8192, maxPods: 35 },
  'm5.large': { vcpu: 2, memoryMiB: 8192, maxPods: 29 },
  'm5.xlarge': { vcpu: 4, memoryMiB: 16384, maxPods: 58 },
  'm5.2xlarge': { vcpu: 8, memoryMiB: 32768, maxPods: 58 },
  'm6i.large': { vcpu: 2, memoryMiB: 8192, maxPods: 29 },
  'm6i.xlarge': { vcpu: 4, memoryMiB: 16384, maxPods: 58 },
  'c5.large': { vcpu: 2, memoryMiB: 4096, maxPods: 29 },
  'c5.xlarge': { vcpu: 4, memoryMiB: 8192, maxPods: 58 },
  'r5.large': { vcpu: 2, memoryMiB: 16384, maxPods: 29 },
  'r5.xlarge': { vcpu: 4, memoryMiB: 32768, maxPods: 58 },
};

export interface NodeResources {
  capacity: { cpu: string; memory: string; pods: string };
  allocatable: { cpu: string; memory: string; pods: string };
}

function reservedMilliCpu(vcpu: number): number {
  const tiers = [60, 10, 5, 5];
  let reserved = 0;
  for (let core = 0; core < vcpu; core++) reserved += tiers[core] ?? 2.5;
  return Math.round(reserved);
}

/** Unknown types get m5.large's shape: the sandbox should not refuse a scenario for a missing table row. */
export function nodeResources(instanceType: string): NodeResources {
  const shape = SHAPES[instanceType] ?? SHAPES['m5.large']!;
  const reservedMiB = 255 + 11 * shape.maxPods + 100;
  return {
    capacity: { cpu: String(shape.vcpu), memory: `${shape.memoryMiB * 1024}Ki`, pods: String(shape.maxPods) },
    allocatable: {
      cpu: `${shape.vcpu * 1000 - reservedMilliCpu(shape.vcpu)}m`,
      memory: `${(shape.memoryMiB - reservedMiB) * 1024}Ki`,
      pods: String(shape.maxPods),
    },
  };
}
