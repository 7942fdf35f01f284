/**
 * A kubeconfig for the sandbox API server: plain http, a dummy token (the server does no auth). client-node 2
 * refuses an http:// server unless insecure-skip-tls-verify is set, so it is.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'yaml';

export function writeKubeconfig(path: string, server: string, clusterName = 'sandbox'): void {
  mkdirSync(dirname(path), { recursive: true });
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: clusterName, cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: `${clusterName}-admin`, user: { token: 'sandbox' } }],
    contexts: [{ name: clusterName, context: { cluster: clusterName, user: `${clusterName}-admin`, namespace: 'default' } }],
    'current-context': clusterName,
    preferences: {},
  };
  writeFileSync(path, stringify(config));
}
