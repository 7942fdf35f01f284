/**
 * A small sandbox for the resize tests: the cloud (real wire protocols) with the default scenario's EBS
 * volumes and three workers, the cluster with the default scenario's storage classes and claims, and real
 * SDK clients pointing at both. Redis pods are not needed here, so no redis-server processes run.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { PricingClient } from '@aws-sdk/client-pricing';
import { Route53Client } from '@aws-sdk/client-route-53';
import { KubeConfig } from '@kubernetes/client-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Clients } from '../../../../src/integrations/clients.js';
import type { KindContext } from '../../../../src/jobs/kind.js';
import { VirtualClock } from '../../../../src/sandbox/clock.js';
import { parseAwsScenario, startCloud, type StartedCloud } from '../../../../src/sandbox/cloud/index.js';
import { parseClusterScenario, startCluster, type RunningCluster } from '../../../../src/sandbox/cluster/index.js';
import { emptyFaults, MutationLog, type Faults } from '../../../../src/sandbox/contracts.js';
import { testRedis } from '../../../helpers/redis-prefix.js';

export const START = Date.parse('2026-01-05T09:00:00Z');

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
  ],
  workloads: [
    app('StatefulSet', 'data', 'redis-ha', { replicas: 1, volumeClaimTemplates: ['redis-data'] }),
    app('StatefulSet', 'data', 'postgres', { replicas: 1, volumeClaimTemplates: ['pgdata'] }),
    app('StatefulSet', 'search', 'es', { replicas: 3, volumeClaimTemplates: ['data'] }),
    app('Deployment', 'logs', 'log-archiver', { replicas: 1, volumes: [{ name: 'archive', claimName: 'archive' }] }),
    app('Pod', 'default', 'scratchpad', { volumes: [{ name: 'scratch', claimName: 'scratch' }] }),
  ],
  podDisruptionBudgets: [{ namespace: 'data', name: 'postgres', matchLabels: { app: 'postgres' }, maxUnavailable: 1 }],
};

export interface SandboxEnv {
  clock: VirtualClock;
  faults: Faults;
  log: MutationLog;
  cloud: StartedCloud;
  cluster: RunningCluster;
  clients: Clients;
  kindContext(settings?: unknown): KindContext;
  stop(): Promise<void>;
}

/** `speed`: virtual milliseconds per real millisecond (the watch polls every 10 virtual seconds). */
export async function startSandbox(speed = 200): Promise<SandboxEnv> {
  const clock = new VirtualClock(START, 0);
  const faults = emptyFaults();
  const log = new MutationLog();
  const dataDir = mkdtempSync(join(tmpdir(), 'dh-resize-'));
  const cloud = await startCloud({ clock, faults, log, scenario: parseAwsScenario(AWS_SCENARIO) });
  const initialInstances = [...cloud.model.ec2.instances.values()].filter((i) => i.state === 'running').map((i) => cloud.model.autoScaling.info(i));
  const cluster = await startCluster({ clock, faults, log, cloud: cloud.cloud, scenario: parseClusterScenario(CLUSTER_SCENARIO), dataDir, redis: false, initialInstances });
  clock.setSpeed(speed);
  const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox-secret' };
  const aws = { region: 'us-east-1', credentials, maxAttempts: 2 };
  const kube = new KubeConfig();
  kube.loadFromFile(cluster.kubeconfigPath);
  const clients: Clients = {
    autoScaling: new AutoScalingClient({ ...aws, endpoint: cloud.endpoints.autoScaling }),
    ec2: new EC2Client({ ...aws, endpoint: cloud.endpoints.ec2 }),
    route53: new Route53Client({ ...aws, endpoint: cloud.endpoints.route53 }),
    pricing: new PricingClient({ ...aws, endpoint: cloud.endpoints.pricing }),
    kube,
  };
  const logger = pino({ level: 'silent' });
  const kindRedis = testRedis('resize');
  return {
    clock,
    faults,
    log,
    cloud,
    cluster,
    clients,
    kindContext: (settings) => ({ clients, clock, log: logger, settings, redis: kindRedis.redis, redisPrefix: kindRedis.prefix }),
    stop: async () => {
      clock.stop();
      await kindRedis.close();
      for (const client of [clients.autoScaling, clients.ec2, clients.route53, clients.pricing]) client.destroy();
      await cluster.stop();
      await cloud.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
