/**
 * `npm run bench -- ptr-cleanup`: 100,000 PTR records in 11 private reverse zones, 50,000 of them
 * stale, Route 53 limited to 5 requests/s (real time, like the account limit). Runs observe → plan →
 * apply (every step, as the worker would, without Slack) and prints:
 * - Route 53 calls made vs the minimum possible (list pages + change batches), plus the calls the
 *   design adds on top (zone discovery, VPCs of each zone, one GetChange per zone at the end);
 * - wall time vs the rate-limit lower bound (minimum calls / 5 per second);
 * - peak RSS and heap of this process, which plays the worker.
 * Targets: calls within 2% of the minimum, time within 10% of the bound, memory under 256 MB.
 *
 * The simulated account runs in a child process (this same file, PTR_BENCH_ROLE=sandbox), so the
 * memory measured is the worker's and the two sides do not share one event loop. Its clock runs 60×
 * real time only so Route 53's 30 s until INSYNC (propagation, not request rate) takes 0.5 s.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { PricingClient } from '@aws-sdk/client-pricing';
import { Route53Client } from '@aws-sdk/client-route-53';
import { KubeConfig } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import type { Clients } from '../src/integrations/clients.js';
import { systemClock } from '../src/integrations/clock.js';
import type { KindContext, StepContext } from '../src/jobs/kind.js';
import { MAX_VALUE_CHARS_PER_CHANGE, MAX_VALUES_PER_CHANGE } from '../src/jobs/ptr-cleanup/batches.js';
import { RedisRecordBackups } from '../src/jobs/ptr-cleanup/backups.js';
import { createPtrCleanupKind } from '../src/jobs/ptr-cleanup/index.js';
import type { PtrArgs, PtrPlan, PtrState } from '../src/jobs/ptr-cleanup/model.js';
import { createLogger } from '../src/logger.js';

const ZONES = 11;
const RECORDS = 100_000;
const STALE_SHARE = 0.5;
const RATE = 5;
const PAGE = 300;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Ready {
  type: 'ready';
  endpoints: { autoScaling: string; ec2: string; route53: string; pricing: string };
  region: string;
  /** Record sets per generated zone (PTR + SOA + NS), i.e. what listing must page through. */
  zoneSizes: Record<string, number>;
  interfaces: number;
}

interface Stats {
  type: 'stats';
  ptrLeft: number;
  deletes: number;
  distinctDeletes: number;
}

// ---------- the simulated account (child process) ----------

async function sandboxMain(): Promise<void> {
  const { VirtualClock } = await import('../src/sandbox/clock.js');
  const { generatePtrZones, loadAwsScenario, startCloud } = await import('../src/sandbox/cloud/index.js');
  const { emptyFaults, MutationLog } = await import('../src/sandbox/contracts.js');
  const clock = new VirtualClock(Date.parse('2026-01-05T09:00:00Z'), 60);
  const scenario = loadAwsScenario(join(process.cwd(), 'src/sandbox/scenarios/minimal'));
  scenario.hostedZones = [];
  const log = new MutationLog();
  const cloud = await startCloud({ clock, faults: emptyFaults(), log, scenario, route53RequestsPerSecond: RATE });
  const zones = generatePtrZones(cloud.model, { zones: ZONES, records: RECORDS, staleShare: STALE_SHARE, seed: 1 });
  const ready: Ready = {
    type: 'ready',
    endpoints: cloud.endpoints,
    region: cloud.region,
    zoneSizes: Object.fromEntries(zones.map((zone) => [zone.id, zone.records.length])),
    interfaces: cloud.model.ec2.networkInterfaces.size,
  };
  process.send!(ready);
  process.on('message', (message: { type: string }) => {
    if (message.type === 'stats') {
      const deletes = log
        .find({ service: 'route53', action: 'ChangeResourceRecordSets' })
        .flatMap((entry) => (entry.details.changes as { action: string; name: string }[]).filter((c) => c.action === 'DELETE').map((c) => `${entry.target} ${c.name}`));
      const ptrLeft = zones.reduce((sum, zone) => sum + zone.records.filter((r) => r.type === 'PTR').length, 0);
      const stats: Stats = { type: 'stats', ptrLeft, deletes: deletes.length, distinctDeletes: new Set(deletes).size };
      process.send!(stats);
    }
    if (message.type === 'stop') {
      void cloud.stop().then(() => {
        clock.stop();
        process.exit(0);
      });
    }
  });
}

// ---------- the worker (this process) ----------

function nextMessage<T extends { type: string }>(child: ChildProcess, type: T['type']): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: T) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message);
    };
    const onExit = (code: number | null) => reject(new Error(`sandbox process exited (${code}) before '${type}'`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Counts Route 53 calls by operation (what we asked) and HTTP attempts (what the SDK sent, retries included). */
function countingRoute53(endpoint: string, region: string) {
  const client = new Route53Client({ region, endpoint, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' }, maxAttempts: 8 });
  const calls: Record<string, number> = {};
  let attempts = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      calls[context.commandName!] = (calls[context.commandName!] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'benchCallCounter' },
  );
  client.middlewareStack.add(
    (next) => async (args) => {
      attempts++;
      return next(args);
    },
    { step: 'finalizeRequest', name: 'benchAttemptCounter', priority: 'low' },
  );
  return { client, calls, attempts: () => attempts };
}

class MemoryPeak {
  rss = 0;
  heap = 0;
  readonly byPhase: Record<string, number> = {};
  private phase = 'start';
  private readonly timer = setInterval(() => this.sample(), 50);
  enter(phase: string): void {
    this.sample();
    this.phase = phase;
  }
  sample(): void {
    const usage = process.memoryUsage();
    this.rss = Math.max(this.rss, usage.rss);
    this.heap = Math.max(this.heap, usage.heapUsed);
    this.byPhase[this.phase] = Math.max(this.byPhase[this.phase] ?? 0, usage.heapUsed);
  }
  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }
}

/** Every step in order, checkpoints in memory: what the worker does, minus Slack. */
async function applyPlan(kind: ReturnType<typeof createPtrCleanupKind>, plan: PtrPlan, base: KindContext, jobId: string): Promise<{ state: PtrState; stepMs: Record<string, number> }> {
  const state = kind.initialState(plan);
  const stepMs: Record<string, number> = {};
  const ctx: StepContext<PtrPlan, PtrState> = {
    ...base,
    planId: jobId,
    jobId,
    plan,
    state,
    progress: { status: () => {}, milestone: async () => {}, file: async () => {} },
    checkpoint: async () => void JSON.stringify(state),
    cancelRequested: async () => false,
    ask: () => Promise.reject(new Error('no questions')),
    audit: async () => {},
    signal: new AbortController().signal,
  };
  for (const step of kind.steps(plan, state)) {
    const started = performance.now();
    await step.run(ctx);
    stepMs[step.id] = performance.now() - started;
  }
  return { state, stepMs };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const pct = (ratio: number) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;

export async function run(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, PTR_BENCH_ROLE: 'sandbox' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const redis = new Redis(REDIS_URL);
  const prefix = `dh-bench-ptr-${process.pid}`;
  try {
    const ready = await nextMessage<Ready>(child, 'ready');
    console.log(`sandbox: ${ZONES} zones, ${Object.values(ready.zoneSizes).reduce((a, b) => a + b, 0).toLocaleString('en-US')} record sets (incl. SOA/NS), ${ready.interfaces.toLocaleString('en-US')} network interfaces; Route 53 limited to ${RATE} requests/s`);
    const route53 = countingRoute53(ready.endpoints.route53, ready.region);
    const common = { region: ready.region, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' }, maxAttempts: 8 };
    const clients: Clients = {
      autoScaling: new AutoScalingClient({ ...common, endpoint: ready.endpoints.autoScaling }),
      ec2: new EC2Client({ ...common, endpoint: ready.endpoints.ec2 }),
      route53: route53.client,
      pricing: new PricingClient({ ...common, endpoint: ready.endpoints.pricing }),
      kube: new KubeConfig(),
    };
    const kind = createPtrCleanupKind({ backups: new RedisRecordBackups(redis, prefix) });
    const settings = { requestsPerSecond: RATE, maxDeletesPerRun: RECORDS };
    const base: KindContext = { clients, clock: systemClock, log: createLogger('silent'), settings };
    const args: PtrArgs = { mode: 'cleanup', zones: [], dryRun: false };

    const memory = new MemoryPeak();
    memory.enter('observe');
    const t0 = performance.now();
    const observed = await kind.observe(base, args);
    memory.enter('plan');
    const t1 = performance.now();
    const outcome = kind.plan(observed, args, Date.now(), settings);
    if (outcome.kind !== 'plan') throw new Error(`refused: ${outcome.reason}`);
    const planJsonBytes = Buffer.byteLength(JSON.stringify(outcome.plan));
    const t2 = performance.now();
    memory.enter('apply');
    const { state, stepMs } = await applyPlan(kind, outcome.plan, base, `bench-${process.pid}`);
    const t3 = performance.now();
    memory.stop();

    // The minimum possible: every page of every zone, and change batches as full as Route 53 allows.
    const listPagesMin = Object.values(ready.zoneSizes).reduce((sum, size) => sum + Math.ceil(size / PAGE), 0);
    const changeBatchesMin = outcome.plan.zones.reduce((sum, zone) => {
      const values = zone.records.reduce((n, r) => n + r[2].length, 0);
      const chars = zone.records.reduce((n, r) => n + r[2].reduce((c, v) => c + v.length, 0), 0);
      return sum + Math.max(Math.ceil(values / MAX_VALUES_PER_CHANGE), Math.ceil(chars / MAX_VALUE_CHARS_PER_CHANGE));
    }, 0);
    const minimum = listPagesMin + changeBatchesMin;
    const c = route53.calls;
    const listPages = c.ListResourceRecordSetsCommand ?? 0;
    const changeBatches = c.ChangeResourceRecordSetsCommand ?? 0;
    const discovery = (c.ListHostedZonesCommand ?? 0) + (c.GetHostedZoneCommand ?? 0);
    const insync = c.GetChangeCommand ?? 0;
    const total = listPages + changeBatches + discovery + insync;
    const boundMs = (minimum / RATE) * 1000;
    const wallMs = t3 - t0;
    const deleted = Object.values(state.zones).reduce((sum, zone) => sum + zone.applied, 0);

    child.send({ type: 'stats' });
    const stats = await nextMessage<Stats>(child, 'stats');

    console.log(`plan: ${outcome.plan.mode === 'cleanup' ? outcome.plan.totals.ptr.toLocaleString('en-US') : 0} PTR records seen, ${outcome.plan.zones.reduce((n, z) => n + z.records.length, 0).toLocaleString('en-US')} stale; stored plan JSON ${mb(planJsonBytes)}`);
    console.log(`applied: ${deleted.toLocaleString('en-US')} deleted; sandbox saw ${stats.deletes.toLocaleString('en-US')} DELETEs (${stats.distinctDeletes.toLocaleString('en-US')} distinct), ${stats.ptrLeft.toLocaleString('en-US')} PTR records left`);
    console.log('');
    console.log('Route 53 calls');
    console.log(`  list pages + change batches: ${listPages + changeBatches} made vs ${minimum} minimum (${listPagesMin} pages + ${changeBatchesMin} batches): ${pct((listPages + changeBatches) / minimum)}   target ≤ +2%`);
    console.log(`  added by the design: ${discovery} zone discovery (ListHostedZones + GetHostedZone per private zone for its VPCs), ${insync} GetChange (INSYNC at the end)`);
    console.log(`  all calls: ${total} (${pct(total / minimum)} over the minimum); HTTP attempts incl. SDK retries: ${route53.attempts()}`);
    console.log('Wall time');
    console.log(`  ${seconds(wallMs)} vs rate-limit bound ${seconds(boundMs)} (${minimum} calls / ${RATE} per s): ${pct(wallMs / boundMs)}   target ≤ +10%`);
    const zoneSteps = Object.entries(stepMs).filter(([id]) => id.startsWith('delete/'));
    console.log(`  observe ${seconds(t1 - t0)}, plan ${seconds(t2 - t1)}, delete ${seconds(zoneSteps.reduce((n, [, ms]) => n + ms, 0))} in ${zoneSteps.length} zones, INSYNC ${seconds(stepMs.insync ?? 0)}, backup file ${seconds(stepMs['backup-file'] ?? 0)}`);
    console.log('Memory of the worker process');
    console.log(`  peak RSS ${mb(memory.rss)}, peak heap ${mb(memory.heap)}   target < 256 MB`);
    console.log(`  peak heap by phase: ${Object.entries(memory.byPhase).map(([phase, bytes]) => `${phase} ${mb(bytes)}`).join(', ')}`);
    if (stats.distinctDeletes !== stats.deletes || deleted !== stats.deletes) throw new Error('a record was deleted twice or a delete went uncounted');
    for (const client of [clients.autoScaling, clients.ec2, clients.route53, clients.pricing]) client.destroy();
  } finally {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    if (child.connected) child.send({ type: 'stop' });
  }
}

if (process.env.PTR_BENCH_ROLE === 'sandbox') await sandboxMain();
