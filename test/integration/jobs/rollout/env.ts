/**
 * The sandbox for rollout tests: the default scenario (or a given one) with the real SDK clients pointing at
 * the simulated AWS and Kubernetes. Without `redis`, the Redis pods run no process and keep simulated private
 * pod IPs: the rollout must then treat them as plain pods and never dial those addresses.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { PricingClient } from '@aws-sdk/client-pricing';
import { Route53Client } from '@aws-sdk/client-route-53';
import { KubeConfig } from '@kubernetes/client-node';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parse } from 'yaml';
import type { Clients } from '../../../../src/integrations/clients.js';
import type { KindContext } from '../../../../src/jobs/kind.js';
import { VirtualClock } from '../../../../src/sandbox/clock.js';
import { parseAwsScenario, startCloud, type StartedCloud } from '../../../../src/sandbox/cloud/index.js';
import { parseClusterScenario, startCluster, type RunningCluster } from '../../../../src/sandbox/cluster/index.js';
import { emptyFaults, MutationLog, type Faults } from '../../../../src/sandbox/contracts.js';
import { testRedis } from '../../../helpers/redis-prefix.js';

export const START = Date.parse('2026-01-05T09:00:00Z');
const SCENARIOS = new URL('../../../../src/sandbox/scenarios/', import.meta.url).pathname;

export interface RolloutEnv {
  clock: VirtualClock;
  faults: Faults;
  log: MutationLog;
  cloud: StartedCloud;
  cluster: RunningCluster;
  clients: Clients;
  kindContext(settings?: unknown): KindContext;
  stop(): Promise<void>;
}

type Raw = Record<string, any>;

export function readScenario(name: string): { aws: Raw; kubernetes: Raw } {
  const read = (file: string) => parse(readFileSync(join(SCENARIOS, name, file), 'utf8')) as Raw;
  return { aws: read('aws.yaml'), kubernetes: read('kubernetes.yaml') };
}

export async function startRolloutEnv(opts: { scenario?: { aws: Raw; kubernetes: Raw }; redis?: boolean; speed?: number; faults?: Faults; maxAttempts?: number } = {}): Promise<RolloutEnv> {
  const raw = opts.scenario ?? readScenario('default');
  const redis = opts.redis ?? false;
  const clock = new VirtualClock(START, 0);
  const faults = opts.faults ?? emptyFaults();
  const log = new MutationLog();
  const dataDir = mkdtempSync(join(tmpdir(), 'dh-rollout-'));
  const cloud = await startCloud({ clock, faults, log, scenario: parseAwsScenario(raw.aws) });
  const initialInstances = [...cloud.model.ec2.instances.values()].filter((i) => i.state === 'running').map((i) => cloud.model.autoScaling.info(i));
  const cluster = await startCluster({
    clock,
    faults,
    log,
    cloud: cloud.cloud,
    scenario: parseClusterScenario(raw.kubernetes),
    dataDir,
    redis,
    initialInstances,
  });
  cloud.emitInitial();
  clock.setSpeed(opts.speed ?? 200);
  const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox-secret' };
  const aws = { region: 'us-east-1', credentials, maxAttempts: opts.maxAttempts ?? 3 };
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
  const kindRedis = testRedis('rollout');
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
