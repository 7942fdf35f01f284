/**
 * Many workers, one behaviour, at scale (issue 12): 50 concurrent fixture runs (3 steps of 500 ms each) in 10
 * channels, started and approved through signed Slack requests, run by 3 worker replicas and then by 1, on one Redis
 * and the Slack stand-in enforcing Slack's per-channel posting limit (scaled 10x: a post per 100 ms per channel,
 * bursts of 3; the outboxes paced to match). Prints jobs/minute with 3 workers against 1, Slack calls per job against
 * the minimum, the 429s Slack answered (target 0), and Redis commands per step (INFO commandstats delta over the
 * runs, the benchmark's own polling included).
 */
import { ActionIds } from '../src/blocks/action-ids.js';
import { createFixtureKind } from '../test/helpers/fixture-kind.js';
import { startFoundation, type Harness } from '../test/helpers/foundation-harness.js';
import type { StoredPlan } from '../src/integrations/redis/plan-store.js';

const JOBS = 50;
const CHANNELS = Array.from({ length: 10 }, (_, i) => `C0BENCH${i}`);
const STEPS = 3;
const STEP_MS = 500;
const POST_INTERVAL_MS = 100;
const APPROVER = 'U0APPROVER';
const POLICY = `commands:\n  fixture:\n    run: '*'\n    approve: ['${APPROVER}']\n`;
/**
 * What each run must say at least: the plan message (bot), its approval update (bot), the status card and its final
 * state, one milestone per step, the summary, and the plan message's final update.
 */
const MIN_CALLS_PER_JOB = 6 + STEPS;
const SLACK_WRITES = new Set(['chat.postMessage', 'chat.update']);

interface Round {
  workers: number;
  jobsPerMinute: number;
  callsPerJob: number;
  rateLimited: number;
  redisPerStep: number;
}

async function redisCalls(h: Harness): Promise<number> {
  const stats = await h.redis.info('commandstats');
  return [...stats.matchAll(/calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
}

async function round(workers: number): Promise<Round> {
  const h = await startFoundation({
    kinds: ({ redis, prefix }) => [createFixtureKind(redis, prefix)],
    policyYaml: POLICY,
    postsPerChannel: { intervalMs: POST_INTERVAL_MS, burst: 3 },
    outbox: { minIntervalPerChannelMs: POST_INTERVAL_MS, cardUpdateIntervalMs: 3 * POST_INTERVAL_MS },
    expirySweepMs: 'product',
  });
  try {
    for (let w = 0; w < workers; w++) await h.startWorker({ deadRunSweepMs: 60_000 });
    // Plans: channels in parallel, each channel's commands one after the other.
    const perChannel = JOBS / CHANNELS.length;
    const plans: StoredPlan[] = (
      await Promise.all(
        CHANNELS.map(async (channel, c) => {
          const mine: StoredPlan[] = [];
          for (let i = 0; i < perChannel; i++) {
            const target = `fixture/bench-${c}-${i}`;
            await h.command(`fixture bench-${c}-${i} --steps ${STEPS} --delay-ms ${STEP_MS}`, 'U0REQ', { channel });
            for (let found: StoredPlan | undefined; !found; await new Promise((r) => setTimeout(r, 20))) {
              found = (await h.plans.listByChannel(channel, perChannel)).find((p) => p.target === target && p.messageTs);
              if (found) mine.push(found);
            }
          }
          return mine;
        }),
      )
    ).flat();

    const callsBefore = h.slack.calls.length;
    const redisBefore = await redisCalls(h);
    const started = Date.now();
    await Promise.all(plans.map((p) => h.click(ActionIds.approve, { planId: p.id }, APPROVER, p.messageTs!, { channel: p.channel })));
    while (((await h.queue.getJobCounts('completed')).completed ?? 0) < JOBS) await new Promise((r) => setTimeout(r, 200));
    const elapsedMs = Date.now() - started;
    const redisAfter = await redisCalls(h);
    // Slack delivery lags the runs at the per-channel pace: wait for every summary before counting calls.
    const summaries = () => CHANNELS.flatMap((c) => h.slack.messages(c)).filter((m) => m.text.startsWith(':large_green_circle: Fixture')).length;
    while (summaries() < JOBS) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 1_000)); // the plan messages' final updates follow their summaries
    const calls = h.slack.calls.slice(callsBefore);
    // The plan message and its approval update were made before the clock started: count them in.
    const writes = calls.filter((c) => SLACK_WRITES.has(c.method) && c.status === 200).length + 2 * JOBS;
    return {
      workers,
      jobsPerMinute: (JOBS / elapsedMs) * 60_000,
      callsPerJob: writes / JOBS,
      rateLimited: h.slack.calls.filter((c) => c.status === 429).length,
      redisPerStep: (redisAfter - redisBefore) / (JOBS * STEPS),
    };
  } finally {
    await h.stop();
  }
}

/** The most a round can do: runs go 5 at a time per worker, each taking its steps' time. */
const boundJobsPerMinute = (workers: number) => (JOBS / Math.ceil(JOBS / (5 * workers))) * (60_000 / (STEPS * STEP_MS));

export async function run(): Promise<void> {
  const three = await round(3);
  const one = await round(1);
  console.log(`${JOBS} fixture runs (${STEPS} steps x ${STEP_MS} ms) in ${CHANNELS.length} channels; Slack posts limited to 1 per ${POST_INTERVAL_MS} ms per channel (Slack's 1/s scaled 10x)`);
  for (const r of [three, one]) {
    const bound = boundJobsPerMinute(r.workers);
    console.log(
      `${r.workers} worker(s): ${r.jobsPerMinute.toFixed(0)} jobs/min (bound ${bound.toFixed(0)}, ${(r.jobsPerMinute / bound).toFixed(2)}x); ` +
        `Slack writes ${r.callsPerJob.toFixed(2)}/job vs minimum ${MIN_CALLS_PER_JOB} (${(r.callsPerJob / MIN_CALLS_PER_JOB).toFixed(2)}x); 429s ${r.rateLimited}; Redis commands ${r.redisPerStep.toFixed(0)}/step`,
    );
  }
  const ideal = boundJobsPerMinute(3) / boundJobsPerMinute(1);
  console.log(`3 workers / 1 worker: ${(three.jobsPerMinute / one.jobsPerMinute).toFixed(2)}x (ideal ${ideal.toFixed(2)}x)`);
  const limited = three.rateLimited + one.rateLimited;
  console.log(`429s: ${limited} (target 0) ${limited === 0 ? 'OK' : 'ABOVE TARGET'}`);
}
