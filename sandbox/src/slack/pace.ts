/** How a client's recorded Slack calls sit against Slack's per-method rate tiers (tests and `npm run bench`). */
import type { RecordedCall } from './web-api.js';

/** The most calls of `method` in any `windowMs` window (sliding, by recorded time). */
export function busiestWindow(calls: RecordedCall[], method: string, windowMs = 60_000): number {
  const times = calls.filter((c) => c.method === method).map((c) => c.at);
  let most = 0;
  for (let first = 0, last = 0; last < times.length; last++) {
    while (times[last]! - times[first]! >= windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}
