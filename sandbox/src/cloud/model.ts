/** The whole simulated account: EC2, Auto Scaling, Route 53 and the price catalogue, sharing one seeded PRNG. */
import type { VirtualClock } from '../clock.js';
import { seededRandom, type CloudEvents, type MutationLog } from '../contracts.js';
import { AutoScalingModel } from './auto-scaling-model.js';
import { Ec2Model } from './ec2-model.js';
import { generatePtrRecords } from './generate.js';
import { buildCatalogue, type PriceProduct } from './pricing-model.js';
import { Route53Model } from './route53-model.js';
import type { AwsScenario } from './scenario.js';

export class CloudModel {
  readonly ec2: Ec2Model;
  readonly autoScaling: AutoScalingModel;
  readonly route53: Route53Model;
  readonly products: PriceProduct[];
  readonly random: () => number;

  constructor(
    readonly scenario: AwsScenario,
    readonly clock: VirtualClock,
    events: CloudEvents,
    readonly log: MutationLog,
    seed = 1,
  ) {
    this.random = seededRandom(seed);
    this.ec2 = new Ec2Model(scenario, clock, log, this.random);
    this.autoScaling = new AutoScalingModel(scenario, this.ec2, clock, events, log);
    this.route53 = new Route53Model(scenario, clock, log, this.random);
    for (const z of scenario.hostedZones) {
      if (z.syntheticPtrs) generatePtrRecords(this, this.route53.findZone(z.id), { ...z.syntheticPtrs, subnets: this.ec2.subnets });
    }
    this.products = buildCatalogue();
  }
}
