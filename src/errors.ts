/**
 * Errors have an audience and a retry class (docs/ARCHITECTURE.md principle 8).
 * - UserFacingError: safe to show verbatim in Slack; says what to do next.
 * - UsageError: a malformed command; carries a correct example.
 * - RefusalError: the plan or a step refuses on purpose; never retried (BullMQ UnrecoverableError).
 * - TransientError: worth retrying with backoff (throttling, timeouts, 5xx).
 * Anything else is internal: the user gets a short reference id, logs get the rest.
 *
 * An error raised because of another keeps it as `cause` (logs show both). Where the text a user reads was
 * chosen from the cause (Slack said not_in_channel, Route 53 kept throttling), the error also carries a
 * `code` naming that case, so callers and tests tell cases apart without reading the prose.
 */
export type ErrorCode =
  /** Slack: the bot is not a member of the channel it was asked to read. */
  | 'slack-not-in-channel'
  /** Slack: the channel does not exist or is private to the bot. */
  | 'slack-channel-not-found'
  /** Route 53 throttled a change batch past every retry. */
  | 'route53-throttled'
  /** Slack: user-group membership could not be read, so permissions could not be checked. */
  | 'slack-usergroups';

export interface ErrorDetails {
  code?: ErrorCode;
  cause?: unknown;
}

/** What every deckhand error has: an optional code and the error it was raised because of. */
abstract class DeckhandError extends Error {
  readonly code?: ErrorCode;
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    if (details.code) this.code = details.code;
  }
}

export class UserFacingError extends DeckhandError {
  override name = 'UserFacingError';
}

export class UsageError extends UserFacingError {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly example?: string,
  ) {
    super(message);
  }
}

export class RefusalError extends UserFacingError {
  override name = 'RefusalError';
}

/** Retried like any internal error (BullMQ's exponential backoff); the name says the retry is expected. */
export class TransientError extends DeckhandError {
  override name = 'TransientError';
}

/** Short id the user can quote; the log line carries the same id with the stack. */
export function errorReference(): string {
  return `ERR-${Date.now().toString(36).slice(-5)}${Math.random().toString(36).slice(2, 6)}`.toUpperCase();
}
