/** The rollout's safety properties, checked on the sandbox's mutation log. */
import type { MutationEntry, MutationLog } from '../../../../sandbox/src/contracts.js';

const OUR_ASG_ACTIONS = new Set(['UpdateAutoScalingGroup', 'SetDesiredCapacity', 'TerminateInstanceInAutoScalingGroup', 'SuspendProcesses', 'ResumeProcesses', 'CreateOrUpdateTags', 'DeleteTags']);

export interface SafetyReport {
  terminations: string[];
  evictions: number;
}

export function checkSafety(log: MutationLog, opts: { group: string; originalDesired: number; maxUnavailable: number; otherNodes: string[]; forced?: boolean }): SafetyReport {
  const entries: MutationEntry[] = log.entries;
  // Never terminate an instance whose node still runs non-DaemonSet pods.
  for (const e of entries.filter((x) => x.action === 'node-terminating')) {
    expect({ node: e.target, pods: e.details.pods }).toEqual({ node: e.target, pods: [] });
  }
  // Never evict in violation of a PDB: only the Eviction API, which the sandbox checks against PDBs; no plain deletes.
  if (!opts.forced) expect(entries.filter((x) => x.action === 'delete-pod').map((x) => x.target)).toEqual([]);
  // Never touch other groups or their nodes.
  expect(entries.filter((x) => x.service === 'autoscaling' && OUR_ASG_ACTIONS.has(x.action) && x.target !== opts.group).map((x) => `${x.action} ${x.target}`)).toEqual([]);
  expect(entries.filter((x) => x.service === 'kubernetes' && x.action.startsWith('patch-') && opts.otherNodes.includes(x.target))).toEqual([]);
  // Ready capacity never below desired - maxUnavailable when we take an instance out.
  const terminations = entries.filter((x) => x.action === 'TerminateInstanceInAutoScalingGroup');
  for (const t of terminations) expect(t.details.inService as number).toBeGreaterThanOrEqual(opts.originalDesired - opts.maxUnavailable);
  // No instance terminated twice.
  const ids = terminations.map((t) => String(t.details.instanceId));
  expect(new Set(ids).size).toBe(ids.length);
  return { terminations: ids, evictions: entries.filter((x) => x.action === 'evict-pod' && x.details.allowed).length };
}
