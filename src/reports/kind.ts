/**
 * The contract for READ-ONLY reports (postmortem drafts, cost estimates). Unlike job kinds they have no
 * plan, no approval and no worker: the command handler acks, authorizes with the same policy `run`
 * list, calls `run`, and posts the result in the channel (files attached in the message's thread).
 * A report must not change anything in AWS, Kubernetes or Slack beyond posting its answer (a message, files, or
 * a canvas it writes itself, as the postmortem does).
 */
import type { KnownBlock } from '@slack/types';
import type { RedisClient } from '../integrations/redis/connections.js';
import type { WebClient } from '@slack/web-api';
import type { Clients } from '../integrations/clients.js';
import type { ZodType } from 'zod';
import type { Clock } from '../integrations/clock.js';
import type { AuditLog } from '../integrations/redis/audit.js';
import type { PlanStore } from '../integrations/redis/plan-store.js';
import type { CommandSpec, RawCommand } from '../jobs/kind.js';
import type { Logger } from '../logger.js';
import type { Templates } from './templates.js';

export interface ReportContext<Settings = unknown> {
  clients: Clients;
  /** The bot's own Web API client (its retry config honours 429 Retry-After). */
  slack: WebClient;
  /** Where the command was typed; the answer is posted here. */
  channel: string;
  user: string;
  /** Why the policy forbids reading this channel's content, or undefined when it allows it. */
  readRefusal(channel: string): string | undefined;
  clock: Clock;
  log: Logger;
  templates: Templates;
  /** `commands.<report>.settings` as the report's `settingsSchema` parsed them (undefined without a schema). */
  settings: Settings;
  /** Read-only here: deckhand's own record of plans, approvals and runs (the postmortem's timeline). */
  audit: AuditLog;
  plans: PlanStore;
  /** For a report's own caches (the cost report's prices); every key must start with `redisPrefix`. */
  redis: RedisClient;
  redisPrefix: string;
  /** Shows how far a long report has got: the first call posts a message, later calls update it; the answer replaces it. */
  progress(text: string): Promise<void>;
}

export interface ReportFile {
  filename: string;
  title: string;
  content: string;
}

export interface ReportOutput {
  /** Notification text and fallback. */
  text: string;
  blocks: KnownBlock[];
  /** Attached in the thread of the posted message (e.g. the full Markdown draft). */
  files?: ReportFile[];
}

// The registry holds reports of different argument types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface ReportKind<Args = any, Settings = any> {
  command: CommandSpec;
  /** zod schema of `commands.<report>.settings`, parsed once at start-up (an absent block parses as `{}`). */
  settingsSchema?: ZodType<Settings>;
  /** Typed arguments, or throw UsageError naming what is wrong. */
  parseArgs(raw: RawCommand): Args;
  /** Read-only: gathers data and renders it; UserFacingError for problems the user can fix. */
  run(ctx: ReportContext<Settings>, args: Args): Promise<ReportOutput>;
}
