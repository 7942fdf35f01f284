/**
 * Cross-cutting Bolt middleware (docs/ARCHITECTURE.md principle 4): a request-scoped logger and an audit
 * record of every command. The audit write is started before the listener and awaited after it,
 * so it never delays the listener's ack().
 */
import type { AnyMiddlewareArgs, App, Middleware } from '@slack/bolt';
import { randomBytes } from 'node:crypto';
import type { AuditLog } from '../integrations/redis/audit.js';
import type { Logger } from '../logger.js';

const AUDITED_TEXT_LIMIT = 500;

export function requestContext(log: Logger, audit: AuditLog): Middleware<AnyMiddlewareArgs> {
  return async ({ body, context, next }) => {
    const b = body as { user_id?: string; user?: { id?: string }; channel_id?: string; command?: string; text?: string; type?: string };
    const user = b.user_id ?? b.user?.id;
    const requestId = randomBytes(4).toString('hex');
    const requestLog = log.child({ requestId, ...(user ? { user } : {}), ...(b.channel_id ? { channel: b.channel_id } : {}) });
    context.log = requestLog;
    let audited: Promise<unknown> = Promise.resolve();
    if (b.command) {
      const text = (b.text ?? '').slice(0, AUDITED_TEXT_LIMIT);
      audited = audit
        .append({ actor: user ?? 'unknown', action: 'command', target: text.split(/\s+/)[0] || '(empty)', details: { command: b.command, text, channel: b.channel_id } })
        .catch((err: unknown) => requestLog.error({ err }, 'audit append failed'));
    }
    try {
      await next();
    } finally {
      await audited;
    }
  };
}

export function register(app: App, log: Logger, audit: AuditLog): void {
  app.use(requestContext(log, audit));
}
