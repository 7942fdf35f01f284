/**
 * One typed config (docs/ARCHITECTURE.md principle 11): secrets and endpoints from the environment, policy from
 * an optional YAML file. Validated once at start-up; every problem becomes one line of ConfigError.
 */
import { readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z, type ZodType } from 'zod';
import type { RedisConnection, RedisHost } from './integrations/redis/connections.js';
import type { JobKind } from './jobs/kind.js';
import { durationSchema, parseDuration } from './time.js';

/** Subcommands the bot answers itself; always read-only. */
export const BUILTIN_SUBCOMMANDS = ['help', 'jobs', 'status'] as const;

/** A Slack user id (`U…`/`W…`), a user-group handle (`@sre`), or everyone (`*`). */
export type Principal = string;

export interface CommandPolicy {
  run: Principal[];
  approve: Principal[];
  selfApprove: boolean;
  approvals: number;
  /** Channels this subcommand may be used in; empty = wherever the global list allows. */
  channels: string[];
  /**
   * A job kind's or report's settings as its `settingsSchema` parsed them (defaults applied); the kind receives
   * them typed through `KindContext.settings`, a report through `ReportContext.settings`. Undefined for built-ins.
   */
  settings: unknown;
}

export interface Policy {
  /** Allowed channels; empty = any. */
  channels: string[];
  planExpiryMs: number;
  commands: Record<string, CommandPolicy>;
  /** False when no policy file was given (the plan message then explains how to add approvers). */
  fromFile: boolean;
}

export interface Config {
  slack: { botToken: string; signingSecret: string; appToken?: string; apiUrl?: string };
  redis: RedisConnection;
  /** Every key deckhand keeps starts with it; `{…}` makes it a Redis Cluster hash tag (one slot for all). */
  redisPrefix: string;
  port: number;
  logLevel: string;
  configPath?: string;
  /** Override directory for report templates: a file here replaces the bundled one of the same name. */
  templatesDir?: string;
  policy: Policy;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const DEFAULT_PLAN_EXPIRY = '30m';

const principal = z
  .string()
  .regex(/^(\*|[UW][A-Z0-9]{2,}|@[a-z0-9][a-z0-9._-]*)$/, 'must be a Slack user id (U…/W…), a user-group handle (@sre) or "*"');
const principals = z.union([z.literal('*').transform(() => ['*']), z.array(principal)]);
const channelId = z.string().regex(/^[CGD][A-Z0-9]{2,}$/, 'must be a Slack channel id (C…/G…)');

const commandPolicySchema = z
  .object({
    run: principals.optional(),
    approve: principals.optional(),
    selfApprove: z.boolean().optional(),
    approvals: z.number().int().min(1).max(5).optional(),
    channels: z.array(channelId).optional(),
    settings: z.unknown().optional(),
  })
  .strict();

const policyFileSchema = z
  .object({
    channels: z.array(channelId).default([]),
    planExpiry: durationSchema({ min: 60_000, max: 86_400_000 }).prefault(DEFAULT_PLAN_EXPIRY),
    // Each entry is checked against commandPolicySchema on its own (loadConfig).
    commands: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

/** `host:port,host:port`: Sentinels or Cluster seed nodes. */
const hostList = z
  .string()
  .regex(/^[^\s,:]+:\d{1,5}(,[^\s,:]+:\d{1,5})*$/, 'must be host:port[,host:port…]')
  .transform((list): RedisHost[] => list.split(',').map((entry) => {
    const [host, port] = entry.split(':');
    return { host: host!, port: Number(port) };
  }));

/** Hash-tagged, so that on Redis Cluster every key (BullMQ's too) is in one slot: docs/adr/0011-one-hash-tag-for-redis-cluster.md. */
export const DEFAULT_REDIS_PREFIX = '{deckhand}';
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const envSchema = z.object({
  SLACK_BOT_TOKEN: z
    .string({ error: 'is required (the bot token, xoxb-…)' })
    .min(1, 'is required (the bot token, xoxb-…)')
    .regex(/^xoxb-[A-Za-z0-9-]+$/, 'must be a bot token: xoxb- followed by letters, digits and dashes (OAuth & Permissions → Bot User OAuth Token)'),
  SLACK_SIGNING_SECRET: z.string().min(1, 'must not be empty').optional(),
  SLACK_APP_TOKEN: z.string().startsWith('xapp-', 'must be an app-level token (xapp-…)').optional(),
  SLACK_API_URL: z.url({ error: 'must be a URL like https://slack.com/api/' }).optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL')
    .refine((url) => URL.canParse(url), 'must be a redis:// or rediss:// URL')
    .optional(),
  REDIS_SENTINELS: hostList.optional(),
  REDIS_SENTINEL_MASTER: z.string().min(1, 'must not be empty').optional(),
  REDIS_SENTINEL_PASSWORD: z.string().min(1, 'must not be empty').optional(),
  REDIS_CLUSTER_NODES: hostList.optional(),
  REDIS_PASSWORD: z.string().min(1, 'must not be empty').optional(),
  REDIS_TLS: z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
  REDIS_TLS_CA_FILE: z.string().min(1, 'must be a file path').optional(),
  PORT: z.coerce.number({ error: 'must be a port number' }).int('must be a port number').min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  DECKHAND_CONFIG: z.string().min(1).optional(),
  DECKHAND_TEMPLATES_DIR: z.string().min(1, 'must be a directory path').optional(),
  DECKHAND_REDIS_PREFIX: z
    .string()
    .regex(/^(\{[A-Za-z0-9_-]+\}|[A-Za-z0-9_-]+)$/, 'must be letters, digits, - or _, optionally in braces ({deckhand}); BullMQ forbids ":"')
    .default(DEFAULT_REDIS_PREFIX),
});

type Env = z.infer<typeof envSchema>;

/**
 * One of the three deployments, from the REDIS_* variables; a problem per line. The data password may be in the
 * URL (standalone) or REDIS_PASSWORD; TLS is `rediss://` (standalone) or REDIS_TLS=true (Sentinel, Cluster).
 */
function redisConnection(e: Env, readFile: (path: string) => string, problems: string[]): RedisConnection | undefined {
  const modes = [e.REDIS_URL && 'REDIS_URL', e.REDIS_SENTINELS && 'REDIS_SENTINELS', e.REDIS_CLUSTER_NODES && 'REDIS_CLUSTER_NODES'].filter(Boolean);
  if (modes.length > 1) {
    problems.push(`${modes.join(', ')}: set only one of REDIS_URL (standalone), REDIS_SENTINELS (Sentinel) or REDIS_CLUSTER_NODES (Cluster)`);
    return undefined;
  }
  const before = problems.length;
  const tlsOn = e.REDIS_URL ? e.REDIS_URL.startsWith('rediss://') : e.REDIS_TLS === 'true';
  if (e.REDIS_URL && e.REDIS_TLS) problems.push('REDIS_TLS: applies to Sentinel and Cluster; for a standalone Redis use a rediss:// REDIS_URL');
  if (e.REDIS_SENTINELS && !e.REDIS_SENTINEL_MASTER) problems.push('REDIS_SENTINEL_MASTER: is required with REDIS_SENTINELS (the master name the Sentinels monitor)');
  if (!e.REDIS_SENTINELS) {
    for (const name of ['REDIS_SENTINEL_MASTER', 'REDIS_SENTINEL_PASSWORD'] as const) if (e[name]) problems.push(`${name}: applies only with REDIS_SENTINELS`);
  }
  let ca: string | undefined;
  if (e.REDIS_TLS_CA_FILE) {
    if (!tlsOn) problems.push('REDIS_TLS_CA_FILE: TLS is off; use a rediss:// REDIS_URL, or REDIS_TLS=true');
    try {
      ca = readFile(e.REDIS_TLS_CA_FILE);
    } catch (err) {
      problems.push(`REDIS_TLS_CA_FILE: cannot read ${e.REDIS_TLS_CA_FILE}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  if (problems.length > before) return undefined;
  const tls = tlsOn ? { ...(e.REDIS_TLS_CA_FILE ? { caFile: e.REDIS_TLS_CA_FILE } : {}), ...(ca ? { ca } : {}) } : undefined;
  const common = { ...(e.REDIS_PASSWORD ? { password: e.REDIS_PASSWORD } : {}), ...(tls ? { tls } : {}) };
  if (e.REDIS_SENTINELS) {
    return { mode: 'sentinel', sentinels: e.REDIS_SENTINELS, masterName: e.REDIS_SENTINEL_MASTER!, ...common, ...(e.REDIS_SENTINEL_PASSWORD ? { sentinelPassword: e.REDIS_SENTINEL_PASSWORD } : {}) };
  }
  if (e.REDIS_CLUSTER_NODES) {
    // Keys a script or MULTI touches together must share a slot: only a hash-tagged prefix guarantees it.
    if (!/^\{.+\}$/.test(e.DECKHAND_REDIS_PREFIX)) problems.push(`DECKHAND_REDIS_PREFIX: must be a hash tag like {${e.DECKHAND_REDIS_PREFIX}} on Redis Cluster, so that every key deckhand keeps is in one slot`);
    return { mode: 'cluster', nodes: e.REDIS_CLUSTER_NODES, ...common };
  }
  if (e.REDIS_PASSWORD && e.REDIS_URL && new URL(e.REDIS_URL).password) problems.push('REDIS_PASSWORD: the REDIS_URL already has a password; give it in one place');
  const url = e.REDIS_URL ?? DEFAULT_REDIS_URL;
  return { mode: 'standalone', url: e.REDIS_PASSWORD ? withPassword(url, e.REDIS_PASSWORD) : url, ...(tls ? { tls } : {}) };
}

function withPassword(url: string, password: string): string {
  const parsed = new URL(url);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

export interface LoadConfigOptions {
  /** Registered job kinds: their subcommands are valid policy keys and their settings are parsed here, once. */
  kinds?: ReadonlyMap<string, JobKind>;
  /** Subcommands of the registered read-only reports: valid policy keys (who may run them). */
  reports?: Iterable<string>;
  /** The `settingsSchema` of each report that takes settings, by subcommand. */
  reportSettings?: ReadonlyMap<string, ZodType>;
  /** The bot needs the signing secret; a worker-only process does not. */
  needsSigningSecret?: boolean;
  readFile?: (path: string) => string;
}

/** The schema found at `path` inside `schema`, looking through wrappers, records and arrays; undefined past the known shape. */
function schemaAt(schema: z.ZodType | undefined, path: PropertyKey[]): z.ZodType | undefined {
  const def = (schema as { _zod?: { def: Record<string, unknown> } } | undefined)?._zod?.def;
  if (!def) return undefined;
  switch (def.type) {
    case 'optional': case 'nullable': case 'default': case 'prefault': case 'readonly':
      return schemaAt(def.innerType as z.ZodType, path);
    case 'pipe':
      return schemaAt(def.in as z.ZodType, path);
  }
  if (path.length === 0) return schema;
  const [head, ...rest] = path;
  if (def.type === 'object') return schemaAt((def.shape as Record<string, z.ZodType>)[String(head)], rest);
  if (def.type === 'record') return schemaAt(def.valueType as z.ZodType, rest);
  if (def.type === 'array') return schemaAt(def.element as z.ZodType, rest);
  return undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/** The valid name closest to a misspelt one, when it is close enough to be what was meant. */
export function nearest(name: string, valid: Iterable<string>): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of valid) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { name: candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(name.length / 3)) ? best.name : undefined;
}

function unknownKeyLine(path: string, key: string, valid: string[]): string {
  const suggestion = nearest(key, valid);
  return `${path ? `${path}.` : ''}${key}: unknown key${suggestion ? ` (did you mean ${suggestion}?)` : ''}; valid keys: ${valid.join(', ')}`;
}

function issueLines(prefix: string, error: z.ZodError, schema: z.ZodType): string[] {
  return error.issues.flatMap((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code !== 'unrecognized_keys') return [`${path}: ${issue.message}`];
    const shape = (schemaAt(schema, issue.path)?._zod.def as { shape?: Record<string, unknown> } | undefined)?.shape ?? {};
    return issue.keys.map((key) => unknownKeyLine(path, key, Object.keys(shape)));
  });
}

function objectOf(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function defaultCommandPolicy(): CommandPolicy {
  // Without a policy anyone may plan (planning is read-only) and nobody may approve.
  return { run: ['*'], approve: [], selfApprove: false, approvals: 1, channels: [], settings: undefined };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadConfigOptions = {}): Config {
  const kinds = options.kinds ?? new Map<string, JobKind>();
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const problems: string[] = [];

  const envResult = envSchema.safeParse(env);
  if (!envResult.success) problems.push(...issueLines('', envResult.error, envSchema));
  // Only the HTTP receiver verifies signatures; Socket Mode (SLACK_APP_TOKEN) authenticates the connection instead.
  if (options.needsSigningSecret !== false && !env.SLACK_APP_TOKEN && !env.SLACK_SIGNING_SECRET) {
    problems.push('SLACK_SIGNING_SECRET: is required for the HTTP receiver (Basic Information → App Credentials), or set SLACK_APP_TOKEN for Socket Mode');
  }

  const templatesDir = env.DECKHAND_TEMPLATES_DIR;
  if (templatesDir && !statSync(templatesDir, { throwIfNoEntry: false })?.isDirectory()) {
    problems.push(`DECKHAND_TEMPLATES_DIR: ${templatesDir} is not a directory`);
  }

  let rawPolicy: unknown = {};
  const configPath = env.DECKHAND_CONFIG || undefined;
  if (configPath) {
    try {
      rawPolicy = parseYaml(readFile(configPath)) ?? {};
    } catch (err) {
      problems.push(`DECKHAND_CONFIG: cannot read ${configPath}: ${(err as Error).message.split('\n')[0]}`);
    }
  }

  const policyResult = policyFileSchema.safeParse(rawPolicy);
  const policy: Policy = { channels: [], planExpiryMs: parseDuration(DEFAULT_PLAN_EXPIRY)!, commands: {}, fromFile: Boolean(configPath) };
  if (policyResult.success) {
    policy.channels = policyResult.data.channels;
    policy.planExpiryMs = policyResult.data.planExpiry;
  } else {
    problems.push(...issueLines('policy', policyResult.error, policyFileSchema));
  }
  // Each command is checked even when the rest of the file is not, so one start-up names every typo.
  const commands = objectOf(objectOf(rawPolicy).commands);
  const known = new Set<string>([...BUILTIN_SUBCOMMANDS, ...kinds.keys(), ...(options.reports ?? [])]);
  for (const name of Object.keys(commands)) {
    if (!known.has(name)) {
      const suggestion = nearest(name, known);
      problems.push(`policy.commands.${name}: unknown subcommand${suggestion ? ` (did you mean ${suggestion}?)` : ''}; known: ${[...known].join(', ')}`);
    }
  }
  for (const name of known) {
    const parsed = commandPolicySchema.safeParse(commands[name] ?? {});
    if (!parsed.success) {
      problems.push(...issueLines(`policy.commands.${name}`, parsed.error, commandPolicySchema));
      continue;
    }
    const raw = parsed.data;
    // Listing a command is where its users are named: leaving them out must not open it to everyone.
    if (name in commands && raw.run === undefined) {
      problems.push(`policy.commands.${name}.run: is required when ${name} is listed (user ids, @group handles, or "*" for everyone)`);
    }
    const base = defaultCommandPolicy();
    const command: CommandPolicy = {
      run: raw.run ?? base.run,
      approve: raw.approve ?? base.approve,
      selfApprove: raw.selfApprove ?? base.selfApprove,
      approvals: raw.approvals ?? base.approvals,
      channels: raw.channels ?? base.channels,
      settings: undefined,
    };
    const schema = kinds.get(name)?.settingsSchema ?? options.reportSettings?.get(name);
    if (schema) {
      const settings = schema.safeParse(raw.settings ?? {});
      if (settings.success) command.settings = settings.data;
      else problems.push(...issueLines(`policy.commands.${name}.settings`, settings.error, schema));
    } else if (raw.settings !== undefined) {
      problems.push(`policy.commands.${name}.settings: ${name} takes no settings`);
    }
    policy.commands[name] = command;
  }

  const redis = envResult.success ? redisConnection(envResult.data, readFile, problems) : undefined;

  if (problems.length > 0 || !envResult.success || !redis) throw new ConfigError(problems);
  const e = envResult.data;
  return {
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET ?? '',
      ...(e.SLACK_APP_TOKEN ? { appToken: e.SLACK_APP_TOKEN } : {}),
      ...(e.SLACK_API_URL ? { apiUrl: e.SLACK_API_URL } : {}),
    },
    redis,
    redisPrefix: e.DECKHAND_REDIS_PREFIX,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    ...(configPath ? { configPath } : {}),
    ...(e.DECKHAND_TEMPLATES_DIR ? { templatesDir: e.DECKHAND_TEMPLATES_DIR } : {}),
    policy,
  };
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '[unparseable]';
  }
}

function redactRedis(redis: RedisConnection): Record<string, unknown> {
  const shown: Record<string, unknown> = { ...redis };
  if (redis.mode === 'standalone') shown.url = redactUrl(redis.url);
  else {
    if (redis.password) shown.password = '[redacted]';
    if (redis.mode === 'sentinel' && redis.sentinelPassword) shown.sentinelPassword = '[redacted]';
  }
  // The CA's path says which one; its PEM would only fill the log.
  if (redis.tls) shown.tls = { caFile: redis.tls.caFile };
  return shown;
}

/** The config as it may be logged: secrets replaced, credentials in URLs masked. */
export function redact(config: Config): Record<string, unknown> {
  return {
    ...config,
    slack: {
      botToken: '[redacted]',
      signingSecret: '[redacted]',
      appToken: config.slack.appToken ? '[redacted]' : undefined,
      apiUrl: config.slack.apiUrl,
    },
    redis: redactRedis(config.redis),
  };
}
