import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  GetHostedZoneCommand,
  ListHostedZonesByNameCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type Change,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { generatePtrZones } from '../../src/cloud/index.js';
import { credentials, mostAttempts, scenario, startTestCloud, type TestCloud } from './aws-fixture.js';

const REVERSE = 'Z0PROD10REVERSE001';

async function listAll(client: Route53Client, zoneId: string, maxItems?: number) {
  const records: ResourceRecordSet[] = [];
  const pages: number[] = [];
  let start: { StartRecordName?: string; StartRecordType?: ResourceRecordSet['Type']; StartRecordIdentifier?: string } = {};
  for (;;) {
    const out = await client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, MaxItems: maxItems, ...start }));
    records.push(...out.ResourceRecordSets!);
    pages.push(out.ResourceRecordSets!.length);
    if (!out.IsTruncated) return { records, pages };
    start = { StartRecordName: out.NextRecordName, StartRecordType: out.NextRecordType, StartRecordIdentifier: out.NextRecordIdentifier };
  }
}

/** Route 53's documented order, written independently of the sandbox: labels reversed, then type, then set identifier. */
function route53Order(a: ResourceRecordSet, b: ResourceRecordSet): number {
  const la = a.Name!.replace(/\.$/, '').split('.').reverse();
  const lb = b.Name!.replace(/\.$/, '').split('.').reverse();
  for (let i = 0; i < Math.min(la.length, lb.length); i++) if (la[i] !== lb[i]) return la[i]! < lb[i]! ? -1 : 1;
  if (la.length !== lb.length) return la.length - lb.length;
  if (a.Type !== b.Type) return a.Type! < b.Type! ? -1 : 1;
  return (a.SetIdentifier ?? '') < (b.SetIdentifier ?? '') ? -1 : (a.SetIdentifier ?? '') > (b.SetIdentifier ?? '') ? 1 : 0;
}

const ptr = (name: string, value: string, ttl = 300): ResourceRecordSet => ({ Name: name, Type: 'PTR', TTL: ttl, ResourceRecords: [{ Value: value }] });
const change = (Action: Change['Action'], ResourceRecordSet: ResourceRecordSet): Change => ({ Action, ResourceRecordSet });

describe('sandbox Route 53 (REST-XML) with the real Route53Client', () => {
  let cloud: TestCloud;
  beforeEach(async () => {
    cloud = await startTestCloud({ scenario: scenario('default') });
  });
  afterEach(() => cloud.stop());

  const send = (changes: Change[], zoneId = REVERSE) => cloud.route53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: changes } }));
  const present = async (name: string) => (await cloud.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: REVERSE, StartRecordName: name, MaxItems: 1 }))).ResourceRecordSets![0]?.Name === name;

  it('lists hosted zones, by name, and a private zone with its VPCs', async () => {
    const zones = await cloud.route53.send(new ListHostedZonesCommand({}));
    expect(zones.HostedZones!.map((z) => z.Name).sort()).toEqual(['0.0.10.in-addr.arpa.', '10.in-addr.arpa.', '6.5.4.3.2.1.8.1.f.1.0.0.6.2.ip6.arpa.', 'example.com.']);
    const privateOnly = await cloud.route53.send(new ListHostedZonesCommand({ HostedZoneType: 'PrivateHostedZone' }));
    expect(privateOnly.HostedZones!.every((z) => z.Config?.PrivateZone)).toBe(true);
    expect(privateOnly.HostedZones).toHaveLength(3);
    const page = await cloud.route53.send(new ListHostedZonesCommand({ MaxItems: 2 }));
    expect(page).toMatchObject({ IsTruncated: true, NextMarker: expect.any(String) });

    const byName = await cloud.route53.send(new ListHostedZonesByNameCommand({}));
    expect(byName.HostedZones!.map((z) => z.Name)).toEqual(['10.in-addr.arpa.', '0.0.10.in-addr.arpa.', '6.5.4.3.2.1.8.1.f.1.0.0.6.2.ip6.arpa.', 'example.com.']);

    const zone = await cloud.route53.send(new GetHostedZoneCommand({ Id: `/hostedzone/${REVERSE}` }));
    expect(zone.HostedZone).toMatchObject({ Id: `/hostedzone/${REVERSE}`, Name: '10.in-addr.arpa.', Config: { PrivateZone: true } });
    expect(zone.VPCs).toEqual([{ VPCRegion: 'us-east-1', VPCId: 'vpc-0d3c4a7d00000001' }]);
    await expect(cloud.route53.send(new GetHostedZoneCommand({ Id: 'Z0NOTTHERE000000' }))).rejects.toMatchObject({ name: 'NoSuchHostedZone' });
  });

  it('pages ListResourceRecordSets 300 at a time in Route 53 order with the real continuation fields', async () => {
    const [zone] = generatePtrZones(cloud.model, { zones: 1, records: 1000, staleShare: 0.5, seed: 3 });
    const { records, pages } = await listAll(cloud.route53, zone!.id);
    expect(pages).toEqual([300, 300, 300, 102]);
    expect(records[0]).toMatchObject({ Name: '64.100.in-addr.arpa.', Type: 'NS' });
    expect([...records].sort(route53Order)).toEqual(records);

    const reverse = await listAll(cloud.route53, REVERSE, 100);
    expect(reverse.records.length).toBeGreaterThan(280);
    expect([...reverse.records].sort(route53Order)).toEqual(reverse.records);

    const weighted = await cloud.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: REVERSE, StartRecordName: '60.66.0.10.in-addr.arpa', StartRecordType: 'PTR', MaxItems: 1 }));
    expect(weighted.ResourceRecordSets).toEqual([{ Name: '60.66.0.10.in-addr.arpa.', Type: 'PTR', SetIdentifier: 'blue', Weight: 100, TTL: 60, ResourceRecords: [{ Value: 'ip-10-0-66-60.ec2.internal.' }] }]);
    expect(weighted).toMatchObject({ IsTruncated: true, NextRecordName: '60.66.0.10.in-addr.arpa.', NextRecordType: 'PTR', NextRecordIdentifier: 'green' });
    await expect(cloud.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: REVERSE, StartRecordType: 'PTR' }))).rejects.toMatchObject({ name: 'InvalidInput' });
  });

  it('returns names lowercase with a trailing dot and octal escapes', async () => {
    const { records } = await listAll(cloud.route53, 'Z0EXAMPLECOMPUBLIC');
    expect(records.map((r) => r.Name)).toContain('\\052.dev.example.com.');
    expect(await present('20.0\\05726.6.0.10.in-addr.arpa.')).toBe(true);
    await send([change('CREATE', ptr('7.7.7.10.IN-ADDR.ARPA', 'x.example.'))]);
    expect(await present('7.7.7.10.in-addr.arpa.')).toBe(true);
  });

  it('deletes an exact match and reports PENDING, then INSYNC after the propagation delay', async () => {
    const out = await send([change('DELETE', ptr('99.1.0.10.in-addr.arpa.', 'ip-10-0-1-99.ec2.internal.'))]);
    expect(out.ChangeInfo).toMatchObject({ Status: 'PENDING', Id: expect.stringMatching(/^\/change\/C[0-9A-Z]+$/) });
    expect(await present('99.1.0.10.in-addr.arpa.')).toBe(false);
    const status = async () => (await cloud.route53.send(new GetChangeCommand({ Id: out.ChangeInfo!.Id }))).ChangeInfo!.Status;
    expect(await status()).toBe('PENDING');
    await cloud.clock.advance(30_000);
    expect(await status()).toBe('INSYNC');
    expect(cloud.log.find({ service: 'route53', action: 'ChangeResourceRecordSets', target: REVERSE })[0]!.details).toMatchObject({
      changes: [{ action: 'DELETE', name: '99.1.0.10.in-addr.arpa.', type: 'PTR' }],
    });
  });

  it('rejects a DELETE that does not match exactly with the real InvalidChangeBatch messages, atomically', async () => {
    await expect(send([change('DELETE', ptr('5.33.0.10.in-addr.arpa.', 'ip-10-0-33-5.ec2.internal.', 300))])).rejects.toMatchObject({
      name: 'InvalidChangeBatch',
      message: "[Tried to delete resource record set [name='5.33.0.10.in-addr.arpa.', type='PTR'] but the values provided do not match the current values]",
    });
    await expect(send([change('DELETE', ptr('6.33.0.10.in-addr.arpa.', 'old-build-agent.prod.internal.'))])).rejects.toMatchObject({ name: 'InvalidChangeBatch' });
    await expect(
      send([change('DELETE', ptr('5.33.0.10.in-addr.arpa.', 'ip-10-0-33-5.ec2.internal.', 37)), change('DELETE', ptr('1.2.3.10.in-addr.arpa.', 'gone.'))]),
    ).rejects.toMatchObject({
      name: 'InvalidChangeBatch',
      message: "[Tried to delete resource record set [name='1.2.3.10.in-addr.arpa.', type='PTR'] but it was not found]",
    });
    expect(await present('5.33.0.10.in-addr.arpa.')).toBe(true);
    await send([change('DELETE', ptr('5.33.0.10.in-addr.arpa.', 'ip-10-0-33-5.ec2.internal.', 37))]);
    expect(await present('5.33.0.10.in-addr.arpa.')).toBe(false);
  });

  it('needs SetIdentifier and Weight to delete a weighted record', async () => {
    const blue = { ...ptr('60.66.0.10.in-addr.arpa.', 'ip-10-0-66-60.ec2.internal.', 60) };
    await expect(send([change('DELETE', blue)])).rejects.toMatchObject({ name: 'InvalidChangeBatch', message: expect.stringContaining('but it was not found') });
    await expect(send([change('DELETE', { ...blue, SetIdentifier: 'blue', Weight: 50 })])).rejects.toMatchObject({ message: expect.stringContaining('do not match') });
    await send([change('DELETE', { ...blue, SetIdentifier: 'blue', Weight: 100 })]);
  });

  it('enforces 1,000 values and 32,000 characters per request, UPSERT counting twice', async () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => ptr(`${i % 250}.${Math.floor(i / 250)}.200.10.in-addr.arpa.`, `h${i}.example.`));
    await expect(send(names(1001).map((r) => change('CREATE', r)))).rejects.toMatchObject({ name: 'InvalidChangeBatch', message: expect.stringContaining('1000') });
    await expect(send(names(501).map((r) => change('UPSERT', r)))).rejects.toMatchObject({ name: 'InvalidChangeBatch' });
    await send(names(500).map((r) => change('UPSERT', r)));
    const long = `${'a'.repeat(60)}.example.`;
    const chars = Array.from({ length: 450 }, (_, i) => change('CREATE', ptr(`${i % 250}.${Math.floor(i / 250)}.201.10.in-addr.arpa.`, `${i}${long}`)));
    await expect(send(chars)).rejects.toMatchObject({ name: 'InvalidChangeBatch', message: expect.stringContaining('32000') });
  });

  it('answers injected Throttling that the SDK retries', async () => {
    const patient = new Route53Client({ region: cloud.region, endpoint: cloud.endpoints.route53, credentials, maxAttempts: 10 });
    cloud.faults.services.route53 = { throttleRate: 0.5 };
    try {
      expect(await mostAttempts(() => patient.send(new ListHostedZonesCommand({})))).toBeGreaterThan(1);
    } finally {
      patient.destroy();
    }
  });
});

describe('sandbox Route 53 per-account request rate (real time)', () => {
  it('answers Throttling / Rate exceeded above the rate, which a patient client absorbs', async () => {
    const cloud = await startTestCloud({ route53RequestsPerSecond: 5, maxAttempts: 1 });
    const patient = new Route53Client({ region: cloud.region, endpoint: cloud.endpoints.route53, credentials, maxAttempts: 10 });
    try {
      const burst = await Promise.allSettled(Array.from({ length: 10 }, () => cloud.route53.send(new ListHostedZonesCommand({}))));
      const rejected = burst.filter((r) => r.status === 'rejected');
      expect(rejected.length).toBeGreaterThanOrEqual(4);
      expect(rejected[0]).toMatchObject({ reason: { name: 'Throttling', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } } });
      const paced = await Promise.all(Array.from({ length: 8 }, () => patient.send(new ListHostedZonesCommand({}))));
      expect(paced).toHaveLength(8);
    } finally {
      patient.destroy();
      await cloud.stop();
    }
  });
});

describe('sandbox Route 53 change processing (real time)', () => {
  it('answers PriorRequestNotComplete while a zone processes a change, which the SDK retries', async () => {
    const cloud = await startTestCloud({ route53ChangeProcessingMs: 300, maxAttempts: 1 });
    const patient = new Route53Client({ region: cloud.region, endpoint: cloud.endpoints.route53, credentials, maxAttempts: 10 });
    const batch = (name: string) => new ChangeResourceRecordSetsCommand({ HostedZoneId: 'Z0MIN10REVERSE0001', ChangeBatch: { Changes: [change('CREATE', ptr(name, 'x.example.'))] } });
    try {
      await cloud.route53.send(batch('1.9.0.10.in-addr.arpa.'));
      await expect(cloud.route53.send(batch('2.9.0.10.in-addr.arpa.'))).rejects.toMatchObject({ name: 'PriorRequestNotComplete', $metadata: { httpStatusCode: 400 } });
      const out = await patient.send(batch('2.9.0.10.in-addr.arpa.'));
      expect(out.$metadata.attempts).toBeGreaterThan(1);
      expect(cloud.log.find({ service: 'route53', action: 'ChangeResourceRecordSets' })).toHaveLength(2);
    } finally {
      patient.destroy();
      await cloud.stop();
    }
  });
});

describe('sandbox Route 53 at scale', () => {
  it('serves 100,000 generated PTRs in 11 zones, a zone in pages of 300', async () => {
    const cloud = await startTestCloud();
    try {
      const zones = generatePtrZones(cloud.model, { zones: 11, records: 100_000, staleShare: 0.5, seed: 11 });
      expect(zones.reduce((n, z) => n + z.records.filter((r) => r.type === 'PTR').length, 0)).toBe(100_000);
      const { records, pages } = await listAll(cloud.route53, zones[5]!.id);
      expect(records.filter((r) => r.Type === 'PTR')).toHaveLength(9091);
      expect(pages.length).toBe(31);
      // Half of the generated PTRs point at addresses no ENI owns.
      const owned = records.filter((r) => r.Type === 'PTR' && cloud.model.ec2.ownsIp(r.Name!.replace('.in-addr.arpa.', '').split('.').reverse().join('.')));
      expect(owned).toHaveLength(9091 - Math.round(9091 * 0.5));
    } finally {
      await cloud.stop();
    }
  });
});
