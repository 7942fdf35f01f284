/**
 * Kubernetes port for Secrets: one named Secret's values, decoded. Only the worker reads Secrets, and only the
 * ones its RBAC names (deploy/kubernetes/overlays/example/redis-access.yaml). Values are never logged.
 */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { ifFound } from './api-errors.js';

/** The Secret's keys and their decoded values, or undefined when it does not exist. */
export async function readSecretValues(kube: KubeConfig, namespace: string, name: string): Promise<Record<string, string> | undefined> {
  const secret = await ifFound(kube.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace, name }));
  if (!secret) return undefined;
  const values: Record<string, string> = { ...secret.stringData };
  for (const [key, value] of Object.entries(secret.data ?? {})) values[key] = Buffer.from(value, 'base64').toString('utf8');
  return values;
}
