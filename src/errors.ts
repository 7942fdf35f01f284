/**
 * Errors have an audience and a retry class (docs/ARCHITECTURE.md principle 8).
 * - UserFacingError: safe to show verbatim in Slack; says what to do next.
 * - UsageError: a malformed command; carries a correct example.
 * - RefusalError: the plan or a step refuses on purpose; never retried (BullMQ UnrecoverableError).
 * - TransientError: worth retrying with backoff (throttling, timeouts, 5xx).
 * Anything else is internal: the user gets a short reference id, logs get the rest.
 */
export class UserFacingError extends Error {
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
export class TransientError extends Error {
  override name = 'TransientError';
}

/** Short id the user can quote; the log line carries the same id with the stack. */
export function errorReference(): string {
  return `ERR-${Date.now().toString(36).slice(-5)}${Math.random().toString(36).slice(2, 6)}`.toUpperCase();
}
