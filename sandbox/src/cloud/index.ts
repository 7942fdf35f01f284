/**
 * The simulated AWS account: one HTTP server per service speaking the real wire protocol, so unmodified
 * AWS SDK v3 clients reach it through `endpoint` / `AWS_ENDPOINT_URL_<SERVICE>`.
 */
import type { VirtualClock } from '../clock.js';
import { CloudEvents, seededRandom, type CloudForCluster, type Faults, type MutationLog } from '../contracts.js';
import { startAutoScalingServer } from './auto-scaling-server.js';
import { startEc2Server } from './ec2-server.js';
import { CloudModel } from './model.js';
import { startPricingServer } from './pricing-server.js';
import { startRoute53Server } from './route53-server.js';
import type { AwsScenario } from './scenario.js';

export { loadAwsScenario, parseAwsScenario, type AwsScenario } from './scenario.js';
export { CloudModel } from './model.js';
export { generatePtrZones } from './generate.js';
export { PRICE_DATE } from './pricing-model.js';

export interface CloudEndpoints {
  autoScaling: string;
  ec2: string;
  route53: string;
  pricing: string;
}

export interface StartedCloud {
  endpoints: CloudEndpoints;
  region: string;
  cloud: CloudForCluster;
  /** Direct access to state for tests and benches (e.g. add records in bulk). */
  model: CloudModel;
  /**
   * Emit `instance-running` for the scenario's initial instances (call once the cluster listens), and
   * start the group controllers (a group below its desired capacity launches now).
   */
  emitInitial(): void;
  stop(): Promise<void>;
}

export async function startCloud(opts: {
  clock: VirtualClock;
  faults: Faults;
  log: MutationLog;
  scenario: AwsScenario;
  seed?: number;
  /** Route 53 per-account requests per second (real time); off when absent. Benches use 5. */
  route53RequestsPerSecond?: number;
  /** Real milliseconds a hosted zone takes to process a change: a change to it meanwhile gets PriorRequestNotComplete. */
  route53ChangeProcessingMs?: number;
}): Promise<StartedCloud> {
  const seed = opts.seed ?? 1;
  const events = new CloudEvents();
  const model = new CloudModel(opts.scenario, opts.clock, events, opts.log, seed);
  // Fault decisions get their own stream, so injecting faults does not change the generated state.
  const faultRandom = seededRandom(seed ^ 0x5eed);
  const servers = await Promise.all([
    startAutoScalingServer(model.autoScaling, opts.faults, faultRandom),
    startEc2Server(model.ec2, opts.faults, faultRandom),
    startRoute53Server(model.route53, opts.faults, faultRandom, { requestsPerSecond: opts.route53RequestsPerSecond, changeProcessingMs: opts.route53ChangeProcessingMs }),
    startPricingServer(model.products, opts.faults, faultRandom),
  ]);
  const [autoScaling, ec2, route53, pricing] = servers;
  const cloud: CloudForCluster = {
    events,
    modifyVolume: (volumeId, sizeGiB) => model.ec2.modifyVolume(volumeId, sizeGiB),
    volume(volumeId) {
      const v = model.ec2.volumes.get(volumeId);
      return v && { volumeId: v.volumeId, sizeGiB: v.sizeGiB, volumeType: v.volumeType, availabilityZone: v.availabilityZone };
    },
  };
  let initialEmitted = false;
  return {
    endpoints: { autoScaling: autoScaling.url, ec2: ec2.url, route53: route53.url, pricing: pricing.url },
    region: opts.scenario.region,
    cloud,
    model,
    emitInitial() {
      if (initialEmitted) return;
      initialEmitted = true;
      model.autoScaling.emitInitial();
    },
    stop: async () => {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}
