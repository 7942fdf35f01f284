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
     * EBS modification budget per volume. AWS now documents 4 per rolling 24 h, but DescribeVolumesModifications
     * shows only the latest modification, so the default keeps the older, stricter 1 per 6 h: a refused plan costs
     * a wait, a failed expansion leaves a claim stuck at a request it cannot take back. The API error stays authoritative.
     */
    modificationsPerWindow: z.number().int().positive().default(1),
    modificationWindow: durationSchema().prefault('6h'),
    /** Provisioners whose filesystem only grows when the pod mounts the volume again (the in-tree class in this fleet). */
    offlineProvisioners: z.array(z.string()).default(['kubernetes.io/aws-ebs']),
  })
  .strict();

export type ResizeSettings = z.output<typeof resizeSettingsSchema>;
