/** Starts the simulated AWS account on a manual virtual clock and gives real SDK clients pointed at it. */
import { resolve } from 'node:path';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { PricingClient } from '@aws-sdk/client-pricing';
import { Route53Client } from '@aws-sdk/client-route-53';
import { IDENTITIES } from '../../src/access.js';
import { VirtualClock } from '../../src/clock.js';
import { loadAwsScenario, startCloud, type AwsScenario } from '../../src/cloud/index.js';
import { emptyFaults, MutationLog } from '../../src/contracts.js';

/** The administrator's: these tests exercise the simulated services themselves, not deckhand's permissions. */
export const credentials = { accessKeyId: IDENTITIES.admin.accessKeyId, secretAccessKey: IDENTITIES.admin.secretAccessKey };

export function scenario(name: 'default' | 'minimal'): AwsScenario {
  return loadAwsScenario(resolve('sandbox/src/scenarios', name));
}

export async function startTestCloud(opts: { scenario?: AwsScenario; route53RequestsPerSecond?: number; route53ChangeProcessingMs?: number; maxAttempts?: number } = {}) {
  const clock = new VirtualClock(Date.parse('2026-01-05T09:00:00Z'), 0);
  const faults = emptyFaults();
  const log = new MutationLog();
  const started = await startCloud({ clock, faults, log, scenario: opts.scenario ?? scenario('minimal'), seed: 42, route53RequestsPerSecond: opts.route53RequestsPerSecond, route53ChangeProcessingMs: opts.route53ChangeProcessingMs });
  const config = { region: started.region, credentials, maxAttempts: opts.maxAttempts ?? 3 };
  const clients = {
    autoScaling: new AutoScalingClient({ ...config, endpoint: started.endpoints.autoScaling }),
    ec2: new EC2Client({ ...config, endpoint: started.endpoints.ec2 }),
    route53: new Route53Client({ ...config, endpoint: started.endpoints.route53 }),
    pricing: new PricingClient({ ...config, endpoint: started.endpoints.pricing }),
  };
  return {
    ...started,
    ...clients,
    clock,
    faults,
    log,
    async stop() {
      for (const client of Object.values(clients)) client.destroy();
      await started.stop();
      clock.stop();
    },
  };
}

export type TestCloud = Awaited<ReturnType<typeof startTestCloud>>;

/** The most SDK attempts any of `calls` requests needed: above 1 once a throttled service made the SDK retry. */
export async function mostAttempts(send: () => Promise<{ $metadata: { attempts?: number } }>, calls = 4): Promise<number> {
  let most = 0;
  for (let n = 0; n < calls; n++) most = Math.max(most, (await send()).$metadata.attempts ?? 1);
  return most;
}
