/**
 * The sandbox holds deckhand's identities to the shipped permissions (deploy/aws/*-policy.json,
 * deploy/kubernetes/base/rbac.yaml) and answers refusals as AWS and Kubernetes do. These requests are refused
 * on purpose, so this sandbox keeps them out of the suite's access record (least-privilege.test.ts).
 */
import { AutoScalingClient, SetDesiredCapacityCommand, UpdateAutoScalingGroupCommand, type AutoScalingServiceException } from '@aws-sdk/client-auto-scaling';
import { ModifyVolumeCommand, type EC2ServiceException } from '@aws-sdk/client-ec2';
import { ChangeResourceRecordSetsCommand, type Route53ServiceException } from '@aws-sdk/client-route-53';
import { ApiException, AppsV1Api, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientsForRole } from '../../../src/integrations/clients.js';
import { startDeckhand } from '../../../src/runtime.js';
import { slashCommand } from '../../../sandbox/src/slack/signed-client.js';
import { testRedis } from '../../helpers/redis-prefix.js';
import { describeGroup } from '../../../src/integrations/aws/auto-scaling.js';
import { listPods } from '../../../src/integrations/kubernetes/pods.js';
import { destroyClients, sandboxEndpointsInProcessEnv, startTestSandbox, type TestSandbox } from '../../helpers/sandbox.js';
import { getUnverified } from '../../helpers/unverified-tls.js';

const GROUP = 'eks-prod-workers';
const REVERSE_ZONE = 'Z0PROD0010REVERSE2';
const FORWARD_ZONE = 'Z0EXAMPLECOMPUBLIC';

async function failure<E extends Error>(promise: Promise<unknown>): Promise<E & { $metadata: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as E & { $metadata: { httpStatusCode?: number } };
  }
  throw new Error('expected the request to be refused');
}

const ptrChange = (action: 'CREATE' | 'DELETE' | 'UPSERT', name: string, type = 'PTR', value = 'host.example.') =>
  new ChangeResourceRecordSetsCommand({
    HostedZoneId: REVERSE_ZONE,
    ChangeBatch: { Changes: [{ Action: action, ResourceRecordSet: { Name: name, Type: type as never, TTL: 300, ResourceRecords: [{ Value: value }] } }] },
  });

let env: TestSandbox;
beforeAll(async () => {
  env = await startTestSandbox({ accessLogFile: null, maxAttempts: 1 });
});
afterAll(async () => {
  await env.stop();
});

describe('the sandbox enforces the shipped IAM policies', () => {

  test('the bot may read a group but not change it: AccessDenied, logged as denied, nothing changed', async () => {
    expect((await describeGroup(env.bot.autoScaling, GROUP))?.desiredCapacity).toBe(6);
    const error = await failure<AutoScalingServiceException>(env.bot.autoScaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: GROUP, DesiredCapacity: 7 })));
    expect(error.name).toBe('AccessDenied');
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toMatch(
      /^User: arn:aws:sts::123456789012:assumed-role\/deckhand-bot\/sandbox is not authorized to perform: autoscaling:SetDesiredCapacity on resource: arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:[^:]+:autoScalingGroupName\/eks-prod-workers because no identity-based policy allows the autoscaling:SetDesiredCapacity action$/,
    );
    expect(env.log.find({ action: 'denied' }).at(-1)?.details).toEqual({ principal: 'arn:aws:sts::123456789012:assumed-role/deckhand-bot/sandbox', action: 'autoscaling:SetDesiredCapacity', reason: 'implicit-deny' });
    expect(env.log.find({ action: 'SetDesiredCapacity' })).toEqual([]);
    expect(env.cloud.model.autoScaling.group(GROUP).desiredCapacity).toBe(6);
  });

  test('the worker changes only groups tagged deckhand:managed=true', async () => {
    await env.worker.autoScaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: GROUP, DesiredCapacity: 6 }));
    env.cloud.model.autoScaling.group(GROUP).tags.delete('deckhand:managed');
    try {
      const error = await failure<AutoScalingServiceException>(env.worker.autoScaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: GROUP, DesiredCapacity: 6 })));
      expect(error.name).toBe('AccessDenied');
      expect(error.message).toContain('assumed-role/deckhand-worker/sandbox is not authorized to perform: autoscaling:SetDesiredCapacity');
    } finally {
      env.cloud.model.autoScaling.group(GROUP).tags.set('deckhand:managed', { value: 'true', propagateAtLaunch: true });
    }
  });

  test('updating a group to a launch template version needs iam:PassRole on its instance role', async () => {
    const lt = env.cloud.model.ec2.findLaunchTemplate({ id: 'lt-0a1b2c3d4e5f60001' })!;
    const v2 = lt.versions.find((v) => v.versionNumber === 2)!;
    const update = () => env.worker.autoScaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: GROUP, LaunchTemplate: { LaunchTemplateId: lt.launchTemplateId, Version: '2' } }));
    await update();
    v2.instanceProfileRole = 'some-other-role';
    try {
      const error = await failure<AutoScalingServiceException>(update());
      expect([error.name, error.$metadata.httpStatusCode, error.message]).toEqual(['AccessDenied', 403, 'You are not authorized to use launch template: lt-0a1b2c3d4e5f60001']);
      expect(env.log.find({ action: 'denied' }).at(-1)).toMatchObject({ service: 'autoscaling', target: 'arn:aws:iam::123456789012:role/some-other-role', details: { action: 'iam:PassRole' } });
    } finally {
      v2.instanceProfileRole = 'eks-prod-node';
    }
  });

  test('EC2 refuses with UnauthorizedOperation and an encoded authorization message', async () => {
    const error = await failure<EC2ServiceException>(env.worker.ec2.send(new ModifyVolumeCommand({ VolumeId: 'vol-0000000000000a001', Size: 20 })));
    expect([error.name, error.$metadata.httpStatusCode]).toEqual(['UnauthorizedOperation', 403]);
    const encoded = /Encoded authorization failure message: (\S+)$/.exec(error.message)?.[1];
    expect(JSON.parse(Buffer.from(encoded!, 'base64').toString('utf8'))).toMatchObject({
      allowed: false,
      context: { principal: { arn: 'arn:aws:sts::123456789012:assumed-role/deckhand-worker/sandbox' }, action: 'ec2:ModifyVolume', resource: 'arn:aws:ec2:us-east-1:123456789012:volume/vol-0000000000000a001' },
    });
  });

  test('Route 53: the worker may only CREATE and DELETE PTR records in reverse zones', async () => {
    await env.worker.route53.send(ptrChange('CREATE', '99.0.0.10.in-addr.arpa.'));
    await env.worker.route53.send(ptrChange('DELETE', '99.0.0.10.in-addr.arpa.'));
    const refused = [
      ptrChange('UPSERT', '99.0.0.10.in-addr.arpa.'),
      ptrChange('CREATE', '98.0.0.10.in-addr.arpa.', 'TXT', '"hello"'),
      new ChangeResourceRecordSetsCommand({ HostedZoneId: FORWARD_ZONE, ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: { Name: 'x.example.com.', Type: 'PTR', TTL: 60, ResourceRecords: [{ Value: 'y.example.' }] } }] } }),
    ];
    for (const command of refused) {
      const error = await failure<Route53ServiceException>(env.worker.route53.send(command));
      expect([error.name, error.$metadata.httpStatusCode]).toEqual(['AccessDenied', 403]);
    }
    const error = await failure<Route53ServiceException>(env.bot.route53.send(ptrChange('DELETE', '10.0.0.10.in-addr.arpa.', 'PTR', 'ip-10-0-0-10.ec2.internal.')));
    expect(error.name).toBe('AccessDenied');
  });

  test('an access key the account does not know is refused before anything else', async () => {
    const client = new AutoScalingClient({ region: 'us-east-1', endpoint: env.env.AWS_ENDPOINT_URL_AUTO_SCALING, credentials: { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' }, maxAttempts: 1 });
    try {
      const error = await failure<AutoScalingServiceException>(client.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: GROUP, DesiredCapacity: 6 })));
      expect([error.name, error.$metadata.httpStatusCode]).toEqual(['InvalidClientTokenId', 403]);
    } finally {
      client.destroy();
    }
  });
});

describe('the sandbox API server enforces the shipped RBAC', () => {
  async function forbidden(promise: Promise<unknown>): Promise<{ code: number; body: { kind: string; reason: string; message: string; details: { kind: string; name?: string } } }> {
    try {
      await promise;
    } catch (error) {
      if (!(error instanceof ApiException)) throw error;
      return { code: error.code, body: JSON.parse(error.body as string) };
    }
    throw new Error('expected the request to be forbidden');
  }

  test('the bot lists nodes but may not patch one: 403 Forbidden with the Status body', async () => {
    const core = env.bot.kube.makeApiClient(CoreV1Api);
    const [node] = (await core.listNode()).items;
    const refused = await forbidden(core.patchNode({ name: node!.metadata!.name!, body: { spec: { unschedulable: true } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)));
    expect(refused).toEqual({
      code: 403,
      body: expect.objectContaining({
        kind: 'Status',
        reason: 'Forbidden',
        message: `nodes "${node!.metadata!.name}" is forbidden: User "system:serviceaccount:deckhand:deckhand-bot" cannot patch resource "nodes" in API group "" at the cluster scope`,
        details: { kind: 'nodes', name: node!.metadata!.name },
      }),
    });
    expect(env.log.find({ service: 'kubernetes', action: 'denied' }).at(-1)?.details).toMatchObject({ principal: 'system:serviceaccount:deckhand:deckhand-bot', verb: 'patch', resource: 'nodes' });
    expect((await env.admin.kube.makeApiClient(CoreV1Api).readNode({ name: node!.metadata!.name! })).spec?.unschedulable).toBeFalsy();
  });

  test('subresources are their own resources: the bot may not evict', async () => {
    const [pod] = (await listPods(env.bot.kube)).filter((p) => p.namespace === 'web');
    const refused = await forbidden(
      env.bot.kube.makeApiClient(CoreV1Api).createNamespacedPodEviction({ name: pod!.name, namespace: 'web', body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod!.name, namespace: 'web' } } }),
    );
    expect(refused.code).toBe(403);
    expect(refused.body.message).toBe(`pods "${pod!.name}" is forbidden: User "system:serviceaccount:deckhand:deckhand-bot" cannot create resource "pods/eviction" in API group "" in the namespace "web"`);
  });

  test('the worker may patch only the cluster-autoscaler Deployment, and only in kube-system', async () => {
    const apps = env.worker.kube.makeApiClient(AppsV1Api);
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    await apps.patchNamespacedDeployment({ name: 'cluster-autoscaler', namespace: 'kube-system', body: { spec: { replicas: 1 } } }, merge);
    const coredns = await forbidden(apps.patchNamespacedDeployment({ name: 'coredns', namespace: 'kube-system', body: { spec: { replicas: 2 } } }, merge));
    expect(coredns.body.message).toBe('deployments "coredns" is forbidden: User "system:serviceaccount:deckhand:deckhand-worker" cannot patch resource "deployments" in API group "apps" in the namespace "kube-system"');
    const api = await forbidden(apps.patchNamespacedDeployment({ name: 'api', namespace: 'web', body: { spec: { replicas: 6 } } }, merge));
    expect(api.code).toBe(403);
  });

  test("a process running both roles uses each role's identity from the environment", async () => {
    const restoreEndpoints = sandboxEndpointsInProcessEnv(env);
    const bot = clientsForRole('bot', env.env);
    const worker = clientsForRole('worker', env.env);
    try {
      const [node] = (await bot.kube.makeApiClient(CoreV1Api).listNode()).items;
      const patch = (kube: typeof bot.kube) => kube.makeApiClient(CoreV1Api).patchNode({ name: node!.metadata!.name!, body: { metadata: { labels: { 'deckhand.dev/probe': 'yes' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      expect((await forbidden(patch(bot.kube))).code).toBe(403);
      await patch(worker.kube);
      const error = await failure<AutoScalingServiceException>(bot.autoScaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: GROUP, DesiredCapacity: 6 })));
      expect(error.message).toContain('assumed-role/deckhand-bot/sandbox');
      await worker.autoScaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: GROUP, DesiredCapacity: 6 }));
    } finally {
      destroyClients(bot);
      destroyClients(worker);
      restoreEndpoints();
    }
  });

  test("`deckhand all` observes with the bot's identity: a dry run uses the bot's grants and no other", async () => {
    const restoreEndpoints = sandboxEndpointsInProcessEnv(env);
    const dir = mkdtempSync(join(tmpdir(), 'deckhand-policy-'));
    writeFileSync(join(dir, 'policy.yaml'), 'commands:\n  rollout: { run: ["*"], approve: ["*"] }\n');
    const redis = testRedis('all-mode');
    const deckhand = await startDeckhand('all', {
      env: { ...env.env, PORT: '0', DECKHAND_REDIS_PREFIX: redis.prefix, DECKHAND_CONFIG: join(dir, 'policy.yaml'), LOG_LEVEL: 'silent' },
      clock: env.clock,
    });
    try {
      env.access.used.clear();
      const signingSecret = env.env.SLACK_SIGNING_SECRET!;
      await slashCommand(`http://127.0.0.1:${deckhand.port}`, signingSecret, { text: 'rollout eks-prod-workers --dry-run', user: 'U0ALICE', channel: 'C0OPS' });
      await env.slack.waitFor(() => env.slack.messages('C0OPS').find((m) => m.text.startsWith('Dry run: rollout asg/eks-prod-workers')), 20_000, 'the dry-run plan');
      const used = [...env.access.used];
      expect(used).toEqual(expect.arrayContaining(['deploy/aws/bot-policy.json ObserveRolloutGroups: autoscaling:DescribeAutoScalingGroups on *', 'ClusterRole/deckhand-bot: list core/nodes']));
      expect(used.filter((g) => !g.includes('deckhand-bot') && !g.startsWith('deploy/aws/bot-policy.json'))).toEqual([]);
    } finally {
      await deckhand.stop();
      await redis.close();
      rmSync(dir, { recursive: true, force: true });
      restoreEndpoints();
    }
  });

  test('a token the cluster does not know, or none at all, gets 401 as from a real API server', async () => {
    for (const headers of [{ authorization: 'Bearer stolen' }, {}] as Record<string, string>[]) {
      const res = await getUnverified(`${env.cluster.url}/api/v1/nodes`, headers);
      expect(res.status).toBe(401);
      expect((JSON.parse(res.body) as { reason: string }).reason).toBe('Unauthorized');
    }
    // The real client with a kubeconfig whose token is wrong.
    const config = new KubeConfig();
    config.loadFromFile(env.cluster.kubeconfigs.admin);
    config.users = config.users.map((user) => ({ ...user, token: 'stolen' }));
    const error = await config.makeApiClient(CoreV1Api).listNode().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiException);
    expect((error as ApiException<unknown>).code).toBe(401);
  });
});
