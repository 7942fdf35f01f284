/**
 * Kubernetes calls share a kept-alive connection (src/integrations/clients.ts): client-node alone gives every
 * request a new HTTP dispatcher, so every call paid a new connection and TLS handshake.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { createClients } from '../../../src/integrations/clients.js';
import { selfSignedCertificate } from '../../../sandbox/src/cluster/api/tls.js';

describe('Kubernetes client connections', () => {
  let dir: string;
  let server: Server;
  let handshakes = 0;
  let kubeconfigPath: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'deckhand-kube-connections-'));
    server = createServer(selfSignedCertificate(dir), (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'NodeList', apiVersion: 'v1', metadata: {}, items: [] }));
    });
    server.on('secureConnection', () => handshakes++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    kubeconfigPath = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfigPath,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: `https://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  test('consecutive calls reuse their TLS connections', async () => {
    const api = createClients({ kubeconfigPath, region: 'us-east-1' }).kube.makeApiClient(CoreV1Api);
    for (let call = 0; call < 10; call++) await api.listNode();
    // undici's pool may open a second connection while the first is being released: a few, not one per call.
    expect(handshakes).toBeGreaterThan(0);
    expect(handshakes).toBeLessThan(5);
  });
});
