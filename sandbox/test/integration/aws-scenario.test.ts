import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../../src/clock.js';
import { CloudModel, loadAwsScenario } from '../../src/cloud/index.js';
import { CloudEvents, MutationLog } from '../../src/contracts.js';
import { scenario } from './aws-fixture.js';

describe('AWS scenarios', () => {
  let clock: VirtualClock;
  beforeEach(() => {
    clock = new VirtualClock();
  });
  afterEach(() => clock.stop());

  it('builds the default scenario with the ids the cluster scenario relies on', () => {
    const model = new CloudModel(scenario('default'), clock, new CloudEvents(), new MutationLog(), 1);
    const workers = model.autoScaling.group('eks-prod-workers');
    expect(workers).toMatchObject({ minSize: 3, maxSize: 9, desiredCapacity: 6, launchTemplate: { id: 'lt-0a1b2c3d4e5f60001', version: '2' } });
    const instances = model.autoScaling.groupInstances(workers);
    expect(instances.every((i) => i.launchTemplateVersion === '1' && i.imageId === 'ami-0old00000000000001' && i.instanceType === 'm5.large')).toBe(true);
    expect(model.autoScaling.groupInstances(model.autoScaling.group('eks-prod-system')).map((i) => i.launchTemplateVersion)).toEqual(['1', '1']);
    expect([...model.ec2.volumes.keys()]).toEqual(Array.from({ length: 7 }, (_, i) => `vol-0000000000000a00${i + 1}`));
    expect(model.ec2.volumes.get('vol-0000000000000a007')).toMatchObject({ volumeType: 'st1', sizeGiB: 500, availabilityZone: 'us-east-1c' });
  });

  it('mixes live and stale PTRs in 10.in-addr.arpa. (about 40% stale)', () => {
    const model = new CloudModel(scenario('default'), clock, new CloudEvents(), new MutationLog(), 1);
    const zone = model.route53.findZone('Z0PROD10REVERSE001');
    const ipv4 = zone.records.filter((r) => r.type === 'PTR' && /^(\d+\.){4}in-addr\.arpa\.$/.test(r.name));
    const stale = ipv4.filter((r) => !model.ec2.ownsIp(r.name.replace('.in-addr.arpa.', '').split('.').reverse().join('.')));
    expect(zone.records.length).toBeGreaterThan(280);
    expect(stale.length / ipv4.length).toBeGreaterThan(0.35);
    expect(stale.length / ipv4.length).toBeLessThan(0.45);
    // The same seed gives the same data.
    const again = new CloudModel(scenario('default'), clock, new CloudEvents(), new MutationLog(), 1);
    expect(again.route53.findZone('Z0PROD10REVERSE001').records.map((r) => r.name)).toEqual(zone.records.map((r) => r.name));
  });

  it('refuses an invalid scenario with the file and the reasons', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dh-aws-scenario-'));
    try {
      writeFileSync(join(dir, 'aws.yaml'), 'vpc: { id: vpc-1, cidr: 10.0.0.0/16 }\nsubnets: []\nvolumes: [{ id: vol-1, availabilityZone: a, sizeGiB: 1, volumeType: gp9 }]\n');
      expect(() => loadAwsScenario(dir)).toThrow(/aws\.yaml: invalid aws scenario:[\s\S]*subnets[\s\S]*volumeType/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
