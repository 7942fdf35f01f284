/**
 * `npm run bench -- rollout`: a 50-node rolling upgrade on the sandbox (3 AZs, boot 40 s + kubelet 15 s,
 * pod grace 30 s, 8 Deployments x 25 replicas with PDB maxUnavailable 1 each), with the default surge,
 * then the same rollout one node at a time (surge 1: launch one, drain one, like eks-rolling-update's
 * serial drains) for comparison.
 *
 * Lower bound (sandbox/src/scenarios/bench-50/scenario.ts lowerBoundSeconds):
 *   LB = (boot + kubelet Ready) + (replicas - 1) x (container start + pod startup) + grace + terminate
 *      = 40 + 15 + 24 x 11 + 30 + 10 = 359 s
 * No pod can move before a replacement node is Ready; each workload's PDB then lets one pod go per
 * replacement-Ready interval, and every workload has all 25 pods on old nodes; the last evicted pod still
 * terminates (grace) and its instance still has to go. Target: total / LB <= 1.10 with the default surge.
 */
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { StepContext } from '../src/jobs/kind.js';
import { rolloutKind } from '../src/jobs/rollout/index.js';
import type { RolloutSettings } from '../src/jobs/rollout/settings.js';
import { observeRollout } from '../src/jobs/rollout/observe.js';
import { planRollout } from '../src/jobs/rollout/plan.js';
import { formatDuration } from '../src/time.js';
import type { RolloutArgs, RolloutPlan, RolloutState } from '../src/jobs/rollout/types.js';
import { startSandbox, type Sandbox } from '../sandbox/src/index.js';
import { BENCH_50, BENCH_GROUP, benchScenario, lowerBoundSeconds } from '../sandbox/src/scenarios/bench-50/scenario.js';

export interface RolloutRun {
  plan: RolloutPlan;
  /** Virtual seconds from the first step to the last (what the plan's estimate predicts). */
  seconds: number;
  predicted: number;
  waves: number;
  surge: number;
  terminations: number;
  evictions: number;
  realMs: number;
}

/**
 * Plans `args` as the bot would (its identity) and runs every step as the worker, then cleans up, on a running
 * sandbox. `speed`: the clock's at-most factor while the world is quiet (sandbox/src/clock.ts).
 */
export async function runRollout(sandbox: Sandbox, args: RolloutArgs, speed: number): Promise<RolloutRun> {
  const { clock, log } = sandbox;
  // Like the product: the bot observes with its identity, the worker runs the steps with its own.
  const bot = sandbox.clients('bot', { maxAttempts: 5 });
  const clients = sandbox.clients('worker', { maxAttempts: 5 });
  // The rollout keeps no records of its own: the context's connection is never opened.
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
  const base = { clients, clock, log: pino({ level: 'silent' }), settings: rolloutKind.settingsSchema.parse({}), redis, redisPrefix: `dh-bench-rollout-${process.pid}` };
  const before = { terminations: log.find({ action: 'TerminateInstanceInAutoScalingGroup' }).length, evictions: log.entries.filter((e) => e.action === 'evict-pod' && e.details.allowed).length };
  try {
    clock.setSpeed(0);
    const outcome = planRollout(await observeRollout(bot, args), args, clock.now(), base.settings);
    if (outcome.kind !== 'plan') throw new Error(outcome.reason);
    const plan = outcome.plan;
    clock.setSpeed(speed);
    const realStart = Date.now();
    const start = clock.now();
    const state = rolloutKind.initialState(plan);
    const ctx: StepContext<RolloutPlan, RolloutState, RolloutSettings> = {
      ...base,
      planId: 'bench',
      jobId: 'bench',
      plan,
      state,
      signal: new AbortController().signal,
      progress: { status: () => undefined, milestone: async () => undefined, file: async () => undefined },
      checkpoint: async () => undefined,
      cancelRequested: async () => false,
      ask: async (q) => {
        throw new Error(`unexpected question: ${q.text}`);
      },
      audit: async () => undefined,
    };
    for (const step of rolloutKind.steps(plan, state)) await step.run(ctx);
    const seconds = (clock.now() - start) / 1000;
    await rolloutKind.cleanup!({ ...base, plan, state });
    clock.setSpeed(0);
    const dirty = log.entries.filter((e) => e.action === 'node-terminating' && (e.details.pods as string[]).length > 0);
    if (dirty.length) throw new Error(`terminated nodes that still ran pods: ${dirty.map((e) => e.target).join(', ')}`);
    return {
      plan,
      seconds,
      predicted: plan.estimate.totalSeconds,
      waves: plan.waves.length,
      surge: plan.surge,
      terminations: log.find({ action: 'TerminateInstanceInAutoScalingGroup' }).length - before.terminations,
      evictions: log.entries.filter((e) => e.action === 'evict-pod' && e.details.allowed).length - before.evictions,
      realMs: Date.now() - realStart,
    };
  } finally {
    redis.disconnect();
    for (const client of [bot, clients].flatMap((c) => [c.autoScaling, c.ec2, c.route53, c.pricing])) client.destroy();
  }
}

async function rolloutOnce(surge: number | undefined, speed: number): Promise<RolloutRun> {
  const sandbox = await startSandbox({ scenario: benchScenario(BENCH_50) });
  try {
    return await runRollout(sandbox, { group: BENCH_GROUP, canary: false, dryRun: false, surge }, speed);
  } finally {
    await sandbox.stop();
  }
}

function line(label: string, r: RolloutRun, bound: number): string {
  return `${label.padEnd(26)} surge ${String(r.surge).padStart(2)}, ${String(r.waves).padStart(2)} wave(s): ${formatDuration(r.seconds * 1000).padStart(8)} virtual (${r.seconds.toFixed(0)} s; planner predicted ${r.predicted} s), ratio to lower bound ${(r.seconds / bound).toFixed(2)}; ${r.terminations} terminations, ${r.evictions} evictions, ${(r.realMs / 1000).toFixed(1)} s real`;
}

export async function run(): Promise<void> {
  const bound = lowerBoundSeconds(BENCH_50);
  console.log(`50 nodes in 3 AZs, boot 40 s + kubelet 15 s, grace 30 s, ${BENCH_50.workloads} Deployments x ${BENCH_50.replicas} replicas, PDB maxUnavailable 1 each`);
  console.log(`lower bound: ${bound} s (${formatDuration(bound * 1000)}) = 55 s node Ready + 24 x 11 s PDB-paced pod moves + 30 s grace + 10 s terminate`);
  const fast = await rolloutOnce(undefined, Number(process.env.BENCH_SPEED ?? 10));
  console.log(line('default surge', fast, bound));
  console.log(`target ratio <= 1.10: ${fast.seconds / bound <= 1.1 ? 'met' : 'NOT met'}`);
  const serial = await rolloutOnce(1, Number(process.env.BENCH_SERIAL_SPEED ?? 200));
  console.log(line('one node at a time', serial, bound));
  console.log(`speed-up of the default over one node at a time: ${(serial.seconds / fast.seconds).toFixed(1)}x`);
}
