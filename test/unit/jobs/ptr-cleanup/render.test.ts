import type { KnownBlock } from '@slack/types';
import type { RecordSet } from '../../../../src/integrations/aws/route53.js';
import type { CleanupObserved } from '../../../../src/jobs/ptr-cleanup/model.js';
import { planCleanup, planRestore } from '../../../../src/jobs/ptr-cleanup/plan.js';
import { backupCsvFile, backupCsvPart, renderPtrPlan } from '../../../../src/jobs/ptr-cleanup/render.js';
import { ipToPtrName } from '../../../../src/jobs/ptr-cleanup/reverse-names.js';
import { ptrCleanupSettingsSchema } from '../../../../src/jobs/ptr-cleanup/settings.js';
import { observeListed, type ListedZone } from './listed-zones.js';

function zone(id: string, name: string, ips: string[], extra: Partial<ListedZone> = {}): ListedZone {
  return {
    id,
    name,
    privateZone: true,
    vpcs: [{ vpcId: 'vpc-0d3c4a7d00000001', region: 'us-east-1' }],
    listed: ips.map((ip, i): RecordSet => ({ name: ipToPtrName(ip), type: 'PTR', ttl: i === 1 ? 37 : 300, values: i === 2 ? ['a.ec2.internal.', 'b.ec2.internal.'] : [`ip-${ip.replace(/[.:]/g, '-')}.ec2.internal.`] })),
    live: 0,
    otherRecords: 2,
    ...extra,
  };
}

/** As observe hands it over: records whose IP an interface holds (`live`) only counted. */
function observed(zones: ListedZone[], live: string[]): CleanupObserved {
  return { mode: 'cleanup', region: 'us-east-1', zones: observeListed(zones, { addresses: live }), unmatchedZones: [], forwardZones: [], ownership: { scope: { vpcIds: ['vpc-0d3c4a7d00000001'] }, interfaces: 12 } };
}

function sectionTexts(blocks: KnownBlock[]): string[] {
  return blocks.flatMap((b) => (b.type === 'section' && b.text ? [b.text.text] : b.type === 'context' ? b.elements.map((e) => ('text' in e ? e.text : '')) : []));
}

describe('renderPtrPlan', () => {
  it('cleanup: counts, skipped by reason, a sample and the full CSV', () => {
    const z = zone('Z10', '10.in-addr.arpa.', ['10.0.1.1', '10.0.1.2', '10.0.1.3', '10.0.1.4', '10.0.1.5']);
    z.listed.push({ name: '0\\05726.1.0.10.in-addr.arpa.', type: 'PTR', ttl: 300, values: ['classless.'] });
    const outcome = planCleanup(observed([z], ['10.0.1.4']), ptrCleanupSettingsSchema.parse({ protectedCidrs: ['10.0.1.5/32'], maxZoneShare: 0.5 }));
    if (outcome.kind !== 'plan') throw new Error('refused');
    const rendered = renderPtrPlan(outcome.plan);
    expect(rendered.summary).toBe('PTR cleanup: delete 3 stale PTR records in 1 zone');
    expect(rendered.blocks).toMatchSnapshot();
    expect(rendered.files).toHaveLength(1);
    expect(rendered.files![0]!.content).toMatchSnapshot();
  });

  it('restore: what comes back, and what is left alone', () => {
    const outcome = planRestore({
      mode: 'restore',
      sourceJobId: 'p-m3x9k2a7b1',
      saved: [{ zoneId: 'Z10', zoneName: '10.in-addr.arpa.', key: 'Z10/0', state: 'deleted', records: [['1.1.0.10.in-addr.arpa.', 37, ['a.', 'b.']], ['2.1.0.10.in-addr.arpa.', 300, ['c.']]] }],
      present: { Z10: ['2.1.0.10.in-addr.arpa.'] },
    });
    if (outcome.kind !== 'plan') throw new Error('refused');
    const rendered = renderPtrPlan(outcome.plan);
    expect(rendered.summary).toBe('PTR restore of job p-m3x9k2a7b1: re-create 1 PTR record in 1 zone');
    expect(rendered.blocks).toMatchSnapshot();
    expect(rendered.files![0]!.content).toBe(
      'action,zone_id,zone,name,ip,ttl,values,set_identifier,reason\ncreate,Z10,10.in-addr.arpa.,1.1.0.10.in-addr.arpa.,10.0.1.1,37,a. b.,,\n',
    );
  });

  it('stays within Block Kit limits with many zones, long targets and 50,000 records', () => {
    const zones = Array.from({ length: 60 }, (_, z) =>
      zone(`Z${z}`, `${z}.100.in-addr.arpa.`, Array.from({ length: 850 }, (_, i) => `100.${z}.${Math.floor(i / 250)}.${i % 250}`)),
    );
    for (const z of zones) for (const r of z.listed) r.values = [`${'very-long-host-name-'.repeat(10)}.example.internal.`];
    const outcome = planCleanup(observed(zones, []), ptrCleanupSettingsSchema.parse({}));
    if (outcome.kind !== 'plan') throw new Error('refused');
    const rendered = renderPtrPlan(outcome.plan);
    expect(rendered.blocks.length).toBeLessThanOrEqual(50);
    for (const text of sectionTexts(rendered.blocks)) expect(text.length).toBeLessThanOrEqual(3000);
    const all = sectionTexts(rendered.blocks).join('\n');
    expect(all).toContain('… and 40 more zones (see the CSV)');
    expect(all).toContain('… and 50,990 more in the attached CSV');
    expect(rendered.files![0]!.content.split('\n')).toHaveLength(51_000 + 2);
  });

  it('an empty plan says nothing will be deleted and attaches nothing', () => {
    const outcome = planCleanup(observed([zone('Z10', '10.in-addr.arpa.', ['10.0.1.1'])], ['10.0.1.1']), ptrCleanupSettingsSchema.parse({}));
    if (outcome.kind !== 'plan') throw new Error('refused');
    const rendered = renderPtrPlan(outcome.plan);
    expect(rendered.summary).toBe('PTR cleanup: nothing to delete (1 PTR record in 1 zone scanned)');
    expect(rendered.files).toBeUndefined();
  });
});

describe('backup CSV', () => {
  it('quotes CSV cells that need it and joins the batches in the order given', () => {
    const parts = [
      backupCsvPart({ zoneId: 'Z1', zoneName: 'z.', records: [['1.0.0.10.in-addr.arpa.', 60, ['a,"b".']]] }),
      backupCsvPart({ zoneId: 'Z2', zoneName: 'y.', records: [['2.0.0.10.in-addr.arpa.', 300, ['c.', 'd.']], ['3.0.0.10.in-addr.arpa.', 300, ['e.'], { SetIdentifier: 's1' }]] }),
    ];
    expect(backupCsvFile(parts)).toBe(
      'action,zone_id,zone,name,ip,ttl,values,set_identifier,reason\n' +
        'deleted,Z1,z.,1.0.0.10.in-addr.arpa.,10.0.0.1,60,"a,""b"".",,\n' +
        'deleted,Z2,y.,2.0.0.10.in-addr.arpa.,10.0.0.2,300,c. d.,,\n' +
        'deleted,Z2,y.,3.0.0.10.in-addr.arpa.,10.0.0.3,300,e.,s1,\n',
    );
  });
});
