/**
 * `commands.rollout.settings` in the policy file. Every field has a default, so an absent block is valid.
 * Durations are written like '15m', '90s', '1h' and stored in milliseconds.
 */
import { z } from 'zod';
import type { RolloutSettingsValue } from './types.js';

const DURATION = /^(\d+)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** '15m' -> 900000; undefined for anything else. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

const duration = z.string().refine((s) => parseDuration(s) !== undefined, { message: "a duration like '15m', '90s' or '1h'" });

export const rolloutSettingsSchema = z.object({
  /** New nodes per wave. Absent: every outdated node in one AZ-balanced wave (see plan.ts chooseSurge). */
  surge: z.number().int().min(1).optional(),
  maxUnavailable: z.number().int().min(0).default(1),
  drainTimeout: duration.default('15m'),
  nodeReadyTimeout: duration.default('10m'),
  autoscalerMode: z.enum(['annotate', 'scale-to-zero']).default('annotate'),
  taintKey: z.string().min(1).default('deckhand.dev/rollout'),
  cordon: z.boolean().default(false),
  excludeFromLbLabel: z.boolean().default(true),
  /** After moving a Sentinel master, make it master again once it is back in sync (the seed's procedure). */
  redisFailBack: z.boolean().default(false),
  /** Cluster name -> kubeconfig context. */
  clusters: z.record(z.string(), z.string()).optional(),
  /** Inputs of the duration model (plan.ts estimateDuration). */
  estimate: z
    .object({
      nodeReadySeconds: z.number().positive().default(55),
      podStartSeconds: z.number().positive().default(10),
      apiSeconds: z.number().min(0).default(5),
    })
    .default({ nodeReadySeconds: 55, podStartSeconds: 10, apiSeconds: 5 }),
});

export function resolveSettings(raw: unknown): RolloutSettingsValue {
  const parsed = rolloutSettingsSchema.parse(raw ?? {});
  return {
    surge: parsed.surge,
    maxUnavailable: parsed.maxUnavailable,
    drainTimeoutMs: parseDuration(parsed.drainTimeout)!,
    nodeReadyTimeoutMs: parseDuration(parsed.nodeReadyTimeout)!,
    autoscalerMode: parsed.autoscalerMode,
    taintKey: parsed.taintKey,
    cordon: parsed.cordon,
    excludeFromLbLabel: parsed.excludeFromLbLabel,
    redisFailBack: parsed.redisFailBack,
    clusters: parsed.clusters,
    estimate: parsed.estimate,
  };
}
