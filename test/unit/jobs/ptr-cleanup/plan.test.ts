import type { RecordSet } from '../../../../src/integrations/aws/route53.js';
import type { CleanupObserved, CleanupPlan, RestoreObserved } from '../../../../src/jobs/ptr-cleanup/model.js';
import { packRecords, unpackRecords } from '../../../../src/jobs/ptr-cleanup/packed-records.js';
import { fingerprintLines, planCleanup, planPtr, planRestore } from '../../../../src/jobs/ptr-cleanup/plan.js';
import { ipToPtrName } from '../../../../src/jobs/ptr-cleanup/reverse-names.js';
import { ptrCleanupSettingsSchema } from '../../../../src/jobs/ptr-cleanup/settings.js';
import { observeListed, type ListedZone } from './listed-zones.js';

const V6_ZONE = '6.5.4.3.2.1.8.1.f.1.0.0.6.2.ip6.arpa.';

function ptr(ip: string, values = [`ip-${ip.replace(/[.:]/g, '-')}.ec2.internal.`], ttl = 300, extra: Partial<RecordSet> = {}): RecordSet {
  return { name: ipToPtrName(ip), type: 'PTR', ttl, values, ...extra };
}

function zone(name: string, listed: RecordSet[], extra: Partial<ListedZone> = {}): ListedZone {
  return { id: `Z${name.replace(/[^a-z0-9]/gi, '').toUpperCase().slice(0, 12)}`, name, privateZone: true, vpcs: [{ vpcId: 'vpc-1', region: 'us-east-1' }], listed, live: 0, otherRecords: 2, ...extra };
}

/** As observe hands it over: every zone's records sorted by observePage against the interfaces' addresses. */
function observed(zones: ListedZone[], ownership: { addresses?: string[]; prefixes?: string[] } = {}, extra: Partial<CleanupObserved> = {}): CleanupObserved {
  return {
    mode: 'cleanup',
    region: 'us-east-1',
    zones: observeListed(zones, ownership),
    unmatchedZones: [],
    forwardZones: [],
    ownership: { scope: { vpcIds: ['vpc-1'] }, interfaces: 4 },
    ...extra,
  };
}

function planOf(obs: CleanupObserved, settings: unknown = {}): CleanupPlan {
  const outcome = planCleanup(obs, ptrCleanupSettingsSchema.parse(settings));
  if (outcome.kind !== 'plan') throw new Error(`refused: ${outcome.reason}`);
  return outcome.plan;
}

const deletedNames = (plan: CleanupPlan) => plan.zones.flatMap((z) => unpackRecords(z.records).map((r) => r[0]));

describe('planCleanup: ownership', () => {
  const owners = {
    addresses: ['10.0.1.10', '10.0.1.11', '2600:1f18:1234:5600::a'],
    prefixes: ['10.0.2.16/28', '2600:1f18:1234:5601::/80'],
  };
  it.each([
    ['primary or secondary private IPv4', '10.0.1.11', true],
    ['inside a delegated IPv4 prefix', '10.0.2.20', true],
    ['IPv6 address (other spelling)', '2600:1f18:1234:5600:0:0:0:a', true],
    ['inside a delegated IPv6 prefix', '2600:1f18:1234:5601::1234', true],
    ['unowned IPv4', '10.0.1.12', false],
    ['just past the IPv4 prefix', '10.0.2.32', false],
    ['unowned IPv6', '2600:1f18:1234:5600::b', false],
    // EKS prefix delegation: a /28 per IPv4 prefix, a /80 per IPv6 prefix; both ends belong, neighbours do not.
    ['first address of the IPv4 /28', '10.0.2.16', true],
    ['last address of the IPv4 /28', '10.0.2.31', true],
    ['just before the IPv4 /28', '10.0.2.15', false],
    ['first address of the IPv6 /80', '2600:1f18:1234:5601::', true],
    ['last address of the IPv6 /80', '2600:1f18:1234:5601:0:ffff:ffff:ffff', true],
    ['just past the IPv6 /80', '2600:1f18:1234:5601:1::', false],
    ['just before the IPv6 /80', '2600:1f18:1234:5600:ffff:ffff:ffff:ffff', false],
    ['IPv4-mapped IPv6 of an owned IPv4: another family, another name', '::ffff:10.0.1.10', false],
  ])('%s (%s) is live: %s', (_what, ip, live) => {
    const zoneName = ip.includes(':') ? V6_ZONE : '10.in-addr.arpa.';
    const plan = planOf(observed([zone(zoneName, [ptr(ip)])], owners));
    expect(plan.totals).toMatchObject({ ptr: 1, live: live ? 1 : 0, stale: live ? 0 : 1, skipped: 0 });
    expect(deletedNames(plan)).toEqual(live ? [] : [ipToPtrName(ip)]);
  });
});

describe('planCleanup: policies keep stale records', () => {
  const stale = ptr('10.0.9.9', ['db-primary.internal.']);
  const routed = ptr('10.0.9.10', ['a.internal.'], 60, { routing: { SetIdentifier: 'blue', Weight: 10 } });
  const table: [string, RecordSet, unknown, string | undefined][] = [
    ['protected CIDR', stale, { protectedCidrs: ['10.0.9.0/24'] }, 'protected-cidr'],
    ['protected pattern on the target', stale, { protectedPatterns: ['^db-'] }, 'protected-pattern'],
    ['protected zone by name', stale, { protectedZones: ['10.in-addr.arpa'] }, 'protected-zone'],
    ['protected zone by id', stale, { protectedZones: ['/hostedzone/Z10INADDRARPA'] }, 'protected-zone'],
    ['routing policy by default', routed, {}, 'routing-policy'],
    ['routing policy allowed', routed, { allowRoutingPolicies: true }, undefined],
    ['alias record', { name: ipToPtrName('10.0.9.11'), type: 'PTR', values: [], alias: true }, { allowRoutingPolicies: true }, 'alias'],
    ['name that is no IP', { name: '0\\05726.9.0.10.in-addr.arpa.', type: 'PTR', ttl: 300, values: ['x.'] }, {}, 'not-an-ip'],
    ['pattern that does not match', stale, { protectedPatterns: ['^web-'] }, undefined],
    ['CIDR that does not contain it', stale, { protectedCidrs: ['10.0.8.0/24'] }, undefined],
    ['protected /32 of exactly this address', stale, { protectedCidrs: ['10.0.9.9/32'] }, 'protected-cidr'],
    ['protected CIDR ending just before it', stale, { protectedCidrs: ['10.0.9.0/29'] }, undefined],
    ['protected CIDR written with host bits', stale, { protectedCidrs: ['10.0.9.200/24'] }, 'protected-cidr'],
    ['protected /0 of its family', stale, { protectedCidrs: ['0.0.0.0/0'] }, 'protected-cidr'],
    ['protected IPv6 /0 never covers IPv4', stale, { protectedCidrs: ['::/0'] }, undefined],
  ];
  it.each(table)('%s', (_what, record, settings, reason) => {
    const plan = planOf(observed([zone('10.in-addr.arpa.', [record])]), settings);
    if (reason) {
      expect(plan.totals).toMatchObject({ stale: 0, skipped: 1 });
      expect(plan.skippedByReason).toEqual({ [reason]: 1 });
      expect(plan.skipped[0]).toMatchObject({ name: record.name, reason });
      expect(plan.zones).toEqual([]);
    } else {
      expect(plan.totals).toMatchObject({ stale: 1, skipped: 0 });
      expect(unpackRecords(plan.zones[0]!.records)).toEqual([[record.name, record.ttl, record.values, ...(record.routing ? [record.routing] : [])]]);
    }
  });

  it.each([
    ['inside the protected IPv6 /56', '2600:1f18:1234:56ff::1', 'protected-cidr'],
    ['just past the protected IPv6 /56', '2600:1f18:1234:5700::', undefined],
    ['inside a protected IPv6 /128 in another spelling', '2600:1f18:1234:5600:0:0:0:b', 'protected-cidr'],
  ])('IPv6 %s (%s)', (_what, ip, reason) => {
    const settings = { protectedCidrs: ['2600:1f18:1234:5600::/56', '2600:1F18:1234:5600::B/128'] };
    const plan = planOf(observed([zone(V6_ZONE, [ptr(ip)])]), settings);
    expect(plan.skippedByReason).toEqual(reason ? { [reason]: 1 } : {});
    expect(plan.totals.stale).toBe(reason ? 0 : 1);
  });

  it('keeps a live record even when a policy would also apply (counted live, not skipped)', () => {
    const plan = planOf(observed([zone('10.in-addr.arpa.', [stale])], { addresses: ['10.0.9.9'] }), { protectedCidrs: ['10.0.0.0/8'] });
    expect(plan.totals).toMatchObject({ live: 1, skipped: 0, stale: 0 });
  });

  it('does not judge a zone that also serves a VPC in another region', () => {
    const z = zone('10.in-addr.arpa.', [stale], { vpcs: [{ vpcId: 'vpc-1', region: 'us-east-1' }, { vpcId: 'vpc-9', region: 'eu-west-1' }] });
    const plan = planOf(observed([z]));
    expect(plan.skipped[0]).toMatchObject({ reason: 'foreign-vpc', detail: 'vpc-9 in eu-west-1' });
  });
});

describe('planCleanup: exact records, limits and refusals', () => {
  it('deletes multi-value and odd-TTL records with every value and the exact TTL', () => {
    const multi = ptr('10.0.3.1', ['a.internal.', 'b.internal.'], 300);
    const odd = ptr('10.0.3.2', ['c.internal.'], 37);
    const plan = planOf(observed([zone('10.in-addr.arpa.', [multi, odd])]));
    expect(unpackRecords(plan.zones[0]!.records)).toEqual([
      [multi.name, 300, ['a.internal.', 'b.internal.']],
      [odd.name, 37, ['c.internal.']],
    ]);
  });

  it('offers a plan above maxDeletesPerRun, with a second approver', () => {
    const records = Array.from({ length: 4 }, (_, i) => ptr(`10.0.4.${i}`));
    const outcome = planCleanup(observed([zone('10.in-addr.arpa.', records)], { addresses: ['10.0.5.1', '10.0.5.2', '10.0.5.3', '10.0.5.4'] }), ptrCleanupSettingsSchema.parse({ maxDeletesPerRun: 3, maxZoneShare: 1 }));
    expect(outcome).toMatchObject({ kind: 'plan', empty: false, extraApprovals: 1 });
    expect(outcome.kind === 'plan' && outcome.notes).toEqual(['4 deletes exceed maxDeletesPerRun (3): a second approver is needed.']);
  });

  it('asks a second approver when a zone would lose more than maxZoneShare', () => {
    const records = [ptr('10.0.4.1'), ptr('10.0.4.2'), ptr('10.0.4.3')];
    const outcome = planCleanup(observed([zone('10.in-addr.arpa.', records)], { addresses: ['10.0.4.3'] }), ptrCleanupSettingsSchema.parse({ maxZoneShare: 0.5 }));
    expect(outcome).toMatchObject({ kind: 'plan', extraApprovals: 1, notes: ['10.in-addr.arpa.: 67% of its PTR records would go, above maxZoneShare (50%): a second approver is needed.'] });
  });

  it('needs no second approver within both limits', () => {
    const outcome = planCleanup(observed([zone('10.in-addr.arpa.', [ptr('10.0.4.1'), ptr('10.0.4.2')])], { addresses: ['10.0.4.2'] }), ptrCleanupSettingsSchema.parse({}));
    expect(outcome).toMatchObject({ kind: 'plan', empty: false });
    expect(outcome.kind === 'plan' && outcome.extraApprovals).toBeUndefined();
  });

  it.each([
    ['a --zone that matches nothing', { unmatchedZones: ['11.in-addr.arpa'] }, 'No hosted zone matches `11.in-addr.arpa`'],
    ['a --zone that is a forward zone', { forwardZones: ['example.com'] }, '`example.com` is not a reverse zone'],
  ])('refuses %s', (_what, extra, reason) => {
    const outcome = planCleanup(observed([], {}, extra), ptrCleanupSettingsSchema.parse({}));
    expect(outcome.kind).toBe('refusal');
    expect(outcome.kind === 'refusal' && outcome.reason).toContain(reason);
  });

  it('says so when the account has no reverse zone', () => {
    expect(planCleanup(observed([]), ptrCleanupSettingsSchema.parse({}))).toMatchObject({ kind: 'plan', empty: true, emptyReason: 'no reverse zones to scan' });
  });

  it('a second run plans nothing', () => {
    const records = [ptr('10.0.6.1'), ptr('10.0.6.2', ['x.'], 37), ptr('10.0.6.3'), { name: 'junk.6.0.10.in-addr.arpa.', type: 'PTR', ttl: 300, values: ['j.'] }];
    const listed = [zone('10.in-addr.arpa.', records), zone(V6_ZONE, [ptr('2600:1f18:1234:5600::9')])];
    const before = observed(listed, { addresses: ['10.0.6.3'] });
    const first = planOf(before);
    expect(first.totals).toMatchObject({ stale: 3, live: 1, skipped: 1 });
    const deleted = new Set(deletedNames(first));
    const after = observed(
      listed.map((z) => ({ ...z, listed: z.listed.filter((r) => !deleted.has(r.name)) })),
      { addresses: ['10.0.6.3'] },
    );
    expect(planCleanup(after, ptrCleanupSettingsSchema.parse({}))).toMatchObject({ kind: 'plan', empty: true, emptyReason: expect.stringContaining('no stale PTR records') });
  });

  it('the fingerprint names the scope (zones and their VPCs), not every record: approval re-reads interfaces instead', () => {
    const base = observed([zone('10.in-addr.arpa.', [ptr('10.0.7.1'), ptr('10.0.7.2')])], { addresses: ['10.0.7.2'] });
    const lines = [...fingerprintLines(base)];
    expect(lines).toHaveLength(2);
    const moreRecords = observed([zone('10.in-addr.arpa.', [ptr('10.0.7.1', ['other.']), ptr('10.0.7.2'), ptr('10.0.7.3')])], { addresses: ['10.0.7.2'] });
    expect([...fingerprintLines(moreRecords)]).toEqual(lines);
    const otherVpc = observed([{ ...zone('10.in-addr.arpa.', []), vpcs: [{ vpcId: 'vpc-0other', region: 'us-east-1' }] }], { addresses: ['10.0.7.2'] });
    expect([...fingerprintLines(otherVpc)]).not.toEqual(lines);
  });
});

describe('planRestore', () => {
  const saved = (records: [string, number, string[]][], state: 'pending' | 'deleted' = 'deleted', key = 'Z1/0') => ({ zoneId: 'Z1', zoneName: '10.in-addr.arpa.', key, state, records });
  const restoreObserved = (batches: ReturnType<typeof saved>[], present: string[] = []): RestoreObserved => ({ mode: 'restore', sourceJobId: 'p-1', saved: batches, present: { Z1: present } });
  const a: [string, number, string[]] = ['1.0.0.10.in-addr.arpa.', 300, ['a.']];
  const b: [string, number, string[]] = ['2.0.0.10.in-addr.arpa.', 37, ['b1.', 'b2.']];

  it('re-creates exactly the saved records, once each, leaving present ones alone', () => {
    const outcome = planRestore(restoreObserved([saved([a, b]), saved([a], 'pending', 'Z1/1')], [a[0]]));
    expect(outcome).toMatchObject({ kind: 'plan', empty: false, plan: { total: 1, alreadyPresent: 1, zones: [{ id: 'Z1', records: packRecords([b]) }] } });
  });

  it('refuses when nothing was saved for the job', () => {
    const outcome = planRestore(restoreObserved([]));
    expect(outcome.kind === 'refusal' && outcome.reason).toContain('No saved records for job `p-1`');
  });

  it('plans nothing when everything is back (a second restore)', () => {
    expect(planRestore(restoreObserved([saved([a, b])], [a[0], b[0]]))).toMatchObject({ kind: 'plan', empty: true, emptyReason: 'every saved record is already in place' });
  });

  it('planPtr dispatches on the command', () => {
    expect(planPtr(restoreObserved([saved([a])]), { mode: 'restore', jobId: 'p-1', dryRun: false }, 0, ptrCleanupSettingsSchema.parse({}))).toMatchObject({ kind: 'plan', plan: { mode: 'restore' } });
    expect(() => planPtr(restoreObserved([]), { mode: 'cleanup', zones: [], dryRun: false }, 0, ptrCleanupSettingsSchema.parse({}))).toThrow('does not match');
  });
});

describe('settings', () => {
  it('defaults', () => {
    expect(ptrCleanupSettingsSchema.parse({})).toEqual({
      protectedCidrs: [],
      protectedPatterns: [],
      protectedZones: [],
      allowRoutingPolicies: false,
      maxDeletesPerRun: 5000,
      maxZoneShare: 0.5,
      requestsPerSecond: 5,
      zones: ['*'],
    });
  });

  it('refuses a key it does not know: a misspelt protection must not be dropped silently', () => {
    const result = ptrCleanupSettingsSchema.safeParse({ protectedCIDRs: ['10.0.0.0/8'] });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([expect.objectContaining({ code: 'unrecognized_keys', keys: ['protectedCIDRs'] })]);
  });

  it('rejects a bad CIDR and a bad regex', () => {
    const result = ptrCleanupSettingsSchema.safeParse({ protectedCidrs: ['10.0.0.0/40'], protectedPatterns: ['(unclosed'] });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toEqual(['must be a CIDR like 10.0.0.0/16', 'must be a valid regular expression']);
  });
});
