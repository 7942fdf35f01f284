/**
 * The bot's Slack requests wait out a 429's Retry-After and are sent again, each on its own, until Slack takes them
 * or the request's deadline (the WebClient's per-request timeout signal) passes. Slack allows chat.postMessage about
 * once a second per channel (docs/platform-facts.md): a burst of commands in one channel gets every plan card, a
 * little later, instead of failing after the WebClient's two retries; and unlike the WebClient's own 429 handling,
 * which pauses all its calls, a wait for one channel holds up no other channel.
 */
import { systemClock } from '../clock.js';

export function honouringRetryAfter(send: typeof fetch, onRetry: () => void = () => undefined): typeof fetch {
  return async (url, init) => {
    for (;;) {
      const response = await send(url, init);
      const seconds = response.status === 429 ? Number.parseInt(response.headers.get('retry-after') ?? '', 10) : Number.NaN;
      if (Number.isNaN(seconds)) return response;
      await response.body?.cancel();
      onRetry();
      // Slack's time is real time, whatever clock the jobs run on.
      await systemClock.sleep(seconds * 1000, init?.signal ?? undefined);
    }
  };
}
