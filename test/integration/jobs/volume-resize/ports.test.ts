/** The EBS, Price List and Kubernetes ports against the sandbox, through the real SDK clients. */
import { describeVolume, describeVolumeModifications } from '../../../../src/integrations/aws/ebs.js';
import { fetchProductPrice } from '../../../../src/integrations/aws/pricing.js';
import { listPodsUsingPvc, listPvcEvents, listStatefulSetPvcs, patchPvcSize, readPvc } from '../../../../src/integrations/kubernetes/volumes.js';
import { parseResizeArgs } from '../../../../src/jobs/volume-resize/args.js';
import { resizeKind } from '../../../../src/jobs/volume-resize/index.js';
import { startTestSandbox, type TestSandbox } from '../../../helpers/sandbox.js';
import { RESIZE_SCENARIO } from './scenario.js';

describe('resize ports against the sandbox', () => {
  let env: TestSandbox;
  beforeAll(async () => {
    env = await startTestSandbox({ scenario: RESIZE_SCENARIO, speed: 200, maxAttempts: 2 });
  });
  afterAll(async () => {
    await env.stop();
  });

  it('prices EBS storage per GB-month and EC2 on-demand hours from GetProducts', async () => {
    const storage = (volumeType: string, region: string) => fetchProductPrice(env.bot.pricing, { kind: 'storage', region, volumeType });
    expect((await storage('gp3', 'us-east-1'))?.tiers).toEqual([{ from: 0, usd: 0.08 }]);
    expect((await storage('gp2', 'eu-west-1'))?.tiers).toEqual([{ from: 0, usd: 0.11 }]);
    expect(await storage('gp3', 'mars-north-1')).toBeUndefined();
    expect(await fetchProductPrice(env.bot.pricing, { kind: 'instance', region: 'us-east-1', instanceType: 'm5.large' })).toEqual({
      unit: 'Hrs',
      tiers: [{ from: 0, usd: 0.096 }],
      reserved: { '1yr': 0.06, '3yr': 0.041 },
      publicationDate: '2025-01-01T00:00:00Z',
      version: '20250101000000',
    });
    expect(await fetchProductPrice(env.bot.pricing, { kind: 'instance', region: 'us-east-1', instanceType: 'x99.huge' })).toBeUndefined();
    // io2 IOPS come in three tiers (the ranges of the term's price dimensions).
    expect((await fetchProductPrice(env.bot.pricing, { kind: 'iops', region: 'us-east-1', volumeType: 'io2' }))?.tiers).toEqual([
      { from: 0, to: 32000, usd: 0.065 },
      { from: 32000, to: 64000, usd: 0.0455 },
      { from: 64000, usd: 0.032 },
    ]);
  });

  it('describes a volume and its modifications', async () => {
    expect(await describeVolume(env.worker.ec2, 'vol-0000000000000a003')).toMatchObject({ sizeGiB: 20, volumeType: 'gp2', availabilityZone: 'us-east-1a' });
    expect(await describeVolume(env.worker.ec2, 'vol-00000000000000fff')).toBeUndefined();
    expect(await describeVolumeModifications(env.worker.ec2, 'vol-0000000000000a006')).toEqual([]);
    const startedAt = env.clock.now();
    env.cloud.model.ec2.modifyVolume('vol-0000000000000a006', 60);
    expect(await describeVolumeModifications(env.worker.ec2, 'vol-0000000000000a006')).toEqual([
      // `modifying` lasts 5 virtual seconds: on a loaded machine the read may already see `optimizing`.
      expect.objectContaining({ state: expect.stringMatching(/^(modifying|optimizing)$/), originalSizeGiB: 50, targetSizeGiB: 60, startTime: startedAt }),
    ]);
  });

  it('lists a StatefulSet’s claims by ordinal and the pods using a claim', async () => {
    const claims = await listStatefulSetPvcs(env.admin.kube, 'search', 'es', 'data');
    expect(claims.map((c) => c.metadata?.name)).toEqual(['data-es-0', 'data-es-1', 'data-es-2']);
    const pods = await listPodsUsingPvc(env.admin.kube, 'search', 'data-es-1');
    expect(pods.map((p) => p.metadata?.name)).toEqual(['es-1']);
    expect(await readPvc(env.admin.kube, 'search', 'nope')).toBeUndefined();
  });

  it('merge-patches only the storage request, and reads the claim’s events', async () => {
    const patched = await patchPvcSize(env.admin.kube, 'data', 'redis-data-redis-ha-0', '11Gi');
    expect(patched.spec?.resources?.requests?.storage).toBe('11Gi');
    expect(env.log.find({ action: 'patch-persistentvolumeclaim' }).at(-1)?.details).toMatchObject({ contentType: 'application/merge-patch+json' });
    await env.cluster.settled();
    const reasons = (await listPvcEvents(env.admin.kube, 'data', 'redis-data-redis-ha-0')).map((e) => e.reason);
    expect(reasons).toContain('Resizing');
    expect((await listPvcEvents(env.admin.kube, 'data', 'pgdata-postgres-0')).map((e) => e.reason)).not.toContain('Resizing');
  });

  it('fingerprints what the plan depends on: stable on a re-read, changed by a modification', async () => {
    const args = parseResizeArgs({ subcommand: 'resize', positionals: ['data/pgdata-postgres-0', '30Gi'], flags: {} });
    const fingerprint = async () => resizeKind.fingerprint(await resizeKind.observe(env.botContext(resizeKind), args));
    const before = await fingerprint();
    expect(await fingerprint()).toBe(before);
    env.cloud.model.ec2.modifyVolume('vol-0000000000000a003', 25);
    expect(await fingerprint()).not.toBe(before);
  });
});
