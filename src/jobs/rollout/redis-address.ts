/**
 * Where and how to reach a Redis pod: its pod IP, a named container port ('redis', 'sentinel'), and its access
 * (AUTH and TLS) from the pod's annotations. Against a local API server (the sandbox, kind, minikube) only
 * loopback pod IPs are dialed: other pod IPs there are simulated or unroutable, and dialing them would send
 * traffic to addresses nobody here owns. A pod that cannot be reached is reported with the reason, so the
 * procedures stop and ask instead of guessing: an unknown role is never taken for "not a master".
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { PodView } from '../../integrations/kubernetes/pods.js';
import { readSecretValues } from '../../integrations/kubernetes/secrets.js';
import type { RedisAccess, RedisAddress } from '../../integrations/redis-procedures/cluster.js';

/** A Secret in the pod's namespace: key `password` (required), `username` (an ACL user), `ca.crt` (TLS CA, PEM). */
export const REDIS_AUTH_SECRET_ANNOTATION = 'deckhand.dev/redis-auth-secret';
/** `"true"`: TLS, certificate checked against the pod IP; any other value: the name the certificate must carry. */
export const REDIS_TLS_ANNOTATION = 'deckhand.dev/redis-tls';

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

export type Reach = { address: RedisAddress } | { unreachable: string };

type ReachablePod = Pick<PodView, 'namespace' | 'name' | 'podIP' | 'ports' | 'annotations'>;

/**
 * The pod's address with its access. `kube` reads the AUTH Secret (the worker); without it (the bot, which reads
 * no Secrets) a pod that names one is reported unreachable, so its role is checked at run time.
 */
export async function reachPod(pod: ReachablePod, portName: 'redis' | 'sentinel', localOnly: boolean, kube?: KubeConfig): Promise<Reach> {
  if (!pod.ports[portName]) return { unreachable: `no container port named "${portName}"` };
  if (!pod.podIP) return { unreachable: 'no pod IP yet' };
  const address = podAddress(pod, portName, localOnly);
  if (!address) return { unreachable: `pod IP ${pod.podIP} is not reachable from here (the API server is local: only loopback pod IPs are dialed)` };
  const secretName = pod.annotations[REDIS_AUTH_SECRET_ANNOTATION];
  const tlsName = pod.annotations[REDIS_TLS_ANNOTATION];
  let values: Record<string, string> = {};
  if (secretName) {
    if (!kube) return { unreachable: `AUTH from Secret ${pod.namespace}/${secretName}: checked with the worker's access when the pod moves` };
    let read: Record<string, string> | undefined;
    try {
      read = await readSecretValues(kube, pod.namespace, secretName);
    } catch (error) {
      return { unreachable: `cannot read Secret ${pod.namespace}/${secretName} (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); deckhand-worker needs get on it (docs/permissions.md)` };
    }
    if (!read) return { unreachable: `Secret ${pod.namespace}/${secretName} (annotation ${REDIS_AUTH_SECRET_ANNOTATION}) does not exist` };
    if (!read.password) return { unreachable: `Secret ${pod.namespace}/${secretName} has no key "password"` };
    values = read;
  }
  const access: RedisAccess = {
    username: values.username || undefined,
    password: values.password,
    tls: tlsName ? { ca: values['ca.crt'], servername: tlsName === 'true' ? undefined : tlsName } : undefined,
  };
  return { address: secretName || tlsName ? { ...address, access } : address };
}

/** A Redis error in words a person can act on: what the failure usually means and where to fix it. */
export function explainRedisError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  if (/NOAUTH|WRONGPASS|invalid password|AUTH failed/i.test(text)) {
    return `${text} (it requires AUTH: name a Secret with its password in the pod annotation ${REDIS_AUTH_SECRET_ANNOTATION})`;
  }
  if (/ETIMEDOUT|timed? ?out/i.test(text)) return `${text} (no answer: a NetworkPolicy may drop deckhand's traffic, see deploy/kubernetes/overlays/example/redis-access.yaml)`;
  if (/ECONNRESET|Connection is closed|socket hang up|wrong version number|EPROTO/i.test(text)) {
    return `${text} (the connection was closed: if it speaks TLS, set the pod annotation ${REDIS_TLS_ANNOTATION})`;
  }
  return text;
}
