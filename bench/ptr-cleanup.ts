/**
 * `npm run bench -- ptr-cleanup [--records 100000] [--zones N] [--rate 5] [--memory-limit MiB]`: PTR records in private
 * reverse zones (default 100,000 in 11; `--zones` defaults to one per 10,000 records, Route 53's default
 * zone size, at least 11), half of them stale, Route 53 limited to `--rate` requests/s (real time, like
 * the account limit). Runs observe → plan → approve (the bot's re-check) → apply (every step, as the
 * worker would, without Slack) and prints:
 * - Route 53 calls of the whole flow vs the exact minimum: one list of the zones, one GetHostedZone per
 *   private zone (its VPCs scope ownership), every list page once, the fewest change batches Route 53's
 *   limits allow, one GetChange per zone changed (INSYNC);
 * - click → first change batch (approval included);
 * - wall time vs the rate-limit lower bound (minimum calls / rate);
 * - peak RSS and heap of the worker, run without any heap flag inside the memory limit the manifest gives the
 *   worker container (`--memory-limit MiB` to change it, `--memory-limit 0` for none: container-memory.ts).
 * Targets: calls = minimum, first batch within 5 s, time within 10% of the bound, peak RSS ≤ 256 MB at 100,000.
 *
 * Three processes, all from this file: this one orchestrates; the simulated account runs under tsx
 * (PTR_BENCH_ROLE=sandbox; its changes are INSYNC at once: Route 53's ~30 s of propagation is not request
 * rate, and the worker waits for it on the real clock); the worker (PTR_BENCH_ROLE=worker) is this file
 * bundled with esbuild and run by plain Node, as production runs compiled JavaScript: measured under
 * tsx, its loader thread alone would add about 100 MB of RSS.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { PricingClient } from '@aws-sdk/client-pricing';
import { Route53Client } from '@aws-sdk/client-route-53';
import { KubeConfig } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { parse } from 'yaml';
import type { Clients } from '../src/integrations/clients.js';
import { systemClock } from '../src/integrations/clock.js';
import type { KindContext, StepContext } from '../src/jobs/kind.js';
import { MAX_VALUE_CHARS_PER_CHANGE, MAX_VALUES_PER_CHANGE } from '../src/jobs/ptr-cleanup/batches.js';
import { ptrCleanupKind } from '../src/jobs/ptr-cleanup/index.js';
import { readOwnership } from '../src/jobs/ptr-cleanup/observe.js';
import { unpackRecords } from '../src/jobs/ptr-cleanup/packed-records.js';
import type { PtrCleanupSettings } from '../src/jobs/ptr-cleanup/settings.js';
import type { CleanupPlan, PtrArgs, PtrPlan, PtrState } from '../src/jobs/ptr-cleanup/model.js';
import { createLogger } from '../src/logger.js';
import { IDENTITIES, type SandboxIdentity } from '../sandbox/src/access.js';
import { memoryCgroup, type MemoryCgroup } from './container-memory.js';

const STALE_SHARE = 0.5;
const PAGE = 300;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface BenchOptions {
  records: number;
  zones: number;
  rate: number;
  /** MiB: the worker's memory cgroup limit, as the manifest's `limits.memory`; 0 runs it unlimited. */
  memoryLimit: number;
}

/** `resources.limits.memory` of the worker container in the shipped manifest, in MiB (e.g. `512Mi`). */
function manifestMemoryLimitMib(): number {
  const manifest = parse(readFileSync(join(process.cwd(), 'deploy/kubernetes/base/worker.yaml'), 'utf8')) as {
    spec: { template: { spec: { containers: { name: string; resources: { limits: { memory: string } } }[] } } };
  };
  const limit = manifest.spec.template.spec.containers.find((c) => c.name === 'worker')!.resources.limits.memory;
  const mib = /^(\d+)Mi$/.exec(limit);
  if (!mib) throw new Error(`the worker's memory limit ${limit} is not in Mi`);
  return Number(mib[1]);
}

/** `--records N --zones N --rate N` after the benchmark's name; the children get them through the environment. */
function benchOptions(argv: string[]): BenchOptions {
  const value = (flag: string, least = 1): number | undefined => {
    const at = argv.indexOf(flag);
    if (at < 0) return undefined;
    const parsed = Number(argv[at + 1]);
    if (!Number.isInteger(parsed) || parsed < least) throw new Error(`${flag} needs a whole number of at least ${least}, e.g. ${flag} 1000000`);
    return parsed;
  };
  const flags = ['--records', '--zones', '--rate', '--memory-limit'];
  const unknown = argv.filter((arg) => arg.startsWith('--') && !flags.includes(arg));
  if (unknown.length > 0) throw new Error(`unknown option ${unknown.join(', ')}: ptr-cleanup takes ${flags.join(', ')}`);
  const records = value('--records') ?? 100_000;
  return {
    records,
    zones: value('--zones') ?? Math.max(11, Math.ceil(records / 10_000)),
    rate: value('--rate') ?? 5,
    memoryLimit: value('--memory-limit', 0) ?? manifestMemoryLimitMib(),
  };
}

const OPTIONS_ENV = 'PTR_BENCH_OPTIONS';
const optionsOfChild = (): BenchOptions => JSON.parse(process.env[OPTIONS_ENV]!) as BenchOptions;

interface Ready {
  type: 'ready';
  endpoints: { autoScaling: string; ec2: string; route53: string; pricing: string };
  region: string;
  /** Record sets per generated zone (PTR + SOA + NS), i.e. what listing must page through. */
  zoneSizes: Record<string, number>;
  interfaces: number;
}

interface Result {
  type: 'result';
  calls: Record<string, number>;
  attempts: number;
  /** interfacesRead: one bare read of every network interface in scope, timed after the run: the approval's floor. */
  ms: { observe: number; plan: number; approve: number; clickToFirstBatch: number; apply: number; interfacesRead: number; steps: Record<string, number> };
  /** Zones with at least one change batch (each ends with a GetChange). */
  zonesChanged: number;
  memory: { rss: number; heap: number; heapLimit: number; byPhase: Record<string, number>; atPeak: NodeJS.MemoryUsage };
  seen: number;
  stale: number;
  deleted: number;
  planJsonBytes: number;
  changeBatchesMin: number;
}

interface Stats {
  type: 'stats';
  ptrLeft: number;
  deletes: number;
  distinctDeletes: number;
}

function nextMessage<T extends { type: string }>(child: NodeJS.Process | ChildProcess, type: T['type']): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: T) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message);
    };
    const onExit = (code: number | null) => reject(new Error(`process exited (${code}) before '${type}'`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

// ---------- the simulated account ----------

async function sandboxMain(): Promise<void> {
  const { VirtualClock } = await import('../sandbox/src/clock.js');
  const { generatePtrZones, loadAwsScenario, startCloud } = await import('../sandbox/src/cloud/index.js');
  const { emptyFaults, MutationLog } = await import('../sandbox/src/contracts.js');
  const clock = new VirtualClock(Date.parse('2026-01-05T09:00:00Z'), 1);
  const scenario = loadAwsScenario(join(process.cwd(), 'sandbox/src/scenarios/minimal'));
  scenario.hostedZones = [];
  scenario.route53SyncSeconds = 0;
  const log = new MutationLog();
  const options = optionsOfChild();
  const cloud = await startCloud({ clock, faults: emptyFaults(), log, scenario, route53RequestsPerSecond: options.rate });
  const zones = generatePtrZones(cloud.model, { zones: options.zones, records: options.records, staleShare: STALE_SHARE, seed: 1 });
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

// ---------- the worker ----------

/** Counts Route 53 calls by operation (what we asked) and HTTP attempts (what the SDK sent, retries included). */
/** Route 53 calls and attempts of every client made with `client()` (the bot's and the worker's). */
function route53Counter(endpoint: string, region: string) {
  const calls: Record<string, number> = {};
  let attempts = 0;
  let firstChangeAt: number | undefined;
  const client = (identity: SandboxIdentity) => {
    const { accessKeyId, secretAccessKey } = identity;
    const counted = new Route53Client({ region, endpoint, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 8 });
    counted.middlewareStack.add(
      (next, context) => async (args) => {
        calls[context.commandName!] = (calls[context.commandName!] ?? 0) + 1;
        if (context.commandName === 'ChangeResourceRecordSetsCommand') firstChangeAt ??= performance.now();
        return next(args);
      },
      { step: 'initialize', name: 'benchCallCounter' },
    );
    counted.middlewareStack.add(
      (next) => async (args) => {
        attempts++;
        return next(args);
      },
      { step: 'finalizeRequest', name: 'benchAttemptCounter', priority: 'low' },
    );
    return counted;
  };
  return { client, calls, attempts: () => attempts, firstChangeAt: () => firstChangeAt };
}

class MemoryPeak {
  rss = 0;
  heap = 0;
  /** process.memoryUsage() when RSS peaked. */
  atPeak: NodeJS.MemoryUsage | undefined;
  readonly byPhase: Record<string, number> = {};
  private phase = 'start';
  private readonly timer = setInterval(() => this.sample(), 50);
  enter(phase: string): void {
    this.sample();
    this.phase = phase;
  }
  sample(): void {
    const usage = process.memoryUsage();
    if (usage.rss > this.rss) this.atPeak = usage;
    this.rss = Math.max(this.rss, usage.rss);
    this.heap = Math.max(this.heap, usage.heapUsed);
    this.byPhase[this.phase] = Math.max(this.byPhase[this.phase] ?? 0, usage.heapUsed);
  }
  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }
}

/** Every step in order, checkpoints serialized as the runner would: what the worker does, minus Slack. */
async function applyPlan(kind: typeof ptrCleanupKind, plan: PtrPlan, base: KindContext<PtrCleanupSettings>, jobId: string): Promise<{ state: PtrState; stepMs: Record<string, number> }> {
  const state = kind.initialState(plan);
  const stepMs: Record<string, number> = {};
  const ctx: StepContext<PtrPlan, PtrState, PtrCleanupSettings> = {
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

async function workerMain(): Promise<void> {
  const ready = await nextMessage<Ready>(process, 'ready');
  const redis = new Redis(REDIS_URL);
  const prefix = `dh-bench-ptr-${process.pid}`;
  const route53 = route53Counter(ready.endpoints.route53, ready.region);
  // Like the product: the bot observes with its identity, the worker applies with its own.
  const clientsOf = (identity: SandboxIdentity): Clients => {
    const common = { region: ready.region, credentials: { accessKeyId: identity.accessKeyId, secretAccessKey: identity.secretAccessKey }, maxAttempts: 8 };
    return {
      autoScaling: new AutoScalingClient({ ...common, endpoint: ready.endpoints.autoScaling }),
      ec2: new EC2Client({ ...common, endpoint: ready.endpoints.ec2 }),
      route53: route53.client(identity),
      pricing: new PricingClient({ ...common, endpoint: ready.endpoints.pricing }),
      kube: new KubeConfig(),
    };
  };
  const kind = ptrCleanupKind;
  const options = optionsOfChild();
  const settings = kind.settingsSchema.parse({ requestsPerSecond: options.rate, maxDeletesPerRun: options.records });
  const base: KindContext<PtrCleanupSettings> = { clients: clientsOf(IDENTITIES.bot), clock: systemClock, log: createLogger('silent'), settings, redis, redisPrefix: prefix };
  const args: PtrArgs = { mode: 'cleanup', zones: [], dryRun: false };

  const memory = new MemoryPeak();
  memory.enter('observe');
  const t0 = performance.now();
  let t1 = 0;
  // Observation and plan go out of scope once the plan is stored: the worker gets it as JSON, and drops the text once parsed.
  const { plan, planJsonBytes } = await (async () => {
    const observed = await kind.observe(base, args);
    memory.enter('plan');
    t1 = performance.now();
    const outcome = kind.plan(observed, args, Date.now(), settings);
    if (outcome.kind !== 'plan' || outcome.plan.mode !== 'cleanup') throw new Error('no cleanup plan');
    const stored = JSON.stringify(outcome.plan);
    return { plan: JSON.parse(stored) as CleanupPlan, planJsonBytes: Buffer.byteLength(stored) };
  })();
  const t2 = performance.now();
  memory.enter('approve');
  const jobId = `bench-${process.pid}`;
  const refused = await kind.revalidate!(base, plan, args, jobId);
  if (refused !== undefined) throw new Error(`approval refused: ${refused}`);
  const t3 = performance.now();
  memory.enter('apply');
  const { state, stepMs } = await applyPlan(kind, plan, { ...base, clients: clientsOf(IDENTITIES.worker) }, jobId);
  const t4 = performance.now();
  memory.stop();
  await readOwnership(base.clients, plan.ownershipScope);
  const interfacesRead = performance.now() - t4;

  // The fewest change batches Route 53's limits allow, zone by zone.
  const changeBatchesMin = plan.zones.reduce((sum, zone) => {
    const records = unpackRecords(zone.records);
    const values = records.reduce((n, r) => n + r[2].length, 0);
    const chars = records.reduce((n, r) => n + r[2].reduce((c, v) => c + v.length, 0), 0);
    return sum + Math.max(Math.ceil(values / MAX_VALUES_PER_CHANGE), Math.ceil(chars / MAX_VALUE_CHARS_PER_CHANGE));
  }, 0);
  const result: Result = {
    type: 'result',
    calls: route53.calls,
    attempts: route53.attempts(),
    ms: { observe: t1 - t0, plan: t2 - t1, approve: t3 - t2, clickToFirstBatch: (route53.firstChangeAt() ?? Number.NaN) - t2, apply: t4 - t3, interfacesRead, steps: stepMs },
    zonesChanged: plan.zones.length,
    memory: { rss: memory.rss, heap: memory.heap, heapLimit: getHeapStatistics().heap_size_limit, byPhase: memory.byPhase, atPeak: memory.atPeak! },
    seen: plan.totals.ptr,
    stale: plan.totals.stale,
    deleted: Object.values(state.zones).reduce((sum, zone) => sum + zone.applied, 0),
    planJsonBytes,
    changeBatchesMin,
  };
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  process.send!(result, () => process.exit(0));
}

// ---------- the orchestrator ----------

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const pct = (ratio: number) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;

async function bundleWorker(): Promise<string> {
  const { build } = await import('esbuild');
  const dir = join(process.cwd(), 'node_modules/.cache/deckhand-bench');
  mkdirSync(dir, { recursive: true });
  // Inside node_modules/.cache so the bundle's bare imports resolve to the project's node_modules.
  const outfile = join(dir, `ptr-cleanup-worker-${process.pid}.mjs`);
  await build({ entryPoints: [fileURLToPath(import.meta.url)], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile, logLevel: 'error' });
  return outfile;
}

export async function run(argv: string[] = []): Promise<void> {
  const options = benchOptions(argv);
  const { NODE_OPTIONS: _ignored, ...env } = process.env;
  const childEnv = { ...env, [OPTIONS_ENV]: JSON.stringify(options) };
  const sandbox = fork(fileURLToPath(import.meta.url), [], { execArgv: ['--import', 'tsx'], env: { ...childEnv, PTR_BENCH_ROLE: 'sandbox' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const workerFile = await bundleWorker();
  // No heap flag: the memory figure is what a worker with Node's defaults uses, in its container's limit.
  const cgroup = options.memoryLimit > 0 ? memoryCgroup(`deckhand-bench-${process.pid}`, options.memoryLimit * 1024 * 1024) : { unavailable: '--memory-limit 0' };
  const limited: MemoryCgroup | undefined = 'unavailable' in cgroup ? undefined : cgroup;
  const workerOptions = { execArgv: process.env.BENCH_TRACE ? ['--trace-gc'] : [], env: { ...childEnv, PTR_BENCH_ROLE: 'worker' } };
  const worker = limited ? limited.fork(workerFile, workerOptions) : fork(workerFile, [], { ...workerOptions, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    console.log(
      limited
        ? `worker: in a memory cgroup limited to ${options.memoryLimit} MiB${argv.includes('--memory-limit') ? '' : " (the worker manifest's limits.memory)"}, no heap flag`
        : `worker: no memory limit (${(cgroup as { unavailable: string }).unavailable}), no heap flag: V8 sizes its heap from the host's ${mb(totalmem())}`,
    );
    const ready = await nextMessage<Ready>(sandbox, 'ready');
    console.log(`sandbox: ${options.zones} zones, ${Object.values(ready.zoneSizes).reduce((a, b) => a + b, 0).toLocaleString('en-US')} record sets (incl. SOA/NS), ${ready.interfaces.toLocaleString('en-US')} network interfaces; Route 53 limited to ${options.rate} requests/s`);
    const started = performance.now();
    worker.send(ready);
    const result = await nextMessage<Result>(worker, 'result').catch((error: unknown) => {
      throw limited?.oomKilled() ? new Error(`the worker passed its ${options.memoryLimit} MiB limit and the kernel killed it`) : error;
    });
    const wallMs = performance.now() - started;
    sandbox.send({ type: 'stats' });
    const stats = await nextMessage<Stats>(sandbox, 'stats');

    const zoneCount = Object.keys(ready.zoneSizes).length;
    const listPagesMin = Object.values(ready.zoneSizes).reduce((sum, size) => sum + Math.ceil(size / PAGE), 0);
    // Per-zone bookkeeping: 1 ListHostedZones page per 100 zones, GetHostedZone per (private) zone, GetChange per zone changed.
    const bookkeeping = Math.ceil(zoneCount / 100) + zoneCount + result.zonesChanged;
    const minimum = listPagesMin + result.changeBatchesMin + bookkeeping;
    const c = result.calls;
    const total = Object.values(c).reduce((a, b) => a + b, 0);
    const boundMs = (minimum / options.rate) * 1000;
    const steps = Object.entries(result.ms.steps);
    const deleteMs = steps.filter(([id]) => id.startsWith('delete/')).reduce((n, [, ms]) => n + ms, 0);

    console.log(`plan: ${result.seen.toLocaleString('en-US')} PTR records seen, ${result.stale.toLocaleString('en-US')} stale; the stored plan is ${mb(result.planJsonBytes)} of JSON`);
    console.log(`applied: ${result.deleted.toLocaleString('en-US')} deleted; the sandbox saw ${stats.deletes.toLocaleString('en-US')} DELETEs (${stats.distinctDeletes.toLocaleString('en-US')} distinct), ${stats.ptrLeft.toLocaleString('en-US')} PTR records left`);
    console.log('');
    console.log('Route 53 calls, plan + approve + apply');
    console.log(`  ${total} made vs exact minimum ${minimum}: ${listPagesMin} list pages + ${result.changeBatchesMin} change batches + ${bookkeeping} per-zone bookkeeping (zone list, GetHostedZone × ${zoneCount}, GetChange × ${result.zonesChanged}): ${pct(total / minimum)}   target +0%`);
    console.log(`  by operation: ${Object.entries(c).map(([name, n]) => `${name.replace(/Command$/, '')} ${n}`).join(', ')}; HTTP attempts incl. SDK retries: ${result.attempts}`);
    console.log('Approval');
    console.log(`  re-check ${seconds(result.ms.approve)} (network interfaces only, no Route 53 call); click → first change batch ${seconds(result.ms.clickToFirstBatch)}   target ≤ 5 s`);
    console.log(`  floor, measured in the same run: one read of all ${ready.interfaces.toLocaleString('en-US')} interfaces ${seconds(result.ms.interfacesRead)}; click → first batch is ${(result.ms.clickToFirstBatch / result.ms.interfacesRead).toFixed(2)}× it`);
    console.log('Wall time');
    console.log(`  ${seconds(wallMs)} vs rate-limit bound ${seconds(boundMs)} (${minimum} calls / ${options.rate} per s): ${pct(wallMs / boundMs)}   target ≤ +10%`);
    console.log(`  observe ${seconds(result.ms.observe)}, plan ${seconds(result.ms.plan)}, approve ${seconds(result.ms.approve)}, delete ${seconds(deleteMs)} in ${result.zonesChanged} zones, INSYNC ${seconds(result.ms.steps.insync ?? 0)}, backup file ${seconds(result.ms.steps['backup-file'] ?? 0)}`);
    console.log('Memory of the process (plain Node, compiled, no heap flag)');
    console.log(`  peak RSS ${mb(result.memory.rss)}, peak heap ${mb(result.memory.heap)} (V8's heap limit ${mb(result.memory.heapLimit)})   target ≤ 256 MB at 100,000 records`);
    const p = result.memory.atPeak;
    console.log(`  at the RSS peak: heap used ${mb(p.heapUsed)} of ${mb(p.heapTotal)} committed, external ${mb(p.external)} (array buffers ${mb(p.arrayBuffers)})`);
    console.log(`  peak heap by phase: ${Object.entries(result.memory.byPhase).map(([phase, bytes]) => `${phase} ${mb(bytes)}`).join(', ')}`);
    if (stats.distinctDeletes !== stats.deletes || result.deleted !== stats.deletes || result.deleted !== result.stale) {
      throw new Error('a record was deleted twice, skipped, or went uncounted');
    }
  } finally {
    if (sandbox.connected) sandbox.send({ type: 'stop' });
    if (worker.exitCode === null) worker.kill();
    if (limited) await new Promise((resolve) => (worker.exitCode === null && worker.signalCode === null ? worker.once('exit', resolve) : resolve(undefined)));
    limited?.remove();
    rmSync(workerFile, { force: true });
  }
}

if (process.env.PTR_BENCH_ROLE === 'sandbox') await sandboxMain();
if (process.env.PTR_BENCH_ROLE === 'worker') await workerMain();
