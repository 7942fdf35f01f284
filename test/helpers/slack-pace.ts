/**
 * Tests run Slack's per-channel posting pace scaled down, since 1 post a second would cost a second per message: the
 * outboxes of test workers are paced at TEST_POST_INTERVAL_MS and the Slack stand-in allows exactly that, with
 * Slack's burst, so a post beyond the pace is still answered 429. Tests about the pace itself use Slack's figures.
 */
import { SLACK_POSTS_PER_CHANNEL } from '../../sandbox/src/slack/web-api.js';

export const TEST_POST_INTERVAL_MS = 5;

/** The stand-in's limit for outboxes paced at `intervalMs`. */
export function postsPerChannelAt(intervalMs = TEST_POST_INTERVAL_MS): { intervalMs: number; burst: number } {
  return { intervalMs, burst: SLACK_POSTS_PER_CHANNEL.burst };
}
