/**
 * The contract every job kind (rollout, ptr-cleanup, volume-resize, and the test fixture) implements.
 * The foundation gives each kind, for free: command parsing and help, authorization, a stored plan
 * with Approve/Reject buttons, re-validation at approval, a per-target lock, a BullMQ job running
 * `steps()` with checkpoints, a live status card, Cancel/Pause buttons, cleanup on crash, and audit.
 *
 * Flow: parseArgs -> observe (read-only I/O) -> plan (pure) -> renderPlan -> [approve: observe again,
 * compare fingerprint] -> steps run in a worker -> cleanup (finally, and at worker start-up for dead runs).
 */
import type { KnownBlock } from '@slack/types';
import type { ZodType } from 'zod';
import type { RedisClient } from '../integrations/redis/connections.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../integrations/clock.js';
import type { Clients } from '../integrations/clients.js';

/** Tokens of one `/deckhand <subcommand> ...` after generic parsing against the kind's CommandSpec. */
export interface RawCommand {
  subcommand: string;
  positionals: string[];
  /** Flag values by name (without `--`). Repeatable flags hold arrays; boolean flags hold `true`. */
  flags: Record<string, string | boolean | string[]>;
}

export interface FlagSpec {
  name: string;
  /** 'bool' flags take no value. Values of other types are checked by the kind's parseArgs. */
  type: 'string' | 'bool';
  repeatable?: boolean;
  description: string;
}

export interface CommandSpec {
  subcommand: string;
  summary: string;
  /** e.g. '/deckhand rollout <auto-scaling-group> [--surge N] [--dry-run]' */
  usage: string;
  /** A correct, complete example shown with every usage error. */
  example: string;
  flags: FlagSpec[];
  /** Sub-subcommands such as `ptr-cleanup restore <job-id>` are handled by parseArgs from positionals. */
}

/** Outcome of the pure planner: a plan, or a refusal with a reason the user can act on. */
export type PlanOutcome<Plan> =
  | { kind: 'plan'; plan: Plan; empty: boolean; /** e.g. 'already up to date' when empty */ emptyReason?: string; /** extra approvals demanded by a policy (e.g. PTR max deletes) */ extraApprovals?: number; notes?: string[] }
  | { kind: 'refusal'; reason: string };

export interface RenderedPlan {
  /** One line: used as the notification text and in `/deckhand jobs`. */
  summary: string;
  /** Block Kit body of the plan message (the foundation adds header, buttons and footer). */
  blocks: KnownBlock[];
  /** Long lists go to files attached in the thread (e.g. CSV of records to delete). */
  files?: { filename: string; title: string; content: string }[];
}

export interface KindContext<Settings = unknown> {
  clients: Clients;
  clock: Clock;
  log: Logger;
  /** The kind's own settings (`commands.<kind>.settings`), parsed by its `settingsSchema` when the config loaded. */
  settings: Settings;
  /** For a kind's own durable records (such as PTR backups); every key must start with `redisPrefix`. */
  redis: RedisClient;
  redisPrefix: string;
  /** While observing for a plan: one line of progress for the person waiting (the bot shows some of them). */
  planning?: (progress: string) => void;
}

/** What a process gives its kinds: the bot and the workers each build one from their own connections. */
export interface KindContextSource {
  clients: Clients;
  clock: Clock;
  /** For the kinds' own records (see KindContext.redis). */
  redis: RedisClient;
  redisPrefix: string;
  /** A kind's settings (`commands.<kind>.settings`) as its `settingsSchema` parsed them when the config loaded. */
  settingsFor(kind: string): unknown;
}

/** The one place a KindContext is built, for observing, running steps and cleaning up alike. */
export function kindContext(source: KindContextSource, kind: string, log: Logger, planning?: (progress: string) => void): KindContext {
  const ctx: KindContext = { clients: source.clients, clock: source.clock, log, settings: source.settingsFor(kind), redis: source.redis, redisPrefix: source.redisPrefix };
  return planning ? { ...ctx, planning } : ctx;
}

/** Choices offered mid-run (drain timeout, canary continue, node not ready, restart pod...). */
export interface Question {
  /** Stable id within the run, so a resumed run re-attaches to the same pending question. */
  id: string;
  text: string;
  choices: { id: string; label: string; style?: 'primary' | 'danger'; /** only an approver of this kind may pick it */ needsApprover?: boolean }[];
}

export interface Progress {
  /** Fields of the live status card (coalesced: at most one chat.update every 3 s). */
  status(fields: Record<string, string>): void;
  /** A reply in the plan's thread (paced per channel). */
  milestone(text: string): Promise<void>;
  /** Attach a file to the plan's thread. */
  file(file: { filename: string; title: string; content: string }): Promise<void>;
}

export interface StepContext<Plan, State, Settings = unknown> extends KindContext<Settings> {
  planId: string;
  jobId: string;
  plan: Plan;
  /** Mutable run state; persisted in the job's checkpoint after every step and on `checkpoint()`. */
  state: State;
  progress: Progress;
  /** Persist `state` now (for long steps that make progress inside, e.g. batch k of n deleted). */
  checkpoint(): Promise<void>;
  /** True once Cancel was clicked; long steps should check it and return early. Between steps the runner checks it. */
  cancelRequested(): Promise<boolean>;
  /** Ask the thread a question with buttons and wait (virtual time) for an answer. Resumes after a crash. */
  ask(question: Question): Promise<string>;
  /** Append an infrastructure mutation to the audit stream and log it, before it is sent. */
  audit(action: string, details: Record<string, unknown>): Promise<void>;
  /** Aborted on cancel or worker shutdown; pass to clock.sleep in waits. */
  signal: AbortSignal;
}

/** What a cleanup did (one line per change) and what it could not do yet (one line per part, with the reason). */
export interface CleanupReport {
  done: string[];
  left: string[];
}

/** One independent part of a cleanup: `run` returns what it changed, or throws and the part is left for a retry. */
export interface CleanupPart {
  what: string;
  run(): Promise<string[]>;
}

/** Runs every part, whatever the others do: a failed AWS call never keeps the Kubernetes undo from happening. */
export async function cleanupParts(parts: CleanupPart[]): Promise<CleanupReport> {
  const report: CleanupReport = { done: [], left: [] };
  for (const part of parts) {
    try {
      report.done.push(...(await part.run()));
    } catch (err) {
      report.left.push(`${part.what} (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  return report;
}

export interface Step<Plan, State, Settings = unknown> {
  /** Unique, stable id (e.g. 'wave-2/drain/i-0abc'); completed ids are recorded in the checkpoint. */
  id: string;
  title: string;
  /** Must be idempotent: it may run again after a crash mid-step. */
  run(ctx: StepContext<Plan, State, Settings>): Promise<void>;
}

// The registry holds kinds of different type parameters; `any` defaults let it type `Map<string, JobKind>`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface JobKind<Args = any, Observed = any, Plan = any, State = any, Settings = any> {
  command: CommandSpec;
  /** Mutating kinds need approval; `--dry-run` (when the kind declares it) only shows the plan. */
  mutating: boolean;
  /**
   * zod schema of `commands.<kind>.settings` in the policy file, parsed once when the config loads (an absent
   * block parses as `{}`, so defaults apply); its output is what `KindContext.settings` and `plan()` receive.
   */
  settingsSchema: ZodType<Settings>;
  /** Typed arguments, or throw UsageError naming what is wrong (the example is added by the caller). */
  parseArgs(raw: RawCommand): Args;
  /** True when the request is plan-only (e.g. `--dry-run`): no buttons, no approval, anyone with run rights. */
  isDryRun(args: Args): boolean;
  /** Lock key and what the user sees as the target, e.g. 'asg/prod-workers' or 'pvc/data/redis-0'. */
  target(args: Args): string;
  /** Earlier jobs the request reads (e.g. `restore <job-id>`): only jobs of the requester's channel may be named. */
  referencedJobs?(args: Args): string[];
  /** Read-only observation of AWS / Kubernetes. */
  observe(ctx: KindContext<Settings>, args: Args): Promise<Observed>;
  /** Stable digest of what the plan depends on; approval refuses when it changed since planning. */
  fingerprint(observed: Observed): string;
  /**
   * A re-check at approval that replaces observing again and comparing `fingerprint`, for kinds whose full
   * observation is slow (a PTR scan of 100,000 records): reads only what can change cheaply and decisively
   * and answers why the plan no longer holds, or undefined when it does.
   */
  revalidate?(ctx: KindContext<Settings>, plan: Plan, args: Args, planId: string): Promise<string | undefined>;
  /** Pure: no I/O, no clock (use `now`), no randomness. */
  plan(observed: Observed, args: Args, now: number, settings: Settings): PlanOutcome<Plan>;
  renderPlan(plan: Plan): RenderedPlan;
  initialState(plan: Plan): State;
  /** Ordered steps; may depend on state (e.g. skipped nodes retried last) but ids must stay stable. */
  steps(plan: Plan, state: State): Step<Plan, State, Settings>[];
  /**
   * Idempotent restore (resume processes, restore autoscaler, remove tags). Runs at every terminal outcome and for
   * runs that died. Does every independent part even when another fails (`cleanupParts`) and reports what is done
   * and what is left; the runner retries what is left, durably, until nothing is left or an approver stops it.
   */
  cleanup?(ctx: KindContext<Settings> & { plan: Plan; state: State }): Promise<CleanupReport>;
  /** Final summary line(s) for the thread and the parent message. */
  summarize(plan: Plan, state: State, outcome: 'succeeded' | 'failed' | 'cancelled'): string;
}
