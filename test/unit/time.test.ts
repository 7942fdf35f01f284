import { durationSchema, formatDuration, formatUtc, parseDuration } from '../../src/time.js';

describe('parseDuration: the one grammar of the policy file and command flags', () => {
  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['45s', 45_000],
    ['15m', 900_000],
    ['30m', 1_800_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1d', 86_400_000],
    ['2d12h', 216_000_000],
    ['1m30s', 90_000],
    ['0s', 0],
    [' 90s ', 90_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'soon', '10 minutes', '15', '1.5h', '-5m', '1H', '1h 30m', 'h1', '1w', '15mins', '1h30'])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration: the one output style', () => {
  it.each([
    [0, '0s'],
    [-5_000, '0s'],
    [499, '0s'],
    [45_000, '45s'],
    [60_000, '1m'],
    [125_000, '2m05s'],
    [145_000, '2m25s'],
    [900_000, '15m'],
    [3_600_000, '1h'],
    [3_725_000, '1h02m'],
    [93_600_000, '26h'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('writes what parseDuration reads back, to the second', () => {
    for (const ms of [1_000, 59_000, 61_000, 3_599_000, 3_660_000, 90_000_000]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});

describe('durationSchema', () => {
  const issues = (result: { success: boolean; error?: { issues: { message: string }[] } }) => result.error?.issues.map((i) => i.message);

  it('reads text in the grammar or whole milliseconds', () => {
    expect(durationSchema().parse('1h30m')).toBe(5_400_000);
    expect(durationSchema().parse(' 90s ')).toBe(90_000);
    expect(durationSchema().parse(90_000)).toBe(90_000);
  });

  it('applies a default written like the policy file', () => {
    expect(durationSchema().prefault('15m').parse(undefined)).toBe(900_000);
  });

  it.each([
    ['10 minutes', 'must be a duration like 90s, 15m or 1h30m; got "10 minutes"'],
    [-5, 'must be a duration like 90s, 15m or 1h30m; got -5'],
    [1.5, 'must be a duration like 90s, 15m or 1h30m; got 1.5'],
    [true, 'must be a duration like 90s, 15m or 1h30m'],
  ])('refuses %j, naming the value', (value, message) => {
    expect(issues(durationSchema().safeParse(value))).toEqual([message]);
  });

  it('states the bounds it enforces', () => {
    const bounded = durationSchema({ min: 60_000, max: 86_400_000 });
    expect(bounded.parse('24h')).toBe(86_400_000);
    expect(issues(bounded.safeParse('30s'))).toEqual(['must be between 1m and 24h']);
    expect(issues(bounded.safeParse('1d1s'))).toEqual(['must be between 1m and 24h']);
    expect(issues(durationSchema({ min: 1_000 }).safeParse('500ms'))).toEqual(['must be at least 1s']);
  });
});

describe('formatUtc', () => {
  it('writes minutes in UTC with the zone stated', () => {
    expect(formatUtc(Date.parse('2026-01-05T09:07:59.999Z'))).toBe('2026-01-05 09:07 UTC');
  });
});
