/**
 * `commands.rollout.settings` in the policy file, parsed once when the config loads. Every field has a default,
 * so an absent block is valid. Durations are written like '15m', '90s', '1h' and held in milliseconds.
 */
import { z } from 'zod';
import { durationSchema } from '../../time.js';
import { scopeSchema } from '../scope.js';

export const rolloutSettingsSchema = z
  .object({
    /** New nodes per wave. Absent: every outdated node in one AZ-balanced wave (see plan.ts chooseSurge). */
    surge: z.number().int().min(1).optional(),
    maxUnavailable: z.number().int().min(0).default(1),
    drainTimeout: durationSchema().prefault('15m'),
    nodeReadyTimeout: durationSchema().prefault('10m'),
    autoscalerMode: z.enum(['annotate', 'scale-to-zero']).default('annotate'),
    taintKey: z.string().min(1).default('deckhand.dev/rollout'),
    cordon: z.boolean().default(false),
    excludeFromLbLabel: z.boolean().default(true),
    /** After moving a Sentinel master, make it master again once it is back in sync (the seed's procedure). */
    redisFailBack: z.boolean().default(false),
    /** Auto Scaling groups this command may roll: names or globs (`eks-prod-*`); others are refused in the plan. */
    groups: scopeSchema(),
    /** Upper bounds of the flags: a plan asking for more is refused. */
    limits: z
      .object({
        surge: z.number().int().min(1).default(20),
        maxUnavailable: z.number().int().min(0).default(3),
        drainTimeout: durationSchema().prefault('2h'),
      })
      .strict()
      .prefault({}),
    /** Cluster name -> kubeconfig context. */
    clusters: z.record(z.string(), z.string()).optional(),
    /** Defaults of the duration model (estimate.ts), used where the group shows no history. */
    estimate: z
      .object({
        nodeReadySeconds: z.number().positive().default(55),
        podStartSeconds: z.number().positive().default(10),
        apiSeconds: z.number().min(0).default(5),
        redisMoveSeconds: z.number().min(0).default(15),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .transform(({ drainTimeout, nodeReadyTimeout, ...rest }) => ({ ...rest, drainTimeoutMs: drainTimeout, nodeReadyTimeoutMs: nodeReadyTimeout }));

export type RolloutSettings = z.output<typeof rolloutSettingsSchema>;
