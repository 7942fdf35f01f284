/**
 * Where to reach a Redis pod: its pod IP and a named container port ('redis', 'sentinel'). Against a local
 * API server (the sandbox, kind, minikube) only loopback pod IPs are dialed: other pod IPs there are
 * simulated or unroutable, and dialing them would send traffic to addresses nobody here owns.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { PodView } from '../../integrations/kubernetes/pods.js';
import type { RedisAddress } from '../../integrations/redis-procedures/cluster.js';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[?::1\]?)$/;

export function apiServerIsLocal(kube: KubeConfig): boolean {
  const server = kube.getCurrentCluster()?.server;
  if (!server) return false;
  try {
    return LOOPBACK.test(new URL(server).hostname);
  } catch {
    return false;
  }
}

export function podAddress(pod: Pick<PodView, 'podIP' | 'ports'>, portName: 'redis' | 'sentinel', localOnly: boolean): RedisAddress | undefined {
  const port = pod.ports[portName];
  if (!pod.podIP || !port) return undefined;
  if (localOnly && !LOOPBACK.test(pod.podIP)) return undefined;
  return { host: pod.podIP, port };
}
