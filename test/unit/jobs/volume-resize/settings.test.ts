import { resizeSettingsSchema } from '../../../../src/jobs/volume-resize/settings.js';

describe('resizeSettingsSchema', () => {
  it('defaults every field when the policy has no settings block', () => {
    expect(resizeSettingsSchema.parse({})).toEqual({
      watchTimeout: 30 * 60_000,
      pollInterval: 10_000,
      errorGrace: 2 * 60_000,
      onlineFilesystemGrace: 5 * 60_000,
      modificationsPerWindow: 4,
      modificationWindow: 24 * 3_600_000,
      offlineProvisioners: ['kubernetes.io/aws-ebs'],
      namespaces: ['*'],
    });
  });

  it('reads durations written with a unit, or as milliseconds', () => {
    expect(resizeSettingsSchema.parse({ watchTimeout: '1h', pollInterval: '500ms', errorGrace: 90_000, onlineFilesystemGrace: ' 90s ' })).toMatchObject({
      watchTimeout: 3_600_000,
      pollInterval: 500,
      errorGrace: 90_000,
      onlineFilesystemGrace: 90_000,
    });
  });

  it('refuses a key it does not know', () => {
    const result = resizeSettingsSchema.safeParse({ watchTimout: '1h' });
    expect(result.error?.issues).toEqual([expect.objectContaining({ code: 'unrecognized_keys', keys: ['watchTimout'] })]);
  });

  it('refuses a duration it cannot read, naming the value', () => {
    const result = resizeSettingsSchema.safeParse({ watchTimeout: '10 minutes', pollInterval: 'soon', errorGrace: -5 });
    expect(result.success).toBe(false);
    const issues = result.error!.issues.map((issue) => [issue.path.join('.'), issue.message]);
    expect(issues).toEqual(
      expect.arrayContaining([
        ['watchTimeout', 'must be a duration like 90s, 15m or 1h30m; got "10 minutes"'],
        ['pollInterval', 'must be a duration like 90s, 15m or 1h30m; got "soon"'],
        ['errorGrace', 'must be a duration like 90s, 15m or 1h30m; got -5'],
      ]),
    );
  });
});
