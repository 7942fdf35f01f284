/**
 * `commands.resize.settings` in the policy file, parsed once when the config loads. Durations accept `90s`,
 * `10m`, `1h` or milliseconds.
 */
import { z } from 'zod';
import { durationSchema } from '../../time.js';
import { scopeSchema } from '../scope.js';

export const resizeSettingsSchema = z
  .object({
    /** Namespaces whose claims this command may resize: names or globs (`team-*`); others are refused in the plan. */
    namespaces: scopeSchema(),
    /** How long to watch one claim before giving up (the resize itself continues in the cluster). */
    watchTimeout: durationSchema().prefault('30m'),
    pollInterval: durationSchema().prefault('10s'),
    /** A resize error that persists this long fails the run (the resizer retries transient ones by itself). */
    errorGrace: durationSchema().prefault('2m'),
    /** An online expansion still waiting for the filesystem after this long is treated like an offline one. */
    onlineFilesystemGrace: durationSchema().prefault('5m'),
    /**
     * EBS modification budget per volume: AWS's current rule, up to 4 modifications in a rolling 24 h
     * (docs/platform-facts.md#kubernetes-pvc-resize). The plan counts AWS's latest modification and deckhand's own
     * record of those it requested (modifications.ts); EBS's refusal stays authoritative at the edge.
     */
    modificationsPerWindow: z.number().int().positive().default(4),
    modificationWindow: durationSchema().prefault('24h'),
    /** Provisioners whose filesystem only grows when the pod mounts the volume again (the in-tree class in this fleet). */
    offlineProvisioners: z.array(z.string()).default(['kubernetes.io/aws-ebs']),
  })
  .strict();

export type ResizeSettings = z.output<typeof resizeSettingsSchema>;
