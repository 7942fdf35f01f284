/** The AWS half of a sandbox scenario (`<scenario>/aws.yaml`), validated with zod. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

const tags = z.record(z.string(), z.string()).default({});

const recordSet = z.object({
  name: z.string(),
  type: z.string(),
  ttl: z.number().int().nonnegative().optional(),
  values: z.array(z.string()).default([]),
  setIdentifier: z.string().optional(),
  weight: z.number().int().optional(),
  aliasTarget: z.object({ hostedZoneId: z.string(), dnsName: z.string(), evaluateTargetHealth: z.boolean().default(false) }).optional(),
});

/** Extra addresses an ENI carries besides its primary private IPv4 (VPC CNI secondary IPs, prefix delegation, IPv6). */
const eniAddresses = {
  secondaryIps: z.array(z.string()).default([]),
  ipv6Addresses: z.array(z.string()).default([]),
  ipv4Prefixes: z.array(z.string()).default([]),
  ipv6Prefixes: z.array(z.string()).default([]),
};

const scenarioInstance = z.object({
  id: z.string().regex(/^i-[0-9a-f]{8,17}$/),
  availabilityZone: z.string(),
  privateIp: z.string(),
  launchTemplateVersion: z.string(),
  /** Virtual-time offset from the clock's start, negative = launched earlier (drives "oldest" termination). */
  launchedMinutesAgo: z.number().default(60 * 24),
  ...eniAddresses,
});

const group = z.object({
  name: z.string(),
  launchTemplate: z.object({ id: z.string(), version: z.string() }),
  minSize: z.number().int().nonnegative(),
  maxSize: z.number().int().nonnegative(),
  desiredCapacity: z.number().int().nonnegative(),
  availabilityZones: z.array(z.string()).min(1),
  /** Launch to EC2 running / ASG InService, in virtual seconds. */
  bootSeconds: z.number().positive().default(40),
  nodeLabels: z.record(z.string(), z.string()).default({}),
  tags,
  suspendedProcesses: z.array(z.string()).default([]),
  instances: z.array(scenarioInstance).default([]),
  instanceRefresh: z
    .object({ id: z.string(), status: z.enum(['Pending', 'InProgress', 'Successful', 'Failed', 'Cancelling', 'Cancelled']), percentageComplete: z.number().default(0) })
    .optional(),
});

const networkInterface = z.object({
  id: z.string().regex(/^eni-[0-9a-f]{8,17}$/),
  availabilityZone: z.string(),
  privateIp: z.string(),
  interfaceType: z.enum(['interface', 'lambda', 'nat_gateway', 'load_balancer', 'vpc_endpoint', 'network_load_balancer', 'efs', 'branch', 'trunk']),
  description: z.string().default(''),
  requesterManaged: z.boolean().default(false),
  /** Service principal that created a requester-managed ENI, e.g. amazon-elb, amazon-rds. */
  requesterId: z.string().optional(),
  /** A detached ENI still owns its addresses. */
  status: z.enum(['in-use', 'available']).default('in-use'),
  ...eniAddresses,
});

const syntheticPtrs = z.object({
  /** PTRs whose IP is held by a (generated) ENI. */
  live: z.number().int().nonnegative(),
  /** PTRs whose IP no ENI holds. */
  stale: z.number().int().nonnegative(),
  seed: z.number().int().default(1),
});

const hostedZone = z.object({
  id: z.string().regex(/^Z[0-9A-Z]{6,31}$/),
  name: z.string(),
  private: z.boolean().default(false),
  comment: z.string().optional(),
  records: z.array(recordSet).default([]),
  syntheticPtrs: syntheticPtrs.optional(),
});

export const awsScenarioSchema = z.object({
  region: z.string().default('us-east-1'),
  accountId: z.string().regex(/^\d{12}$/).default('123456789012'),
  /** The node groups' IAM role, rendered into deckhand's policies as NODE_ROLE_NAME (the role it may pass to EC2). */
  nodeRoleName: z.string().default('eks-node'),
  vpc: z.object({ id: z.string(), cidr: z.string() }),
  subnets: z.array(z.object({ id: z.string(), availabilityZone: z.string(), cidr: z.string() })).min(1),
  images: z.array(z.object({ id: z.string(), name: z.string(), description: z.string().default(''), creationDate: z.string() })).default([]),
  launchTemplates: z
    .array(
      z.object({
        id: z.string(),
        name: z.string(),
        defaultVersion: z.number().int().positive().default(1),
        versions: z
          .array(
            z.object({
              version: z.number().int().positive(),
              imageId: z.string(),
              instanceType: z.string(),
              description: z.string().optional(),
              /** Role of the version's instance profile: updating a group to it needs iam:PassRole on it. */
              instanceProfileRole: z.string().optional(),
              securityGroupIds: z.array(z.string()).default([]),
              /** Resource types the version tags at launch: updating a group to it needs ec2:CreateTags on them. */
              tagSpecifications: z.array(z.enum(['instance', 'volume'])).default([]),
              /** EBS volumes each instance launched from the version gets (its block device mappings). */
              blockDevices: z
                .array(z.object({ deviceName: z.string(), volumeType: z.string(), sizeGiB: z.number().int().positive(), iops: z.number().int().optional(), throughput: z.number().int().optional() }))
                .default([]),
            }),
          )
          .min(1),
      }),
    )
    .default([]),
  groups: z.array(group).default([]),
  networkInterfaces: z.array(networkInterface).default([]),
  volumes: z
    .array(
      z.object({
        id: z.string().regex(/^vol-[0-9a-f]{8,17}$/),
        availabilityZone: z.string(),
        sizeGiB: z.number().int().positive(),
        volumeType: z.enum(['gp2', 'gp3', 'io1', 'io2', 'st1', 'sc1', 'standard']),
        iops: z.number().int().optional(),
        throughput: z.number().int().optional(),
        tags,
      }),
    )
    .default([]),
  hostedZones: z.array(hostedZone).default([]),
  spotPrices: z.array(z.object({ instanceType: z.string(), availabilityZone: z.string(), price: z.string(), hoursAgo: z.number().default(1) })).default([]),
  /** Virtual seconds: GetChange answers PENDING this long after a change, then INSYNC. */
  route53SyncSeconds: z.number().nonnegative().default(30),
  /** Virtual seconds an instance stays shutting-down before it is terminated. */
  terminateSeconds: z.number().nonnegative().default(10),
});

export type AwsScenario = z.infer<typeof awsScenarioSchema>;
export type ScenarioRecordSet = z.infer<typeof recordSet>;

export function parseAwsScenario(raw: unknown): AwsScenario {
  const result = awsScenarioSchema.safeParse(raw);
  if (!result.success) throw new Error(`invalid aws scenario:\n${z.prettifyError(result.error)}`);
  return result.data;
}

export function loadAwsScenario(dir: string): AwsScenario {
  const file = join(dir, 'aws.yaml');
  try {
    return parseAwsScenario(parse(readFileSync(file, 'utf8')));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
  }
}
