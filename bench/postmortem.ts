/**
 * Reading a large incident channel for `/deckhand postmortem`: 10,000 messages of which 500 threads,
 * served by the Slack stand-in, read by gatherChannel with the real WebClient on a virtual clock.
 * Prints Slack calls against the minimum (history pages + one replies call per thread) and the time
 * against the rate bound (the replies of 500 threads at Tier 3: at most 50 in any minute), and the busiest
 * minute per method (Tier 3 allows 50). Targets: calls <= 1.05 x minimum, time <= 1.10 x bound.
 */
import { WebClient } from '@slack/web-api';
import { gatherChannel } from '../src/reports/postmortem/gather.js';
import { rateBoundMs, TIER_3 } from '../src/reports/postmortem/pacer.js';
import { VirtualClock } from '../sandbox/src/clock.js';
import { busiestWindow } from '../sandbox/src/slack/pace.js';
import { startSlackStandIn } from '../sandbox/src/slack/web-api.js';

const CHANNEL = 'C0INCIDENT';
const MESSAGES = 10_000;
const THREADS = 500;
const REPLIES_PER_THREAD = 2;
const USERS = 12;
const PAGE = 200;
/** Virtual time runs this much faster than real time: a Tier 3 call every 1.2 s is 300 ms real, well above a local call's latency. */
const SPEED = 4;

export async function run(): Promise<void> {
  const start = Date.parse('2026-01-05T00:00:00Z');
  const clock = new VirtualClock(start + 3 * 86_400_000, SPEED);
  const users = Object.fromEntries(Array.from({ length: USERS }, (_, i) => [`U0USER${i}`, { name: `user${i}` }]));
  const slack = await startSlackStandIn({ users, channels: { [CHANNEL]: 'incident-big' }, now: () => clock.now() });
  try {
    const topLevel = MESSAGES - THREADS * REPLIES_PER_THREAD;
    const every = Math.floor(topLevel / THREADS);
    let seq = 0;
    const ts = (i: number) => `${Math.floor(start / 1000) + i * 10}.${String((seq += 1)).padStart(6, '0')}`;
    for (let i = 0; i < topLevel; i++) {
      const parent = slack.seedMessage(CHANNEL, { user: `U0USER${i % USERS}`, ts: ts(i), text: `message ${i}` });
      if (i % every === 0 && i / every < THREADS) {
        for (let r = 0; r < REPLIES_PER_THREAD; r++) slack.seedMessage(CHANNEL, { user: `U0USER${(i + r + 1) % USERS}`, ts: ts(i), text: `reply ${r}`, threadTs: parent.ts });
      }
    }
    const client = new WebClient(slack.tokens.bot, { slackApiUrl: slack.url });
    const began = clock.now();
    let progressUpdates = 0;
    const history = await gatherChannel({
      slack: client,
      clock,
      requestChannel: CHANNEL,
      readRefusal: () => undefined,
      window: () => ({ start: start - 1, basis: 'since' }),
      maxMessages: 20_000,
      activity: () => Promise.resolve({ entries: [], planMessageTs: {} }),
      onProgress: () => (progressUpdates += 1),
    });
    const elapsedS = (clock.now() - began) / 1000;

    const minimum = Math.ceil(topLevel / PAGE) + THREADS;
    const calls = slack.calls.length;
    const boundS = rateBoundMs(THREADS, TIER_3) / 1000;
    const byMethod = new Map<string, number>();
    for (const c of slack.calls) byMethod.set(c.method, (byMethod.get(c.method) ?? 0) + 1);
    console.log(`read ${history.messages.length.toLocaleString('en-US')} messages (truncated: ${history.truncated}), ${progressUpdates} progress reports`);
    console.log(`Slack calls: ${calls} vs minimum ${minimum} (${Math.ceil(topLevel / PAGE)} history pages + ${THREADS} threads) = ${(calls / minimum).toFixed(3)}x (target <= 1.05)`);
    console.log(`  by method: ${[...byMethod].map(([m, n]) => `${m} ${n}`).join(', ')}`);
    console.log(`time: ${elapsedS.toFixed(1)} s vs rate bound ${boundS.toFixed(1)} s = ${(elapsedS / boundS).toFixed(3)}x (target <= 1.10)`);
    for (const method of ['conversations.history', 'conversations.replies', 'users.info']) {
      console.log(`  busiest minute of ${method}: ${busiestWindow(slack.calls, method)} calls`);
    }
    const withinTier = ['conversations.history', 'conversations.replies'].every((method) => busiestWindow(slack.calls, method) <= TIER_3);
    const ok = history.messages.length === MESSAGES && calls <= 1.05 * minimum && elapsedS <= 1.1 * boundS && withinTier;
    console.log(ok ? 'within targets' : 'OUTSIDE TARGETS');
    if (!ok) process.exitCode = 1;
  } finally {
    clock.stop();
    await slack.stop();
  }
}
