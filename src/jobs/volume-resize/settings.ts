/** `commands.resize.settings` in the policy file. Durations accept `90s`, `10m`, `1h` or milliseconds. */
import { z } from 'zod';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h)$/.exec(text.trim());
  return match ? Number(match[1]) * UNIT_MS[match[2]!]! : undefined;
}

const duration = (fallback: string) =>
  z
    .union([z.number().int().positive(), z.string()])
    .default(fallback)
    .transform((value, ctx) => {
      if (typeof value === 'number') return value;
      const ms = parseDuration(value);
      if (ms === undefined) ctx.addIssue({ code: 'custom', message: `not a duration: "${value}" (use e.g. 90s, 10m, 1h)` });
      return ms ?? 0;
    });

export const resizeSettingsSchema = z.object({
  /** How long to watch one claim before giving up (the resize itself continues in the cluster). */
  watchTimeout: duration('30m'),
  pollInterval: duration('10s'),
  /** A resize error that persists this long fails the run (the resizer retries transient ones by itself). */
  errorGrace: duration('2m'),
  /** An online expansion still waiting for the filesystem after this long is treated like an offline one. */
  onlineFilesystemGrace: duration('5m'),
  /**
   * EBS modification budget per volume. AWS now documents 4 per rolling 24 h, but DescribeVolumesModifications
   * shows only the latest modification, so the default keeps the older, stricter 1 per 6 h: a refused plan costs
   * a wait, a failed expansion leaves a claim stuck at a request it cannot take back. The API error stays authoritative.
   */
  modificationsPerWindow: z.number().int().positive().default(1),
  modificationWindow: duration('6h'),
  /** Provisioners whose filesystem only grows when the pod mounts the volume again (the in-tree class in this fleet). */
  offlineProvisioners: z.array(z.string()).default(['kubernetes.io/aws-ebs']),
});

export type ResizeSettings = z.output<typeof resizeSettingsSchema>;

/** The foundation may hand over parsed settings or nothing at all; parsing twice is harmless. */
export function resizeSettings(settings: unknown): ResizeSettings {
  return resizeSettingsSchema.parse(settings ?? {});
}
