/** For tests that need a message delivered before going on; the product only queues (docs/ARCHITECTURE.md principle 7). */
import { randomUUID } from 'node:crypto';
import type { MessageRef, OutboxMessage, SlackOutbox } from '../../src/integrations/slack/outbox.js';

/**
 * Queues a post, waits until this outbox has delivered everything it queued, and resolves with the post's ts, or
 * undefined when Slack refused it for good. Only for an outbox that is the sole deliverer of the channel.
 */
export async function postDelivered(outbox: SlackOutbox, channel: string, msg: OutboxMessage & { thread_ts?: MessageRef }): Promise<string | undefined> {
  const name = `test:${randomUUID()}`;
  await outbox.queuePost(channel, msg, { once: name });
  await outbox.settled();
  return outbox.messageTs(name);
}
