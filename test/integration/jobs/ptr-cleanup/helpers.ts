/**
 * PTR cleanup test helpers: the simulated AWS account with the REAL SDK clients pointed at it, and a
 * small step runner (checkpoint after every step and on `ctx.checkpoint()`, progress recorder) that
 * can be "killed" mid-run and resumed from the last checkpoint, like the BullMQ runner.
 */
import { join } from 'node:path';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { PricingClient } from '@aws-sdk/client-pricing';
import { Route53Client } from '@aws-sdk/client-route-53';
import { KubeConfig } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import type { Clients } from '../../../../src/integrations/clients.js';
import type { JobKind, KindContext, StepContext } from '../../../../src/jobs/kind.js';
import { ptrCleanupKind } from '../../../../src/jobs/ptr-cleanup/index.js';
import type { PtrArgs, PtrObserved, PtrPlan, PtrState } from '../../../../src/jobs/ptr-cleanup/model.js';
import { createLogger } from '../../../../src/logger.js';
import { VirtualClock } from '../../../../src/sandbox/clock.js';
import { loadAwsScenario, startCloud, type AwsScenario, type StartedCloud } from '../../../../src/sandbox/cloud/index.js';
import { emptyFaults, MutationLog, type Faults } from '../../../../src/sandbox/contracts.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from '../../../helpers/redis-prefix.js';

export const SCENARIOS = join(process.cwd(), 'src/sandbox/scenarios');

export type PtrKind = JobKind<PtrArgs, PtrObserved, PtrPlan, PtrState>;

export interface PtrSandbox {
  cloud: StartedCloud;
  clients: Clients;
  clock: VirtualClock;
  faults: Faults;
  log: MutationLog;
  kind: PtrKind;
  redis: Redis;
  ctx(settings?: unknown): KindContext;
  stop(): Promise<void>;
}

export function sdkClients(cloud: StartedCloud, route53?: Route53Client): Clients {
  const common = { region: cloud.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 8 };
  return {
    autoScaling: new AutoScalingClient({ ...common, endpoint: cloud.endpoints.autoScaling }),
    ec2: new EC2Client({ ...common, endpoint: cloud.endpoints.ec2 }),
    route53: route53 ?? new Route53Client({ ...common, endpoint: cloud.endpoints.route53 }),
    pricing: new PricingClient({ ...common, endpoint: cloud.endpoints.pricing }),
    kube: new KubeConfig(),
  };
}

/** Virtual time at 1000× real by default: 200 ms of pacing is 0.2 ms, Route 53's 30 s to INSYNC is 30 ms. */
export async function startPtrSandbox(opts: { scenario?: AwsScenario; prepare?: (cloud: StartedCloud) => void; speed?: number } = {}): Promise<PtrSandbox> {
  const clock = new VirtualClock(Date.parse('2026-01-05T09:00:00Z'), opts.speed ?? 1000, 5);
  const faults = emptyFaults();
  const log = new MutationLog();
  const cloud = await startCloud({ clock, faults, log, scenario: opts.scenario ?? loadAwsScenario(join(SCENARIOS, 'default')), seed: 3 });
  opts.prepare?.(cloud);
  const clients = sdkClients(cloud);
  const redis = new Redis(REDIS_URL);
  const prefix = uniquePrefix('ptr');
  const kind = ptrCleanupKind;
  const logger = createLogger('silent');
  return {
    cloud,
    clients,
    clock,
    faults,
    log,
    kind,
    redis,
    ctx: (settings) => ({ clients, clock, log: logger, settings, redis, redisPrefix: prefix }),
    async stop() {
      await deleteKeys(redis, prefix);
      redis.disconnect();
      clients.route53.destroy();
      clients.ec2.destroy();
      await cloud.stop();
      clock.stop();
    },
  };
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
