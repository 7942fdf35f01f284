import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, loadConfig, nearest, redact } from '../../src/config.js';
import type { JobKind } from '../../src/jobs/kind.js';
import { createRegistry } from '../../src/jobs/registry.js';
import { createReportRegistry, reportSettingsSchemas } from '../../src/reports/registry.js';

const baseEnv = { SLACK_BOT_TOKEN: 'xoxb-secret-bot', SLACK_SIGNING_SECRET: 'sign-secret' };

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const fakeKind = {
  command: { subcommand: 'resize', summary: '', usage: '', example: '', flags: [] },
  mutating: true,
  settingsSchema: z.object({ maxGiB: z.number().int().positive().default(100) }),
} as unknown as JobKind;
const kinds = new Map([['resize', fakeKind]]);

describe('loadConfig', () => {
  it('applies defaults with no policy file: anyone runs, nobody approves', () => {
    const config = loadConfig(baseEnv, { kinds });
    expect(config.redis).toEqual({ mode: 'standalone', url: 'redis://127.0.0.1:6379' });
    expect(config.port).toBe(3000);
    expect(config.redisPrefix).toBe('{deckhand}');
    expect(config.logLevel).toBe('info');
    expect(config.policy.planExpiryMs).toBe(30 * 60_000);
    expect(config.policy.fromFile).toBe(false);
    expect(config.policy.commands.resize).toEqual({
      run: ['*'], approve: [], selfApprove: false, approvals: 1, channels: [], settings: { maxGiB: 100 },
    });
    expect(config.policy.commands.help?.run).toEqual(['*']);
  });

  it('reads the policy file', () => {
    const yaml = `
channels: [C0123ABC]
planExpiry: 1h30m
commands:
  resize:
    run: ['@sre', U0AAA]
    approve: '*'
    approvals: 2
    settings: { maxGiB: 500 }
`;
    const config = loadConfig({ ...baseEnv, DECKHAND_CONFIG: '/p.yml' }, { kinds, readFile: () => yaml });
    expect(config.policy.channels).toEqual(['C0123ABC']);
    expect(config.policy.planExpiryMs).toBe(90 * 60_000);
    expect(config.policy.commands.resize).toMatchObject({ run: ['@sre', 'U0AAA'], approve: ['*'], approvals: 2, settings: { maxGiB: 500 } });
  });

  it('lists one line per problem in env and YAML', () => {
    const yaml = `
planExpiry: soon
channels: [general]
commands:
  resize:
    approve: [bob]
    approvals: 0
    colour: red
    settings: { maxGiB: -1 }
  deploy: {}
`;
    const problems = problemsOf(() =>
      loadConfig({ PORT: 'http', LOG_LEVEL: 'loud', REDIS_URL: 'localhost', DECKHAND_CONFIG: '/p.yml' }, { kinds, readFile: () => yaml }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^SLACK_BOT_TOKEN: is required/),
        expect.stringMatching(/^SLACK_SIGNING_SECRET: is required/),
        expect.stringMatching(/^PORT: must be a port number/),
        expect.stringMatching(/^LOG_LEVEL: must be one of/),
        expect.stringMatching(/^REDIS_URL: must be a redis/),
        expect.stringMatching(/^policy\.planExpiry: must be a duration/),
        expect.stringMatching(/^policy\.channels\.0: must be a Slack channel id/),
        expect.stringMatching(/^policy\.commands\.resize\.approve/),
        expect.stringMatching(/^policy\.commands\.resize\.approvals/),
        expect.stringMatching(/^policy\.commands\.resize.*colour/),
      ]),
    );
    for (const line of problems) expect(line).not.toContain('\n');
  });

  it('validates kind settings and rejects unknown subcommands', () => {
    const yaml = 'commands:\n  resize:\n    run: "*"\n    settings: { maxGiB: -1 }\n  deploy: {}\n';
    const problems = problemsOf(() => loadConfig({ ...baseEnv, DECKHAND_CONFIG: '/p.yml' }, { kinds, readFile: () => yaml }));
    expect(problems).toEqual([
      expect.stringMatching(/^policy\.commands\.deploy: unknown subcommand; known: help, jobs, status, resize/),
      expect.stringMatching(/^policy\.commands\.resize\.settings\.maxGiB: /),
    ]);
  });

  it('parses each product kind\'s settings once, into the values the kind receives', () => {
    const yaml = 'commands:\n  rollout:\n    run: "*"\n    settings: { drainTimeout: 5m }\n  resize:\n    run: "*"\n    settings: { pollInterval: 2s }\n';
    const config = loadConfig({ ...baseEnv, DECKHAND_CONFIG: '/p.yml' }, { kinds: createRegistry(), readFile: () => yaml });
    expect(config.policy.commands.rollout?.settings).toMatchObject({ drainTimeoutMs: 300_000, nodeReadyTimeoutMs: 600_000 });
    expect(config.policy.commands.resize?.settings).toMatchObject({ pollInterval: 2_000, watchTimeout: 1_800_000 });
    expect(config.policy.commands['ptr-cleanup']?.settings).toMatchObject({ protectedCidrs: [], requestsPerSecond: 5 });
  });

  it('refuses settings a command does not take: a misspelt key, or any block for a built-in', () => {
    const yaml = 'commands:\n  ptr-cleanup:\n    run: "*"\n    settings: { protectedCIDRs: [10.0.0.0/8] }\n  help:\n    run: "*"\n    settings: { verbose: true }\n';
    const problems = problemsOf(() => loadConfig({ ...baseEnv, DECKHAND_CONFIG: '/p.yml' }, { kinds: createRegistry(), readFile: () => yaml }));
    expect(problems).toEqual([
      expect.stringMatching(/^policy\.commands\.help\.settings: help takes no settings$/),
      expect.stringMatching(/^policy\.commands\.ptr-cleanup\.settings\.protectedCIDRs: unknown key \(did you mean protectedCidrs\?\)/),
    ]);
  });

  it.each(['xoxp-123-user-token', 'xapp-1-A0-app', 'xoxb-', 'xoxb-abc def'])('refuses %j as the bot token', (token) => {
    expect(problemsOf(() => loadConfig({ ...baseEnv, SLACK_BOT_TOKEN: token }, { kinds }))).toEqual([expect.stringMatching(/^SLACK_BOT_TOKEN: must be a bot token: xoxb-/)]);
  });

  it('a command listed without `run:` is a start-up error, not open to everyone', () => {
    const yaml = 'commands:\n  resize:\n    approve: ["@sre"]\n';
    expect(problemsOf(() => loadConfig({ ...baseEnv, DECKHAND_CONFIG: '/p.yml' }, { kinds, readFile: () => yaml }))).toEqual([
      'policy.commands.resize.run: is required when resize is listed (user ids, @group handles, or "*" for everyone)',
    ]);
  });

  it.each([
    ['maxDeletePerRun', ['maxDeletesPerRun', 'maxZoneShare'], 'maxDeletesPerRun'],
    ['protectedCidr', ['protectedCidrs', 'protectedPatterns'], 'protectedCidrs'],
    ['colour', ['run', 'approve', 'channels'], undefined],
  ])('the nearest valid key to %s', (name, valid, expected) => {
    expect(nearest(name, valid)).toBe(expected);
  });

  it('loads the policy files the README and the Kubernetes manifests show', () => {
    const readme = readFileSync('README.md', 'utf8');
    const example = /The policy file \(`DECKHAND_CONFIG`\):\n\n```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    const manifests = ['deploy/kubernetes/base/policy.yaml', 'deploy/kubernetes/overlays/example/policy.yaml'].map((path) => readFileSync(path, 'utf8'));
    for (const yaml of [example, ...manifests]) {
      expect(yaml).toBeDefined();
      const kinds = createRegistry();
      const reports = createReportRegistry(undefined, kinds.keys());
      const config = loadConfig({ ...baseEnv, DECKHAND_CONFIG: '/p.yml' }, { kinds, reports: reports.keys(), reportSettings: reportSettingsSchemas(reports), readFile: () => yaml! });
      expect(config.policy.commands.rollout?.settings).toMatchObject({ drainTimeoutMs: 900_000 });
    }
  });

  it('reports an unreadable or malformed policy file in one line', () => {
    const missing = problemsOf(() =>
      loadConfig({ ...baseEnv, DECKHAND_CONFIG: '/nope.yml' }, { readFile: () => { throw new Error('ENOENT: no such file'); } }),
    );
    expect(missing).toEqual(['DECKHAND_CONFIG: cannot read /nope.yml: ENOENT: no such file']);
    const broken = problemsOf(() => loadConfig({ ...baseEnv, DECKHAND_CONFIG: '/p.yml' }, { readFile: () => 'a: [1,\n' }));
    expect(broken).toHaveLength(1);
    expect(broken[0]).toMatch(/^DECKHAND_CONFIG: cannot read \/p.yml: /);
  });

  it('does not need the signing secret in a worker-only process', () => {
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' }, { needsSigningSecret: false })).not.toThrow();
  });

  it('needs the signing secret for the HTTP receiver, not in Socket Mode', () => {
    expect(problemsOf(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' }))).toEqual([
      'SLACK_SIGNING_SECRET: is required for the HTTP receiver (Basic Information → App Credentials), or set SLACK_APP_TOKEN for Socket Mode',
    ]);
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' })).not.toThrow();
  });
});

describe('Redis connection', () => {
  const load = (env: Record<string, string>, files: Record<string, string> = {}) =>
    loadConfig({ ...baseEnv, ...env }, { readFile: (path) => {
      if (path in files) return files[path]!;
      throw new Error(`ENOENT: no such file, open '${path}'`);
    } });

  it('reads each of the three deployments', () => {
    expect(load({ REDIS_URL: 'rediss://redis.internal:6380', REDIS_PASSWORD: 'p@ss', REDIS_TLS_CA_FILE: '/ca.pem' }, { '/ca.pem': 'PEM' }).redis).toEqual({
      mode: 'standalone', url: 'rediss://:p%40ss@redis.internal:6380', tls: { caFile: '/ca.pem', ca: 'PEM' },
    });
    expect(load({ REDIS_SENTINELS: 's1:26379,s2:26379', REDIS_SENTINEL_MASTER: 'mymaster', REDIS_SENTINEL_PASSWORD: 'sp', REDIS_PASSWORD: 'dp' }).redis).toEqual({
      mode: 'sentinel', sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }], masterName: 'mymaster', sentinelPassword: 'sp', password: 'dp',
    });
    expect(load({ REDIS_CLUSTER_NODES: 'c1:6379', REDIS_PASSWORD: 'dp', REDIS_TLS: 'true' }).redis).toEqual({
      mode: 'cluster', nodes: [{ host: 'c1', port: 6379 }], password: 'dp', tls: {},
    });
  });

  it('says in one line each what is wrong, and connects to nothing', () => {
    expect(problemsOf(() => load({ REDIS_URL: 'redis://a:1', REDIS_CLUSTER_NODES: 'c1:6379' }))).toEqual([
      'REDIS_URL, REDIS_CLUSTER_NODES: set only one of REDIS_URL (standalone), REDIS_SENTINELS (Sentinel) or REDIS_CLUSTER_NODES (Cluster)',
    ]);
    expect(problemsOf(() => load({ REDIS_SENTINELS: 's1:26379' }))).toEqual(['REDIS_SENTINEL_MASTER: is required with REDIS_SENTINELS (the master name the Sentinels monitor)']);
    expect(problemsOf(() => load({ REDIS_SENTINELS: 's1' }))).toEqual(['REDIS_SENTINELS: must be host:port[,host:port…]']);
    expect(problemsOf(() => load({ REDIS_SENTINEL_PASSWORD: 'sp' }))).toEqual(['REDIS_SENTINEL_PASSWORD: applies only with REDIS_SENTINELS']);
    expect(problemsOf(() => load({ REDIS_URL: 'redis://a:1', REDIS_TLS_CA_FILE: '/ca.pem' }, { '/ca.pem': 'PEM' }))).toEqual([
      'REDIS_TLS_CA_FILE: TLS is off; use a rediss:// REDIS_URL, or REDIS_TLS=true',
    ]);
    expect(problemsOf(() => load({ REDIS_URL: 'rediss://a:1', REDIS_TLS_CA_FILE: '/missing.pem' }))).toEqual([
      "REDIS_TLS_CA_FILE: cannot read /missing.pem: ENOENT: no such file, open '/missing.pem'",
    ]);
    expect(problemsOf(() => load({ REDIS_URL: 'redis://:secret@a:1', REDIS_PASSWORD: 'other' }))).toEqual(['REDIS_PASSWORD: the REDIS_URL already has a password; give it in one place']);
    expect(problemsOf(() => load({ REDIS_URL: 'redis://a:1', REDIS_TLS: 'true' }))).toEqual(['REDIS_TLS: applies to Sentinel and Cluster; for a standalone Redis use a rediss:// REDIS_URL']);
  });

  it('refuses a prefix without a hash tag on Cluster, where keys a script touches together must share a slot', () => {
    expect(problemsOf(() => load({ REDIS_CLUSTER_NODES: 'c1:6379', DECKHAND_REDIS_PREFIX: 'deckhand' }))).toEqual([
      'DECKHAND_REDIS_PREFIX: must be a hash tag like {deckhand} on Redis Cluster, so that every key deckhand keeps is in one slot',
    ]);
    expect(load({ REDIS_URL: 'redis://a:1', DECKHAND_REDIS_PREFIX: 'deckhand' }).redisPrefix).toBe('deckhand');
    expect(problemsOf(() => load({ DECKHAND_REDIS_PREFIX: '{a}:b' }))[0]).toMatch(/^DECKHAND_REDIS_PREFIX: must be letters/);
  });
});

describe('redact', () => {
  it('never exposes tokens or Redis passwords', () => {
    const config = loadConfig({
      ...baseEnv, SLACK_APP_TOKEN: 'xapp-secret-app', REDIS_URL: 'redis://user:hunter2@redis:6379',
    });
    const text = JSON.stringify(redact(config));
    for (const secret of ['xoxb-secret-bot', 'sign-secret', 'xapp-secret-app', 'hunter2']) expect(text).not.toContain(secret);
    expect(text).toContain('redis://user:***@redis:6379');
  });

  it('masks the Sentinel and data passwords and shows the CA by its path', () => {
    const config = loadConfig(
      { ...baseEnv, REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_MASTER: 'm', REDIS_SENTINEL_PASSWORD: 'sentinel-secret', REDIS_PASSWORD: 'data-secret', REDIS_TLS: 'true', REDIS_TLS_CA_FILE: '/ca.pem' },
      { readFile: () => '-----BEGIN CERTIFICATE-----' },
    );
    const text = JSON.stringify(redact(config));
    for (const secret of ['sentinel-secret', 'data-secret', 'BEGIN CERTIFICATE']) expect(text).not.toContain(secret);
    expect(redact(config).redis).toMatchObject({ mode: 'sentinel', tls: { caFile: '/ca.pem' }, password: '[redacted]' });
  });
});
