/**
 * How deckhand reads and writes time, in one place: one duration grammar for the policy file and command flags,
 * one output style for durations, one for instants in text that is not Block Kit (Block Kit uses slackDate).
 *
 * Grammar: whole numbers with a unit (ms, s, m, h, d), run together: `500ms`, `90s`, `15m`, `1h30m`, `2d`.
 * Surrounding spaces are ignored. Style: at most two units, the second zero-padded and dropped
 * when zero (`45s`, `2m05s`, `15m`, `1h05m`, `2h`), so every duration deckhand writes also reads back.
 */
import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(?:\d+(?:ms|s|m|h|d))+$/;
const PART = /(\d+)(ms|s|m|h|d)/g;

export const DURATION_EXAMPLES = '90s, 15m or 1h30m';

/** Milliseconds, or undefined for text outside the grammar. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(PART)) total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  return total;
}

/**
 * A policy-file duration: text in the grammar, or a whole number of milliseconds (YAML numbers). Parses to
 * milliseconds; `min`/`max` bound it. Use `.prefault('15m')` for a default written like the file would.
 */
export function durationSchema(bounds: { min?: number; max?: number } = {}) {
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = bounds;
  const range = bounds.max === undefined ? `at least ${formatDuration(min)}` : `between ${formatDuration(min)} and ${formatDuration(max)}`;
  return z.union([z.string(), z.number()], { error: `must be a duration like ${DURATION_EXAMPLES}` }).transform((value, ctx) => {
    const ms = typeof value === 'number' ? (Number.isSafeInteger(value) && value > 0 ? value : undefined) : parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `must be a duration like ${DURATION_EXAMPLES}; got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    if (ms < min || ms > max) {
      ctx.addIssue({ code: 'custom', message: `must be ${range}` });
      return z.NEVER;
    }
    return ms;
  });
}

/** Rounded to the second, never negative: `45s`, `2m05s`, `15m`, `1h05m`, `26h`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const pair = (major: string, minor: number, minorUnit: string) => (minor > 0 ? `${major}${String(minor).padStart(2, '0')}${minorUnit}` : major);
  if (h > 0) return pair(`${h}h`, m, 'm');
  if (m > 0) return pair(`${m}m`, s, 's');
  return `${s}s`;
}

/** `2026-01-05 09:00 UTC`: minutes, with the zone stated, for text read outside Slack or in plain strings. */
export function formatUtc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
