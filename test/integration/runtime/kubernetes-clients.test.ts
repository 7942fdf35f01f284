/**
 * Kubernetes clients as src/integrations/clients.ts makes them, against a small https server: calls share a
 * kept-alive connection (client-node alone gives every request a new HTTP dispatcher, so every call paid a new
 * connection and TLS handshake), and a rollout's second cluster (`--cluster`) gets the same call deadline and
 * metrics as the default one.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { createClients } from '../../../src/integrations/clients.js';
import { createMetrics } from '../../../src/integrations/metrics.js';
import { clientsForCluster } from '../../../src/jobs/rollout/index.js';
import { rolloutSettingsSchema } from '../../../src/jobs/rollout/settings.js';
import { selfSignedCertificate } from '../../../sandbox/src/cluster/api/tls.js';

const HANGS = 'hang-token';

describe('Kubernetes clients', () => {
  let dir: string;
  let server: Server;
  let handshakes = 0;
  let kubeconfigPath: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'deckhand-kube-connections-'));
    server = createServer(selfSignedCertificate(dir), (req, res) => {
      if (req.headers.authorization === `Bearer ${HANGS}`) return;
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
        users: [
          { name: 'u', user: { token: 't' } },
          { name: 'slow', user: { token: HANGS } },
        ],
        contexts: [
          { name: 'x', context: { cluster: 'c', user: 'u' } },
          { name: 'second', context: { cluster: 'c', user: 'slow' } },
        ],
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

  test("a rollout's second cluster is called with the default cluster's deadline and metrics", async () => {
    const metrics = createMetrics({ now: () => 0, sleep: async () => undefined });
    const clients = createClients({ kubeconfigPath, region: 'us-east-1', metrics, timeouts: { kubernetesCallMs: 300 } });
    const second = clientsForCluster(clients, rolloutSettingsSchema.parse({ clusters: { prod2: 'second' } }), 'prod2');
    await expect(second.kube.makeApiClient(CoreV1Api).listNode()).rejects.toThrow(/abort|timeout/i);
    const calls = await metrics.registry.getSingleMetric('deckhand_api_calls_total')!.get();
    expect(calls.values.map((v) => v.labels)).toContainEqual({ api: 'kubernetes', operation: 'listNode', outcome: 'failed' });
  });
});
