import { formatSize, GiB, MiB, parseQuantity, parseSizeRequest, resolveTargetBytes, TiB, toGiBCeil, toQuantity } from '../../../../src/jobs/volume-resize/sizes.js';

describe('parseSizeRequest', () => {
  it.each([
    ['20Gi', { kind: 'absolute', bytes: 20 * GiB }],
    ['512Mi', { kind: 'absolute', bytes: 512 * MiB }],
    ['1Ti', { kind: 'absolute', bytes: TiB }],
    ['100Ki', { kind: 'absolute', bytes: 100 * 1024 }],
    ['+50%', { kind: 'percent', percent: 50 }],
    ['+12.5%', { kind: 'percent', percent: 12.5 }],
  ])('%s', (text, expected) => expect(parseSizeRequest(text)).toEqual(expected));

  it.each(['20', '20G', '20gi', '1.5Gi', '-5Gi', '50%', '+0%', '0Gi', '+%', 'Gi', '20 Gi', ''])('rejects %p', (text) => {
    expect(parseSizeRequest(text)).toBeUndefined();
  });
});

describe('parseQuantity', () => {
  it.each([
    ['10Gi', 10 * GiB],
    ['10G', 10e9],
    ['1.5Ti', 1.5 * TiB],
    ['10737418240', 10 * GiB],
    ['500Mi', 500 * MiB],
  ])('%s', (q, bytes) => expect(parseQuantity(q)).toBe(bytes));

  it('is undefined for missing or malformed quantities', () => {
    expect(parseQuantity(undefined)).toBeUndefined();
    expect(parseQuantity('ten')).toBeUndefined();
  });
});

describe('resolveTargetBytes', () => {
  it('keeps an absolute size', () => expect(resolveTargetBytes({ kind: 'absolute', bytes: 20 * GiB }, 10 * GiB)).toBe(20 * GiB));
  it('rounds +N% up to whole GiB', () => {
    expect(resolveTargetBytes({ kind: 'percent', percent: 50 }, 10 * GiB)).toBe(15 * GiB);
    expect(resolveTargetBytes({ kind: 'percent', percent: 50 }, 15 * GiB)).toBe(23 * GiB);
    expect(resolveTargetBytes({ kind: 'percent', percent: 10 }, 512 * MiB)).toBe(GiB);
  });
});

describe('formatting', () => {
  it('writes the exact quantity in the largest dividing unit', () => {
    expect(toQuantity(20 * GiB)).toBe('20Gi');
    expect(toQuantity(2 * TiB)).toBe('2Ti');
    expect(toQuantity(1536 * MiB)).toBe('1536Mi');
    expect(toQuantity(1000)).toBe('1000');
  });
  it('rounds bytes up to EBS GiB', () => {
    expect(toGiBCeil(10 * GiB)).toBe(10);
    expect(toGiBCeil(10 * GiB + 1)).toBe(11);
  });
  it('formats for people', () => {
    expect(formatSize(1536 * GiB)).toBe('1.5 TiB');
    expect(formatSize(20 * GiB)).toBe('20 GiB');
    expect(formatSize(512 * MiB)).toBe('512 MiB');
  });
});
