import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CoreV1Api } from '@kubernetes/client-node';
import { startSandbox, type Sandbox } from '../../src/index.js';

describe('startSandbox (default scenario)', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ scenario: 'default' });
  });
  afterAll(() => sandbox.stop());

  it('joins the simulated AWS account and the cluster: every in-service instance of a group is a Ready node', async () => {
    const clients = sandbox.clients('admin');
    const { AutoScalingGroups } = await clients.autoScaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['eks-prod-workers'] }),
    );
    const instanceIds = (AutoScalingGroups?.[0]?.Instances ?? []).map((i) => i.InstanceId);
    expect(instanceIds).toHaveLength(6);

    const nodes = await clients.kube.makeApiClient(CoreV1Api).listNode();
    const readyByInstance = new Map(
      nodes.items.map((n) => [
        n.spec?.providerID?.split('/').pop(),
        n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      ]),
    );
    for (const id of instanceIds) expect(readyByInstance.get(id)).toBe(true);
  });

  it('hands out the environment a separate bot process needs', () => {
    expect(Object.keys(sandbox.env)).toEqual(
      expect.arrayContaining([
        'AWS_ENDPOINT_URL_AUTO_SCALING',
        'AWS_ENDPOINT_URL_EC2',
        'AWS_ENDPOINT_URL_ROUTE_53',
        'AWS_ENDPOINT_URL_PRICING',
        'KUBECONFIG',
        'SLACK_API_URL',
        'SLACK_SIGNING_SECRET',
        'SLACK_BOT_TOKEN',
      ]),
    );
  });
});

describe('startSandbox failing part-way', () => {
  it('stops what it had started and passes the error on', async () => {
    let cloud: Sandbox['cloud'] | undefined;
    const failing = startSandbox({
      scenario: 'minimal',
      prepareCloud: (started) => {
        cloud = started;
        throw new Error('prepareCloud failed');
      },
    });
    await expect(failing).rejects.toThrow('prepareCloud failed');
    expect(cloud).toBeDefined();
    await expect(fetch(cloud!.endpoints.ec2, { method: 'POST', body: 'Action=DescribeImages' })).rejects.toThrow();
  });
});
