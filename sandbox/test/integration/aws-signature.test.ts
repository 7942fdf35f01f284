/**
 * The simulated AWS checks SigV4 signatures as AWS does: a known access key with the wrong secret is refused in
 * each service's own wire shape (real SDK clients parse it into the service's exception), and so is a malformed
 * Authorization header; the right secret is answered.
 */
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeServicesCommand, PricingClient } from '@aws-sdk/client-pricing';
import { ListHostedZonesCommand, Route53Client } from '@aws-sdk/client-route-53';
import { IDENTITIES } from '../../src/access.js';
import { signatureProblem } from '../../src/cloud/iam/signature.js';
import { startTestCloud, type TestCloud } from './aws-fixture.js';

interface ServiceFailure {
  name: string;
  message: string;
  $metadata: { httpStatusCode?: number };
}

async function failure(call: Promise<unknown>): Promise<ServiceFailure> {
  try {
    await call;
  } catch (error) {
    return error as ServiceFailure;
  }
  throw new Error('the call succeeded');
}

describe('SigV4 signatures in the simulated AWS', () => {
  let cloud: TestCloud;
  beforeAll(async () => {
    cloud = await startTestCloud();
  });
  afterAll(() => cloud.stop());

  /** Real clients of every service, signing with the administrator’s access key and `secretAccessKey`. */
  function clientsWith(secretAccessKey: string) {
    const config = { region: cloud.region, credentials: { accessKeyId: IDENTITIES.admin.accessKeyId, secretAccessKey }, maxAttempts: 1 };
    return {
      autoScaling: new AutoScalingClient({ ...config, endpoint: cloud.endpoints.autoScaling }),
      ec2: new EC2Client({ ...config, endpoint: cloud.endpoints.ec2 }),
      route53: new Route53Client({ ...config, endpoint: cloud.endpoints.route53 }),
      pricing: new PricingClient({ ...config, endpoint: cloud.endpoints.pricing }),
    };
  }

  it('refuses a wrong secret in each service’s shape, and changes nothing', async () => {
    const wrong = clientsWith('not-the-secret');
    try {
      const refusals = [
        await failure(wrong.autoScaling.send(new DescribeAutoScalingGroupsCommand({}))),
        await failure(wrong.ec2.send(new DescribeInstancesCommand({}))),
        await failure(wrong.route53.send(new ListHostedZonesCommand({}))),
        await failure(wrong.pricing.send(new DescribeServicesCommand({}))),
      ];
      expect(refusals.map((e) => [e.name, e.$metadata.httpStatusCode])).toEqual([
        ['SignatureDoesNotMatch', 403],
        ['AuthFailure', 401],
        ['SignatureDoesNotMatch', 403],
        ['InvalidSignatureException', 400],
      ]);
      expect(refusals[0]!.message).toMatch(/^The request signature we calculated does not match/);
      expect(cloud.log.entries).toEqual([]);
    } finally {
      for (const client of Object.values(wrong)) client.destroy();
    }
  });

  it('answers the right secret', async () => {
    const right = clientsWith(IDENTITIES.admin.secretAccessKey);
    try {
      await expect(right.autoScaling.send(new DescribeAutoScalingGroupsCommand({}))).resolves.toBeDefined();
      await expect(right.route53.send(new ListHostedZonesCommand({}))).resolves.toBeDefined();
    } finally {
      for (const client of Object.values(right)) client.destroy();
    }
  });

  it('refuses an Authorization header without a signature as IncompleteSignature', async () => {
    const credential = `Credential=${IDENTITIES.admin.accessKeyId}/20260105/${cloud.region}/autoscaling/aws4_request`;
    const response = await fetch(cloud.endpoints.autoScaling, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-amz-date': '20260105T090000Z', authorization: `AWS4-HMAC-SHA256 ${credential}, SignedHeaders=host;x-amz-date` },
      body: 'Action=DescribeAutoScalingGroups&Version=2011-01-01',
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/<Code>IncompleteSignature<\/Code>/);
  });

  it('accepts a request the AWS CLI (botocore) signed, which signs fewer headers than the JavaScript SDK', async () => {
    // Recorded from `aws --debug autoscaling describe-auto-scaling-groups` against the sandbox.
    const headers = {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      host: '127.0.0.1:44175',
      'x-amz-date': '20261206T015259Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIASANDBOXADMIN/20261206/us-east-1/autoscaling/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=6db52d5df6dd346860f1ab99ec905643fb768feec6fdac7e15add69d31f4308d',
    };
    const request = { method: 'POST', path: '/', query: new URLSearchParams(), headers, body: 'Action=DescribeAutoScalingGroups&Version=2011-01-01' };
    await expect(signatureProblem(request, IDENTITIES.admin.secretAccessKey)).resolves.toBeUndefined();
    await expect(signatureProblem({ ...request, body: 'Action=DescribeAutoScalingGroups&Version=2011-01-02' }, IDENTITIES.admin.secretAccessKey)).resolves.toBe('SignatureDoesNotMatch');
  });
});
