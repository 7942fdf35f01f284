import { filterRecords, packRecords, unpackRecords } from '../../../../src/jobs/ptr-cleanup/packed-records.js';
import type { CompactRecord } from '../../../../src/jobs/ptr-cleanup/model.js';

describe('packed plan records', () => {
  it('give back exactly the records packed, in order: values, TTLs and routing', () => {
    const records: CompactRecord[] = [
      ['1.0.0.10.in-addr.arpa.', 300, ['ip-10-0-0-1.ec2.internal.']],
      ['2.0.0.10.in-addr.arpa.', 0, ['a.', 'b.', 'c.']],
      ['3.0.0.10.in-addr.arpa.', 60, ['w.'], { SetIdentifier: 'blue side', Weight: 10 }],
      ['4.0.0.10.in-addr.arpa.', 86_400, ['geo.'], { SetIdentifier: 's2', GeoLocation: { CountryCode: 'DE' } }],
    ];
    const packed = packRecords(records);
    expect(packed.count).toBe(4);
    expect(unpackRecords(packed)).toEqual(records);
  });

  it('keep the separators and the escape character inside names and values', () => {
    const records: CompactRecord[] = [
      ['\\052.0.0.10.in-addr.arpa.', 300, ['with space.', 'percent%20literal.', 'new\nline.', '%.']],
      ['5.0.0.10.in-addr.arpa.', 300, ['-']],
    ];
    const packed = packRecords(JSON.parse(JSON.stringify(records)) as CompactRecord[]);
    expect(packed.lines.split('\n')).toHaveLength(2);
    expect(unpackRecords(JSON.parse(JSON.stringify(packed)) as typeof packed)).toEqual(records);
  });

  it('pack nothing as an empty zone', () => {
    const packed = packRecords([]);
    expect(packed).toEqual({ count: 0, lines: '' });
    expect(unpackRecords(packed)).toEqual([]);
  });

  it('store a record in a line of its own text, not one JSON object per record', () => {
    const packed = packRecords([['1.0.0.10.in-addr.arpa.', 300, ['a.example.']]]);
    expect(packed.lines).toBe('1.0.0.10.in-addr.arpa. 300 - a.example.');
  });

  it('filter to the records asked for, keeping their lines exactly as packed', () => {
    const records: CompactRecord[] = [
      ['1.0.0.10.in-addr.arpa.', 300, ['keep me.']],
      ['2.0.0.10.in-addr.arpa.', 300, ['drop.']],
      ['3.0.0.10.in-addr.arpa.', 60, ['keep%too.'], { SetIdentifier: 's 1' }],
    ];
    const packed = packRecords(records);
    const kept = filterRecords(packed, (record) => record[2][0]!.startsWith('keep'));
    expect(kept.count).toBe(2);
    expect(kept.lines.split('\n')).toEqual([packed.lines.split('\n')[0], packed.lines.split('\n')[2]]);
    expect(unpackRecords(kept)).toEqual([records[0], records[2]]);
    expect(filterRecords(packed, () => false)).toEqual({ count: 0, lines: '' });
  });
});
