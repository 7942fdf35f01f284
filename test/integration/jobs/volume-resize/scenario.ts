/**
 * The resize tests' world: the default scenario's EBS volumes and three workers, its storage classes and
 * claims. Redis pods are not needed here, so no redis-server processes run.
 */
import type { ScenarioData } from '../../../../sandbox/src/index.js';

const AWS_SCENARIO = {
  region: 'us-east-1',
  vpc: { id: 'vpc-0d3c4a7d00000001', cidr: '10.0.0.0/16' },
  subnets: [
    { id: 'subnet-0a00000000000001', availabilityZone: 'us-east-1a', cidr: '10.0.0.0/19' },
    { id: 'subnet-0a00000000000002', availabilityZone: 'us-east-1b', cidr: '10.0.32.0/19' },
    { id: 'subnet-0a00000000000003', availabilityZone: 'us-east-1c', cidr: '10.0.64.0/19' },
  ],
  images: [{ id: 'ami-0new00000000000002', name: 'amazon-eks-node-1.29-v20260101', creationDate: '2026-01-01T00:00:00.000Z' }],
  launchTemplates: [{ id: 'lt-0a1b2c3d4e5f60001', name: 'eks-prod-workers', versions: [{ version: 1, imageId: 'ami-0new00000000000002', instanceType: 'm5.large' }] }],
  groups: [
    {
      name: 'eks-prod-workers',
      launchTemplate: { id: 'lt-0a1b2c3d4e5f60001', version: '1' },
      minSize: 3,
      maxSize: 3,
      desiredCapacity: 3,
      availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
      nodeLabels: { 'eks.amazonaws.com/nodegroup': 'eks-prod-workers' },
      instances: [
        { id: 'i-0000000000000a001', availabilityZone: 'us-east-1a', privateIp: '10.0.1.23', launchTemplateVersion: '1' },
        { id: 'i-0000000000000a002', availabilityZone: 'us-east-1b', privateIp: '10.0.33.23', launchTemplateVersion: '1' },
        { id: 'i-0000000000000a003', availabilityZone: 'us-east-1c', privateIp: '10.0.65.23', launchTemplateVersion: '1' },
      ],
    },
  ],
  volumes: [
    { id: 'vol-0000000000000a001', availabilityZone: 'us-east-1a', sizeGiB: 10, volumeType: 'gp3' },
    { id: 'vol-0000000000000a003', availabilityZone: 'us-east-1a', sizeGiB: 20, volumeType: 'gp2' },
    { id: 'vol-0000000000000a004', availabilityZone: 'us-east-1a', sizeGiB: 50, volumeType: 'gp3' },
    { id: 'vol-0000000000000a005', availabilityZone: 'us-east-1b', sizeGiB: 50, volumeType: 'gp3' },
    { id: 'vol-0000000000000a006', availabilityZone: 'us-east-1c', sizeGiB: 50, volumeType: 'gp3' },
    { id: 'vol-0000000000000a007', availabilityZone: 'us-east-1c', sizeGiB: 500, volumeType: 'st1' },
    { id: 'vol-0000000000000a008', availabilityZone: 'us-east-1b', sizeGiB: 5, volumeType: 'gp2' },
    { id: 'vol-0000000000000a009', availabilityZone: 'us-east-1a', sizeGiB: 8, volumeType: 'gp2' },
  ],
};

const app = (kind: string, namespace: string, name: string, extra: Record<string, unknown> = {}) => ({
  kind,
  namespace,
  name,
  labels: { app: name },
  containers: [{ name, image: `example/${name}:1` }],
  terminationGracePeriodSeconds: 5,
  ...extra,
});

const CLUSTER_SCENARIO = {
  namespaces: ['default', 'kube-system', 'data', 'search', 'logs'],
  storageClasses: [
    { name: 'gp3', provisioner: 'ebs.csi.aws.com', allowVolumeExpansion: true, expansion: 'online', parameters: { type: 'gp3' }, isDefault: true },
    { name: 'gp2', provisioner: 'kubernetes.io/aws-ebs', allowVolumeExpansion: true, expansion: 'offline', parameters: { type: 'gp2' } },
    { name: 'st1-fixed', provisioner: 'ebs.csi.aws.com', allowVolumeExpansion: false, parameters: { type: 'st1' } },
  ],
  persistentVolumeClaims: [
    { namespace: 'data', name: 'redis-data-redis-ha-0', storageClass: 'gp3', size: '10Gi', volumeId: 'vol-0000000000000a001' },
    { namespace: 'data', name: 'pgdata-postgres-0', storageClass: 'gp2', size: '20Gi', volumeId: 'vol-0000000000000a003' },
    { namespace: 'search', name: 'data-es-0', storageClass: 'gp3', size: '50Gi', volumeId: 'vol-0000000000000a004' },
    { namespace: 'search', name: 'data-es-1', storageClass: 'gp3', size: '50Gi', volumeId: 'vol-0000000000000a005' },
    { namespace: 'search', name: 'data-es-2', storageClass: 'gp3', size: '50Gi', volumeId: 'vol-0000000000000a006' },
    { namespace: 'logs', name: 'archive', storageClass: 'st1-fixed', size: '500Gi', volumeId: 'vol-0000000000000a007' },
    { namespace: 'default', name: 'scratch', storageClass: 'gp2', size: '5Gi', volumeId: 'vol-0000000000000a008' },
    { namespace: 'logs', name: 'shared', storageClass: 'gp2', size: '8Gi', volumeId: 'vol-0000000000000a009' },
  ],
  workloads: [
    app('StatefulSet', 'data', 'redis-ha', { replicas: 1, volumeClaimTemplates: ['redis-data'] }),
    app('StatefulSet', 'data', 'postgres', { replicas: 1, volumeClaimTemplates: ['pgdata'] }),
    app('StatefulSet', 'search', 'es', { replicas: 3, volumeClaimTemplates: ['data'] }),
    app('Deployment', 'logs', 'log-archiver', { replicas: 1, volumes: [{ name: 'archive', claimName: 'archive' }] }),
    app('Pod', 'default', 'scratchpad', { volumes: [{ name: 'scratch', claimName: 'scratch' }] }),
    // Several pods on one claim (ReadWriteMany, or pods sharing a node): each must restart for an offline resize.
    app('Deployment', 'logs', 'shipper', { replicas: 2, volumes: [{ name: 'shared', claimName: 'shared' }] }),
  ],
  podDisruptionBudgets: [{ namespace: 'data', name: 'postgres', matchLabels: { app: 'postgres' }, maxUnavailable: 1 }],
};

export const RESIZE_SCENARIO: ScenarioData = { aws: AWS_SCENARIO, kubernetes: CLUSTER_SCENARIO };
