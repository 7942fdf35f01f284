import { UsageError } from '../../../../src/errors.js';
import { parseRolloutArgs } from '../../../../src/jobs/rollout/args.js';
import { rolloutSettingsSchema } from '../../../../src/jobs/rollout/settings.js';

const raw = (positionals: string[], flags: Record<string, string | boolean> = {}) => ({ subcommand: 'rollout', positionals, flags });

describe('parseRolloutArgs', () => {
  test('all options', () => {
    expect(
      parseRolloutArgs(raw(['eks-prod-workers'], { to: '1', surge: '3', 'max-unavailable': '0', canary: true, 'drain-timeout': '10m', cluster: 'prod', 'dry-run': true })),
    ).toEqual({ group: 'eks-prod-workers', to: '1', surge: 3, maxUnavailable: 0, canary: true, drainTimeoutMs: 600_000, dryRun: true, cluster: 'prod' });
  });

  test('defaults', () => {
    expect(parseRolloutArgs(raw(['g']))).toEqual({ group: 'g', canary: false, dryRun: false });
  });

  test('an AMI id is accepted as --to', () => {
    expect(parseRolloutArgs(raw(['g'], { to: 'ami-0new00000000000002' })).to).toBe('ami-0new00000000000002');
  });

  test.each([
    [[], {}, /exactly one/],
    [['a', 'b'], {}, /exactly one/],
    [['g'], { to: '$Latest' }, /numbered launch template version/],
    [['g'], { to: '0' }, /numbered/],
    [['g'], { surge: '0' }, /--surge must be a whole number ≥ 1/],
    [['g'], { surge: 'two' }, /--surge/],
    [['g'], { 'max-unavailable': '-1' }, /--max-unavailable/],
    [['g'], { 'drain-timeout': 'forever' }, /--drain-timeout/],
    [['g'], { to: true }, /--to needs one value/],
  ])('%j %j is a usage error', (positionals, flags, message) => {
    const call = () => parseRolloutArgs(raw(positionals as string[], flags as Record<string, string | boolean>));
    expect(call).toThrow(UsageError);
    expect(call).toThrow(message);
  });
});

describe('rolloutSettingsSchema', () => {
  test('defaults', () => {
    expect(rolloutSettingsSchema.parse({})).toEqual({
      surge: undefined,
      maxUnavailable: 1,
      drainTimeoutMs: 900_000,
      nodeReadyTimeoutMs: 600_000,
      autoscalerMode: 'annotate',
      taintKey: 'deckhand.dev/rollout',
      cordon: false,
      excludeFromLbLabel: true,
      redisFailBack: false,
      clusters: undefined,
      groups: ['*'],
      limits: { surge: 20, maxUnavailable: 3, drainTimeout: 7_200_000 },
      estimate: { nodeReadySeconds: 55, podStartSeconds: 10, apiSeconds: 5, redisMoveSeconds: 15 },
    });
  });

  test('reads durations into milliseconds', () => {
    expect(rolloutSettingsSchema.parse({ drainTimeout: '5m', nodeReadyTimeout: 90_000 })).toMatchObject({ drainTimeoutMs: 300_000, nodeReadyTimeoutMs: 90_000 });
  });

  test.each([
    [{ autoscalerMode: 'off' }, 'autoscalerMode'],
    [{ drainTimeout: 'soon' }, 'drainTimeout'],
    [{ drainTimout: '5m' }, ''],
    [{ estimate: { nodeReadySecs: 30 } }, 'estimate'],
  ])('refuses %j, naming where', (raw, path) => {
    const result = rolloutSettingsSchema.safeParse(raw);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual([path]);
  });
});
