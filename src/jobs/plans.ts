/**
 * The plans service: what the Slack handlers ask of a plan, each as one call (docs/ARCHITECTURE.md
 * principles 1 and 3). The handlers parse the Slack payload, call one of these, and render the answer;
 * status changes go through PlanLifecycle, and who may do what is asked of the policy's authorizer.
 *
 * - create: parse the kind's arguments, observe (read-only), plan (pure), store.
 * - approve: authorize, check status and expiry, re-check the world (the kind's `revalidate`, or observe
 *   again and compare the fingerprint), record the approval, and once enough are in: take the per-target
 *   lock, mark approved, enqueue. The plan is read once; the lock taken here is the run's lock (the worker
 *   only confirms it).
 * - reject, expire, and the run controls (Cancel, Pause, Resume, answers to questions, and Retry cleanup /
 *   Stop retrying on a run whose cleanup is not finished: approvers only).
 */
import type { KnownBlock } from '@slack/types';
import type { CommandPolicy } from '../config.js';
import type { Clock } from '../integrations/clock.js';
import type { AuditLog } from '../integrations/redis/audit.js';
import { lockHolderDescription, RUN_LOCK_TTL_MS, type TargetLocks } from '../integrations/redis/locks.js';
import { newPlanId, type StoredPlan } from '../integrations/redis/plan-store.js';
import type { RunSignals } from '../integrations/redis/run-signals.js';
import type { Logger } from '../logger.js';
import { kindContext, type JobKind, type KindContext, type KindContextSource, type RawCommand, type RenderedPlan } from './kind.js';
import type { PlanLifecycle } from './plan-lifecycle.js';
import { cleanupJobId, enqueueRun, wakeRun, type RunQueue } from './queues.js';

/** The kind's rendered plan body is stored with the plan so the parent message can be re-rendered later. */
export type PlanWithRendered = StoredPlan & { rendered?: { blocks: KnownBlock[] } };

export const APPROVAL_WINDOW_CLOSED = 'The approval window closed before anyone approved.';

/** Who may approve what, from the policy (user groups are resolved behind it). */
export interface PlanAuthorizer {
  commandPolicy(subcommand: string): CommandPolicy;
  mayApprove(user: string, subcommand: string): Promise<boolean>;
}

export interface PlanServiceDeps {
  plans: PlanLifecycle;
  locks: TargetLocks;
  signals: RunSignals;
  audit: AuditLog;
  queue: RunQueue;
  kinds: ReadonlyMap<string, JobKind>;
  clock: Clock;
  authorizer: PlanAuthorizer;
  /** Observation at planning and approval time runs with these. */
  kindSource: KindContextSource;
  planExpiryMs: number;
}

/** What the person who asked is told, and (for the plan message) the plan when its status changed. */
export interface Decision {
  reply?: { text: string; emoji?: string };
  /** The plan message shows this plan, with `note` under its status. */
  changed?: { plan: PlanWithRendered; note?: string };
}

export type CreateResult =
  | { type: 'refused'; reason: string }
  | { type: 'empty'; target: string; reason: string }
  | { type: 'planned'; plan: PlanWithRendered; notes: string[]; files: NonNullable<RenderedPlan['files']> };

export interface CreateRequest {
  kind: JobKind;
  raw: RawCommand;
  user: string;
  channel: string;
  log: Logger;
  /** Progress lines while the kind observes (a PTR scan of 100,000 records takes minutes). */
  planning?: (progress: string) => void;
}

export type RunControl = 'cancel' | 'pause' | 'resume';
export type CleanupControl = 'retry' | 'stop';

/** Who clicked, and in which channel: a click acts only on plans of its own channel. */
export interface Actor {
  user: string;
  channel: string;
}

const PLAN_GONE = 'This plan no longer exists. Run the command again for a fresh plan.';
const NOT_HERE = 'There is no such plan in this channel.';
const ACTIVE: StoredPlan['status'][] = ['approved', 'running'];

export class PlanService {
  constructor(private readonly deps: PlanServiceDeps) {}

  /** Throws the kind's UsageError for bad arguments (the caller shows usage); stores only a real plan. */
  async create({ kind, raw, user, channel, log, planning }: CreateRequest): Promise<CreateResult> {
    const { deps } = this;
    const name = kind.command.subcommand;
    const args: unknown = kind.parseArgs(raw);
    for (const jobId of kind.referencedJobs?.(args) ?? []) {
      if ((await deps.plans.get(jobId))?.channel !== channel) {
        await deps.audit.append({ actor: user, action: 'plan.refused', target: jobId, details: { kind: name, reason: 'job of another channel', channel } });
        return { type: 'refused', reason: `there is no job \`${jobId}\` in this channel (\`/deckhand jobs\` lists them).` };
      }
    }
    const dryRun = !kind.mutating || kind.isDryRun(args);
    const target = kind.target(args);
    const ctx = kindContext(deps.kindSource, name, log.child({ kind: name, target }), planning);
    const observed = await kind.observe(ctx, args);
    const now = deps.clock.now();
    const outcome = kind.plan(observed, args, now, ctx.settings);
    if (outcome.kind === 'refusal') {
      // The kind sees only its own lock marks (a tag, a plan id); the lock says who and what.
      const busy = await deps.locks.holder(target);
      const reason = busy ? `${outcome.reason}. \`${target}\` is locked by ${busy}.` : outcome.reason;
      await deps.audit.append({ actor: user, action: 'plan.refused', target, details: { kind: name, reason } });
      return { type: 'refused', reason };
    }
    if (outcome.empty) return { type: 'empty', target, reason: outcome.emptyReason ?? 'already up to date' };
    const rendered = kind.renderPlan(outcome.plan);
    const plan: PlanWithRendered & { status: 'planned' } = {
      id: newPlanId(),
      kind: name,
      target,
      args,
      plan: outcome.plan,
      fingerprint: kind.fingerprint(observed),
      summary: rendered.summary,
      dryRun,
      requestedBy: user,
      channel,
      status: 'planned',
      createdAt: now,
      expiresAt: now + deps.planExpiryMs,
      requiredApprovals: deps.authorizer.commandPolicy(name).approvals + (outcome.extraApprovals ?? 0),
      approvals: [],
      rendered: { blocks: rendered.blocks },
    };
    await deps.plans.create(plan);
    await deps.audit.append({ actor: user, action: dryRun ? 'plan.dry-run' : 'plan.created', target, planId: plan.id, details: { kind: name, summary: rendered.summary } });
    return { type: 'planned', plan, notes: outcome.notes ?? [], files: rendered.files ?? [] };
  }

  /** The step a running job is in: the first of its kind's steps its checkpoint does not record as done. */
  async currentStep(plan: StoredPlan): Promise<{ index: number; total: number; title: string } | undefined> {
    const kind = this.deps.kinds.get(plan.kind);
    if (plan.status !== 'running' || !kind) return undefined;
    const checkpoint = (await this.deps.queue.getJob(plan.id))?.data.checkpoint;
    const steps = kind.steps(plan.plan, checkpoint?.state ?? kind.initialState(plan.plan));
    const index = steps.findIndex((s) => !(checkpoint?.done ?? []).includes(s.id));
    return index < 0 ? undefined : { index: index + 1, total: steps.length, title: steps[index]!.title };
  }

  /** The plan message was posted: its timestamp is where the run reports. */
  async recordMessage(planId: string, messageTs: string): Promise<void> {
    await this.deps.plans.attach(planId, { messageTs });
  }

  async approve(planId: string, actor: Actor, log: Logger): Promise<Decision> {
    const { deps } = this;
    const { user } = actor;
    const plan = (await this.planIn(planId, actor, 'approve')) as PlanWithRendered | undefined | null;
    if (plan === null) return reply(NOT_HERE);
    if (!plan) return reply(PLAN_GONE);
    const planLog = log.child({ planId: plan.id, kind: plan.kind, target: plan.target });
    const refuse = async (reason: string, changed?: Decision['changed']): Promise<Decision> => {
      await deps.audit.append({ actor: user, action: 'approve.refused', target: plan.target, planId: plan.id, details: { reason } });
      planLog.info({ reason }, 'approval refused');
      return { reply: { text: reason }, ...(changed ? { changed } : {}) };
    };

    if (plan.dryRun) return refuse('This is a dry run: there is nothing to approve. Run the command without `--dry-run`.');
    if (plan.status !== 'planned') return refuse(notPlannedReason(plan));
    if (deps.clock.now() > plan.expiresAt) {
      return refuse('This plan has expired. Run the command again for a fresh plan.', await this.expire(plan, APPROVAL_WINDOW_CLOSED));
    }
    const kind = deps.kinds.get(plan.kind);
    if (!kind) return refuse(`deckhand no longer knows \`${plan.kind}\` plans.`);
    const policy = deps.authorizer.commandPolicy(plan.kind);
    if (policy.approve.length === 0) {
      return refuse(`Nobody may approve \`${plan.kind}\` plans yet: add approvers under \`commands.${plan.kind}.approve\` in the policy file.`);
    }
    if (!(await deps.authorizer.mayApprove(user, plan.kind))) {
      return refuse(`You may not approve \`${plan.kind}\` plans. Approvers: ${policy.approve.map((p) => (p.startsWith('@') ? p : `<@${p}>`)).join(', ')}.`);
    }
    if (user === plan.requestedBy && !policy.selfApprove) return refuse('You requested this plan, so someone else must approve it.');
    if (plan.approvals.some((a) => a.user === user)) {
      const missing = plan.requiredApprovals - plan.approvals.length;
      return reply(`You already approved this plan; it needs ${missing} more approval${missing === 1 ? '' : 's'} from someone else.`, ':information_source:');
    }

    // A run holds the target: say who and what, and keep this plan (it changed because of that run, it did not expire).
    const busy = await deps.locks.holder(plan.target);
    if (busy !== undefined && busy !== lockHolderDescription(plan)) return refuse(busyReason(plan.target, busy));

    // Freshness: the plan is only valid for the state it was computed from.
    const why = await changedSincePlan(kind, kindContext(deps.kindSource, plan.kind, planLog), plan);
    if (why !== undefined) {
      const what = `\`${plan.target}\` changed since this plan was made${why ? ` (${why})` : ''}`;
      const changed = await this.expire(plan, `${what}.`);
      return refuse(`${what}, so it was not applied. Run the command again for a fresh plan.`, changed);
    }

    const recorded = (await deps.plans.recordApproval(plan.id, user)).plan as PlanWithRendered | undefined;
    if (!recorded) return refuse(PLAN_GONE);
    if (recorded.status !== 'planned') return refuse(notPlannedReason(recorded));
    await deps.audit.append({ actor: user, action: 'plan.approval', target: plan.target, planId: plan.id, details: { have: recorded.approvals.length, need: recorded.requiredApprovals } });
    if (recorded.approvals.length < recorded.requiredApprovals) {
      const missing = recorded.requiredApprovals - recorded.approvals.length;
      return { reply: { text: `Approval recorded. ${missing} more approval${missing > 1 ? 's' : ''} needed before it runs.`, emoji: ':ballot_box_with_check:' }, changed: { plan: recorded } };
    }

    // The lock token is the plan id, so a concurrent click on the same plan re-enters instead of failing.
    const lock = await deps.locks.acquire(plan.target, { token: plan.id, description: lockHolderDescription(plan) }, RUN_LOCK_TTL_MS);
    if (!lock.ok) return refuse(busyReason(plan.target, lock.heldBy));
    const approved = await deps.plans.approve(plan.id, user);
    if (!approved.changed) {
      const current = approved.plan;
      // Another click on this plan won the race and owns the lock; anything else must not keep it.
      if (!current || !ACTIVE.includes(current.status)) await deps.locks.release(plan.target, plan.id);
      return reply(current ? notPlannedReason(current) : 'This plan no longer exists.');
    }
    const { jobId, created } = await enqueueRun(deps.queue, approved.plan);
    await deps.audit.append({ actor: user, action: 'plan.approved', target: plan.target, planId: plan.id, jobId, details: { created } });
    planLog.info({ jobId }, 'plan approved and enqueued');
    return { changed: { plan: approved.plan as PlanWithRendered } };
  }

  async reject(planId: string, actor: Actor, log: Logger): Promise<Decision> {
    const { deps } = this;
    const { user } = actor;
    const plan = await this.planIn(planId, actor, 'reject');
    if (plan === null) return reply(NOT_HERE);
    if (!plan) return reply('This plan no longer exists.');
    if (plan.status !== 'planned') return reply(notPlannedReason(plan));
    if (user !== plan.requestedBy && !(await deps.authorizer.mayApprove(user, plan.kind))) {
      await deps.audit.append({ actor: user, action: 'reject.refused', target: plan.target, planId: plan.id });
      return reply('Only the requester or an approver may reject this plan.');
    }
    const rejected = await deps.plans.reject(plan.id, user);
    if (!rejected.changed) return reply('This plan was decided a moment ago; nothing changed.');
    await deps.audit.append({ actor: user, action: 'plan.rejected', target: plan.target, planId: plan.id });
    log.info({ planId: plan.id }, 'plan rejected');
    return { changed: { plan: rejected.plan as PlanWithRendered } };
  }

  /** Expires every undecided plan whose approval window closed; answers the plan messages to update. */
  async expireStale(): Promise<NonNullable<Decision['changed']>[]> {
    const expired = [];
    const now = this.deps.clock.now();
    for (const plan of await this.deps.plans.listByStatus('planned')) {
      if (plan.expiresAt > now) continue;
      const changed = await this.expire(plan, plan.dryRun ? undefined : APPROVAL_WINDOW_CLOSED);
      // Dry runs never had buttons: their message stays as it is.
      if (changed && !plan.dryRun) expired.push(changed);
    }
    return expired;
  }

  /** Cancel, Pause, Resume: flags the worker reads between steps. Only the requester or an approver. */
  async control(planId: string, actor: Actor, verb: RunControl, log: Logger): Promise<Decision> {
    const { deps } = this;
    const { user } = actor;
    const active = await this.activePlan(planId, actor, verb);
    if ('refused' in active) return active.refused;
    const { plan } = active;
    await deps.audit.append({ actor: user, action: `run.${verb}`, target: plan.target, planId: plan.id, jobId: plan.id });
    if (verb === 'cancel') {
      await deps.signals.requestCancel(plan.id, user);
      await wakeRun(deps.queue, plan.id);
      log.info({ planId: plan.id }, 'cancel requested');
      return reply('Cancel requested: the job stops at the next step boundary, then cleans up and reports what was done.', ':black_square_for_stop:');
    }
    const paused = verb === 'pause';
    await deps.signals.setPaused(plan.id, paused, user);
    if (!paused) await wakeRun(deps.queue, plan.id);
    log.info({ planId: plan.id, paused }, `${verb} requested`);
    return paused ? reply('Paused: the job waits after the current step until someone clicks Resume.', ':double_vertical_bar:') : reply('Resumed.', ':arrow_forward:');
  }

  /**
   * Retry cleanup (now, instead of at the next backoff) or Stop retrying (the cleanup job reports what is left to
   * do by hand and releases the target) on a run whose cleanup is not finished. Approvers only: the requester's
   * own run included, because stopping leaves the target half restored.
   */
  async cleanupControl(planId: string, actor: Actor, verb: CleanupControl, log: Logger): Promise<Decision> {
    const { deps } = this;
    const { user } = actor;
    const plan = await deps.plans.get(planId);
    if (!plan) return reply('This job no longer exists.');
    if (plan.channel !== actor.channel) return reply(NOT_HERE);
    if (!(await deps.authorizer.mayApprove(user, plan.kind))) {
      await deps.audit.append({ actor: user, action: `cleanup.${verb}.refused`, target: plan.target, planId: plan.id });
      return reply(`Only an approver of ${plan.kind} may ${verb === 'retry' ? 'retry' : 'stop'} this cleanup.`);
    }
    const job = await deps.queue.getJob(cleanupJobId(plan.id));
    const state = job ? await job.getState() : 'unknown';
    if (!job || (state !== 'delayed' && state !== 'active' && state !== 'waiting')) return reply('This cleanup is already over.', ':information_source:');
    await deps.audit.append({ actor: user, action: `cleanup.${verb}`, target: plan.target, planId: plan.id });
    if (verb === 'stop') await deps.signals.stopCleanup(plan.id, user);
    // Either way the cleanup job runs now: a retry tries again, a stop reports what is left and ends.
    if (state === 'delayed') await job.promote();
    log.info({ planId: plan.id, verb, state }, `cleanup ${verb} requested`);
    if (verb === 'stop') return reply('Stopping the cleanup retries: the thread will list what is left to do by hand.', ':black_square_for_stop:');
    return reply(state === 'delayed' ? 'Retrying the cleanup now.' : 'A cleanup attempt is already running.', ':repeat:');
  }

  /**
   * Records the answer to a question a running job asked. The question as the worker recorded it says which
   * choices exist and which only an approver may pick (Force, Restart...): those follow the approval rules,
   * so a requester picks them on their own run only where the policy lets them approve it.
   */
  async answer(planId: string, actor: Actor, answer: { questionId: string; choice: string }, log: Logger): Promise<Decision> {
    const { deps } = this;
    const { user } = actor;
    const active = await this.activePlan(planId, actor, 'answer');
    if ('refused' in active) return active.refused;
    const { plan } = active;
    const details = { questionId: answer.questionId, choice: answer.choice };
    const refuse = async (reason: string): Promise<Decision> => {
      await deps.audit.append({ actor: user, action: 'answer.refused', target: plan.target, planId: plan.id, details: { ...details, reason } });
      return reply(reason);
    };
    const question = await deps.signals.question(plan.id, answer.questionId);
    const choice = question?.choices.find((c) => c.id === answer.choice);
    if (!choice) return refuse('This job is not asking that question, or that is not one of its choices.');
    if (choice.needsApprover) {
      if (!(await deps.authorizer.mayApprove(user, plan.kind))) return refuse('Only an approver of this job may pick that choice.');
      if (user === plan.requestedBy && !deps.authorizer.commandPolicy(plan.kind).selfApprove) {
        return refuse('You requested this job, so another approver must pick that choice.');
      }
    }
    if (!(await deps.signals.answer(plan.id, answer.questionId, answer.choice, user))) return reply('This question was already answered.', ':information_source:');
    await deps.audit.append({ actor: user, action: 'run.answer', target: plan.target, planId: plan.id, jobId: plan.id, details });
    await wakeRun(deps.queue, plan.id);
    log.info({ planId: plan.id, ...details }, 'question answered');
    return {};
  }

  /** planned → expired and audited; undefined when the plan was decided meanwhile (exactly one caller reports). */
  private async expire(plan: StoredPlan, reason: string | undefined): Promise<Decision['changed']> {
    const expired = await this.deps.plans.expire(plan.id, reason);
    if (!expired.changed) return undefined;
    await this.deps.audit.append({ actor: 'deckhand', action: 'plan.expired', target: plan.target, planId: plan.id, details: { reason: reason ?? 'approval window closed' } });
    return { plan: expired.plan as PlanWithRendered, ...(reason ? { note: reason } : {}) };
  }

  /**
   * The plan a click names, if it belongs to the channel clicked in; null (and audited) when it belongs to
   * another: a plan id carried by a button, forged or copied, never reaches across channels.
   */
  private async planIn(planId: string, { user, channel }: Actor, verb: string): Promise<StoredPlan | undefined | null> {
    const plan = await this.deps.plans.get(planId);
    if (!plan || plan.channel === channel) return plan;
    await this.deps.audit.append({ actor: user, action: `${verb}.refused`, target: plan.target, planId: plan.id, details: { reason: 'plan of another channel', channel } });
    return null;
  }

  /** The approved or running plan a run control acts on, or the reply that refuses it. */
  private async activePlan(planId: string, actor: Actor, verb: RunControl | 'answer'): Promise<{ plan: StoredPlan } | { refused: Decision }> {
    const { user } = actor;
    const plan = await this.planIn(planId, actor, verb);
    if (plan === null) return { refused: reply('There is no such job in this channel.') };
    if (!plan) return { refused: reply('This job no longer exists.') };
    if (!ACTIVE.includes(plan.status)) return { refused: reply(`This job is already ${plan.status}; there is nothing to ${verb}.`, ':information_source:') };
    if (user !== plan.requestedBy && !(await this.deps.authorizer.mayApprove(user, plan.kind))) {
      await this.deps.audit.append({ actor: user, action: `${verb}.refused`, target: plan.target, planId: plan.id });
      return { refused: reply(`Only the requester (<@${plan.requestedBy}>) or an approver may ${verb} this job.`) };
    }
    return { plan };
  }
}

/** Why the plan no longer holds ('' when only the fingerprint says so), or undefined while it does. */
async function changedSincePlan(kind: JobKind, ctx: KindContext, plan: StoredPlan): Promise<string | undefined> {
  if (kind.revalidate) return kind.revalidate(ctx, plan.plan, plan.args, plan.id);
  const fresh = await kind.observe(ctx, plan.args);
  return kind.fingerprint(fresh) === plan.fingerprint ? undefined : '';
}

function busyReason(target: string, heldBy: string): string {
  return `\`${target}\` is busy: it is locked by ${heldBy}. Try again when that run has finished.`;
}

function reply(text: string, emoji?: string): Decision {
  return { reply: emoji ? { text, emoji } : { text } };
}

function notPlannedReason(plan: StoredPlan): string {
  switch (plan.status) {
    case 'rejected':
      return `This plan was rejected${plan.decidedBy ? ` by <@${plan.decidedBy}>` : ''}.`;
    case 'expired':
      return 'This plan has expired. Run the command again for a fresh plan.';
    default:
      return `This plan is already ${plan.status}; nothing more to approve.`;
  }
}
