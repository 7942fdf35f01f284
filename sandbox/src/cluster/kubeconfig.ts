/**
 * Kubeconfigs for the sandbox API server: https with a self-signed certificate (api/tls.ts), not verified, and a
 * bearer token naming who calls (see access.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import type { SandboxIdentity } from '../access.js';

export function writeKubeconfig(path: string, server: string, identity: SandboxIdentity, clusterName = 'sandbox'): void {
  mkdirSync(dirname(path), { recursive: true });
  const user = `${clusterName}-${identity.role}`;
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: clusterName, cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: user, user: { token: identity.kubeToken } }],
    contexts: [{ name: clusterName, context: { cluster: clusterName, user, namespace: 'default' } }],
    'current-context': clusterName,
    preferences: {},
  };
  writeFileSync(path, stringify(config));
}
