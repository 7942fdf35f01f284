/** `commands.ptr-cleanup.settings` in the policy file, parsed once when the config loads. */
import { z } from 'zod';
import { scopeSchema } from '../scope.js';
import { parseCidr } from './ip.js';

function isRegex(text: string): boolean {
  try {
    new RegExp(text);
    return true;
  } catch {
    return false;
  }
}

export const ptrCleanupSettingsSchema = z
  .object({
    /** Records whose IP falls in one of these are never deleted (e.g. on-premises ranges behind a VPN). */
    protectedCidrs: z.array(z.string().refine((text) => parseCidr(text) !== undefined, 'must be a CIDR like 10.0.0.0/16')).default([]),
    /** Regular expressions on the PTR target (the record's values), e.g. `^db-`. */
    protectedPatterns: z.array(z.string().refine(isRegex, 'must be a valid regular expression')).default([]),
    /** Zones this command may touch, by id or name (globs allowed): naming another is refused, and a run over every reverse zone leaves the others alone. */
    zones: scopeSchema(),
    /** Zone ids or names never touched. */
    protectedZones: z.array(z.string()).default([]),
    /** Delete weighted/latency/failover/geo/multivalue records too (matched on every routing field). */
    allowRoutingPolicies: z.boolean().default(false),
    /** Above this many deletes the plan needs a second approver. */
    maxDeletesPerRun: z.number().int().positive().default(5000),
    /** Above this share of a zone's PTR records the plan needs a second approver. */
    maxZoneShare: z.number().gt(0).max(1).default(0.5),
    /** Route 53's account-wide request rate (5/s historically, 10/s for newer accounts), shared by every caller. */
    requestsPerSecond: z.number().positive().max(50).default(5),
  })
  .strict();

export type PtrCleanupSettings = z.output<typeof ptrCleanupSettingsSchema>;
