/**
 * The simulated AWS account: one HTTP server per service speaking the real wire protocol, so unmodified
 * AWS SDK v3 clients reach it through `endpoint` / `AWS_ENDPOINT_URL_<SERVICE>`.
 */
import { AccessLog, DEPLOY_DIR, type DeckhandRole } from '../access.js';
import type { VirtualClock } from '../clock.js';
import { CloudEvents, seededRandom, type CloudForCluster, type Faults, type MutationLog } from '../contracts.js';
import { startAutoScalingServer } from './auto-scaling-server.js';
import { startEc2Server } from './ec2-server.js';
import { CloudAuthorizer, shippedPolicies } from './iam/authorizer.js';
import type { Policy } from './iam/policy.js';
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
  /** Where allowed grants and denials of deckhand's roles are recorded. */
  access?: AccessLog;
  /** deckhand's policies; default the shipped `deploy/aws/<role>-policy.json` rendered for the scenario's account. */
  policies?: Record<DeckhandRole, Policy>;
}): Promise<StartedCloud> {
  const seed = opts.seed ?? 1;
  const events = new CloudEvents();
  const model = new CloudModel(opts.scenario, opts.clock, events, opts.log, seed);
  // Fault decisions get their own stream, so injecting faults does not change the generated state.
  const faultRandom = seededRandom(seed ^ 0x5eed);
  const { accountId, region, nodeRoleName } = opts.scenario;
  const policies = opts.policies ?? shippedPolicies(DEPLOY_DIR, { AWS_ACCOUNT_ID: accountId, AWS_REGION: region, NODE_ROLE_NAME: nodeRoleName });
  const context = { clock: opts.clock, faults: opts.faults, random: faultRandom, authorizer: new CloudAuthorizer(accountId, policies, opts.access ?? new AccessLog(), opts.log, opts.clock) };
  const servers = await Promise.all([
    startAutoScalingServer(model.autoScaling, context),
    startEc2Server(model.ec2, context),
    startRoute53Server(model.route53, context, { requestsPerSecond: opts.route53RequestsPerSecond, changeProcessingMs: opts.route53ChangeProcessingMs }),
    startPricingServer(model.products, context),
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
