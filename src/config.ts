/**
 * One typed config (docs/ARCHITECTURE.md principle 11): secrets and endpoints from the environment, policy from
 * an optional YAML file. Validated once at start-up; every problem becomes one line of ConfigError.
 */
import { readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z, type ZodType } from 'zod';
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
  redisUrl: string;
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
    commands: z.record(z.string(), commandPolicySchema).default({}),
  })
  .strict();

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const envSchema = z.object({
  SLACK_BOT_TOKEN: z.string({ error: 'is required (the bot token, xoxb-…)' }).min(1, 'is required (the bot token, xoxb-…)'),
  SLACK_SIGNING_SECRET: z.string().min(1, 'must not be empty').optional(),
  SLACK_APP_TOKEN: z.string().startsWith('xapp-', 'must be an app-level token (xapp-…)').optional(),
  SLACK_API_URL: z.url({ error: 'must be a URL like https://slack.com/api/' }).optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  PORT: z.coerce.number({ error: 'must be a port number' }).int('must be a port number').min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  DECKHAND_CONFIG: z.string().min(1).optional(),
  DECKHAND_TEMPLATES_DIR: z.string().min(1, 'must be a directory path').optional(),
  DECKHAND_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, - or _ (BullMQ forbids ":")')
    .default('deckhand'),
});

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

function issueLines(prefix: string, error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    return `${path}: ${issue.message}`;
  });
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
  if (!envResult.success) problems.push(...issueLines('', envResult.error));
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
  if (!policyResult.success) {
    problems.push(...issueLines('policy', policyResult.error));
  } else {
    policy.channels = policyResult.data.channels;
    policy.planExpiryMs = policyResult.data.planExpiry;
    const known = new Set<string>([...BUILTIN_SUBCOMMANDS, ...kinds.keys(), ...(options.reports ?? [])]);
    for (const name of Object.keys(policyResult.data.commands)) {
      if (!known.has(name)) {
        problems.push(`policy.commands.${name}: unknown subcommand (known: ${[...known].join(', ')})`);
      }
    }
    for (const name of known) {
      const raw = policyResult.data.commands[name] ?? {};
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
        else problems.push(...issueLines(`policy.commands.${name}.settings`, settings.error));
      } else if (raw.settings !== undefined) {
        problems.push(`policy.commands.${name}.settings: ${name} takes no settings`);
      }
      policy.commands[name] = command;
    }
  }

  if (problems.length > 0 || !envResult.success) throw new ConfigError(problems);
  const e = envResult.data;
  return {
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET ?? '',
      ...(e.SLACK_APP_TOKEN ? { appToken: e.SLACK_APP_TOKEN } : {}),
      ...(e.SLACK_API_URL ? { apiUrl: e.SLACK_API_URL } : {}),
    },
    redisUrl: e.REDIS_URL,
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
    redisUrl: redactUrl(config.redisUrl),
  };
}
