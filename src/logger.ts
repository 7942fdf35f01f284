import { pino, type Logger } from 'pino';

/** Paths pino blanks out wherever they appear, so a token in a logged object never reaches the log. */
export const REDACTED_PATHS = [
  'token',
  '*.token',
  'botToken',
  '*.botToken',
  'appToken',
  '*.appToken',
  'signingSecret',
  '*.signingSecret',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'secretAccessKey',
  '*.secretAccessKey',
  // A Redis error's failed command: `HELLO 3 AUTH <user> <password>`.
  'command.args',
  '*.command.args',
];

export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { app: 'deckhand' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}

export type { Logger };
