/**
 * PTR cleanup test helpers: the sandbox with the REAL SDK clients pointed at it, and a
 * small step runner (checkpoint after every step and on `ctx.checkpoint()`, progress recorder) that
 * can be "killed" mid-run and resumed from the last checkpoint, like the BullMQ runner.
 */
import type { JobKind, KindContext, StepContext } from '../../../../src/jobs/kind.js';
import { ptrCleanupKind } from '../../../../src/jobs/ptr-cleanup/index.js';
import type { PtrArgs, PtrObserved, PtrPlan, PtrState } from '../../../../src/jobs/ptr-cleanup/model.js';
import type { StartedCloud } from '../../../../src/sandbox/cloud/index.js';
import type { MutationLog } from '../../../../src/sandbox/contracts.js';
import type { SandboxOptions } from '../../../../src/sandbox/index.js';
import { startTestSandbox, type TestSandbox } from '../../../helpers/sandbox.js';

export type PtrKind = JobKind<PtrArgs, PtrObserved, PtrPlan, PtrState>;

export type PtrSandbox = TestSandbox & { kind: PtrKind };

/** Virtual time at 1000× real by default: 200 ms of pacing is 0.2 ms, Route 53's 30 s to INSYNC is 30 ms. */
export async function startPtrSandbox(opts: SandboxOptions = {}): Promise<PtrSandbox> {
  const sandbox = await startTestSandbox({ speed: 1000, clockTickMs: 5, seed: 3, maxAttempts: 8, ...opts });
  return { ...sandbox, kind: ptrCleanupKind };
}

export interface RunRecord {
  state: PtrState;
  done: string[];
  milestones: string[];
  files: { filename: string; content: string }[];
  statuses: Record<string, string>[];
  audits: { action: string; details: Record<string, unknown> }[];
}

/** What survives a crash: the last checkpoint, as JSON (as BullMQ's job data stores it). */
export interface Checkpoint {
  done: string[];
  state: PtrState;
}

export class Crash extends Error {
  override name = 'Crash';
}

/**
 * Runs the plan's steps like the worker does, from `checkpoint` when given. On a throw (a simulated
 * crash) it returns the last checkpoint instead of the record, so the test can resume from it.
 */
export async function runSteps(
  kind: PtrKind,
  plan: PtrPlan,
  base: KindContext,
  opts: { jobId: string; checkpoint?: Checkpoint; cancelAfterSteps?: number },
): Promise<{ finished: true; record: RunRecord } | { finished: false; error: unknown; checkpoint: Checkpoint; record: RunRecord }> {
  let saved: Checkpoint = opts.checkpoint ? structuredClone(opts.checkpoint) : { done: [], state: kind.initialState(plan) };
  const state: PtrState = structuredClone(saved.state);
  const done = [...saved.done];
  const record: RunRecord = { state, done, milestones: [], files: [], statuses: [], audits: [] };
  const persist = () => {
    saved = { done: [...done], state: structuredClone(state) };
  };
  const controller = new AbortController();
  const ctx: StepContext<PtrPlan, PtrState> = {
    ...base,
    planId: opts.jobId,
    jobId: opts.jobId,
    plan,
    state,
    progress: {
      status: (fields) => void record.statuses.push(fields),
      milestone: async (text) => void record.milestones.push(text),
      file: async (file) => void record.files.push(file),
    },
    checkpoint: async () => persist(),
    cancelRequested: async () => opts.cancelAfterSteps !== undefined && done.length >= opts.cancelAfterSteps,
    ask: () => Promise.reject(new Error('no questions in a PTR cleanup')),
    audit: async (action, details) => void record.audits.push({ action, details }),
    signal: controller.signal,
  };
  try {
    for (const step of kind.steps(plan, state)) {
      if (done.includes(step.id)) continue;
      if (await ctx.cancelRequested()) break;
      await step.run(ctx);
      done.push(step.id);
      persist();
    }
    return { finished: true, record };
  } catch (error) {
    return { finished: false, error, checkpoint: saved, record };
  }
}

/** PTR record sets of a zone as the sandbox holds them, for exact before/after comparisons. */
export function zonePtrs(cloud: StartedCloud, zoneId: string): string[] {
  const zone = cloud.model.route53.zones.get(zoneId)!;
  return zone.records.filter((r) => r.type === 'PTR').map((r) => `${r.name} ${r.ttl} ${r.setIdentifier ?? '-'} ${[...r.values].sort().join(' ')}`);
}

export function deletesIn(log: MutationLog): string[] {
  return log
    .find({ service: 'route53', action: 'ChangeResourceRecordSets' })
    .flatMap((e) => (e.details.changes as { action: string; name: string }[]).filter((c) => c.action === 'DELETE').map((c) => `${e.target} ${c.name}`));
}
