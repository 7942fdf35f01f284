/**
 * Samples the sandbox cluster at every change of its object store (each write the API server or a controller
 * makes, so no state a client could observe is missed) and keeps the lowest schedulable Ready capacity of a
 * group's nodes: Ready, not cordoned, no NoSchedule/NoExecute taint.
 */
import type { NodeObject } from '../../../../sandbox/src/cluster/objects.js';
import type { TestSandbox } from '../../../helpers/sandbox.js';

export interface CapacitySampler {
  /** The lowest capacity seen, the virtual time and the schedulable nodes then. */
  lowest(): { capacity: number; at: number; nodes: string[] };
  samples(): number;
  stop(): void;
}

export function schedulableNodes(env: TestSandbox, otherNodes: string[]): string[] {
  return env.cluster.model
    .list<NodeObject>('Node')
    .filter((n) => !otherNodes.includes(n.metadata.name))
    .filter((n) => n.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'))
    .filter((n) => !n.spec.unschedulable && !(n.spec.taints ?? []).some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute'))
    .map((n) => n.metadata.name);
}

export function sampleCapacity(env: TestSandbox, otherNodes: string[]): CapacitySampler {
  const first = schedulableNodes(env, otherNodes);
  let lowest = { capacity: first.length, at: env.clock.now(), nodes: first };
  let count = 1;
  const sample = () => {
    count++;
    const nodes = schedulableNodes(env, otherNodes);
    if (nodes.length < lowest.capacity) lowest = { capacity: nodes.length, at: env.clock.now(), nodes };
  };
  const unsubscribe = env.cluster.model.onChange(sample);
  return { lowest: () => lowest, samples: () => count, stop: () => void unsubscribe() };
}
