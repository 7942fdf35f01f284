/**
 * Redis as users deploy it, for the store, lock and queue suites (`describe.each(REDIS_TOPOLOGIES)`):
 * - standalone: the suite's private redis-server (REDIS_URL, test/global-setup.js);
 * - tls: a standalone redis-server that only speaks TLS, with a self-signed certificate made here by openssl;
 * - sentinel: a master, a replica and three Sentinels (quorum 2), reached only through the Sentinels;
 * - cluster: a Redis Cluster of three primaries, reached through one seed node.
 * Each is started from the redis-server binary with the sandbox's process helpers, per suite (beforeAll), and
 * stopped with it. REDIS_TOPOLOGY=standalone,cluster narrows the list (all four by default).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedis, type RedisConnection } from '../../src/integrations/redis/connections.js';
import { bootstrapCluster } from '../../sandbox/src/cluster/redis/cluster-bootstrap.js';
import { allocatePorts, releasePorts } from '../../sandbox/src/cluster/redis/ports.js';
import { pollRedis, RedisProcess, withRedis } from '../../sandbox/src/cluster/redis/process.js';
import { REDIS_URL } from './redis-prefix.js';

export type TopologyName = 'standalone' | 'tls' | 'sentinel' | 'cluster';
const ALL: TopologyName[] = ['standalone', 'tls', 'sentinel', 'cluster'];

export const REDIS_TOPOLOGIES: TopologyName[] = (() => {
  const names = (process.env.REDIS_TOPOLOGY ?? ALL.join(',')).split(',').filter(Boolean);
  const unknown = names.filter((n) => !ALL.includes(n as TopologyName));
  if (unknown.length > 0) throw new Error(`REDIS_TOPOLOGY: unknown ${unknown.join(', ')}; known: ${ALL.join(', ')}`);
  return names as TopologyName[];
})();

export const MASTER_NAME = 'deckhand-master';
/** The Sentinel group requires both passwords, as production ones do: the data nodes' and the Sentinels' own. */
export const DATA_PASSWORD = 'data-pw-secret';
export const SENTINEL_PASSWORD = 'sentinel-pw-secret';
/** Real milliseconds (Redis runs in real time): how long a silent master takes to be declared down. */
const DOWN_AFTER_MS = 1000;

export interface RedisTopology {
  name: TopologyName;
  connection: RedisConnection;
  /** Sentinel only: the data nodes' ports, master first at start, and each one's process. */
  data?: { port: number; process: RedisProcess }[];
  sentinelPorts?: number[];
  stop(): Promise<void>;
}

const BASE_ARGS = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'];
const AUTH_ARGS = ['--replica-announce-ip', '127.0.0.1', '--requirepass', DATA_PASSWORD, '--masterauth', DATA_PASSWORD];

export async function startRedisTopology(name: TopologyName): Promise<RedisTopology> {
  if (name === 'standalone') return { name, connection: { mode: 'standalone', url: REDIS_URL }, stop: async () => undefined };
  const dir = mkdtempSync(join(tmpdir(), `deckhand-redis-${name}-`));
  const processes: RedisProcess[] = [];
  const ports: number[] = [];
  const stop = async () => {
    await Promise.all(processes.map((p) => p.stop()));
    releasePorts(ports);
    rmSync(dir, { recursive: true, force: true });
  };
  const start = async (port: number, args: string[]) => {
    const proc = new RedisProcess(port, args);
    processes.push(proc);
    await proc.ready(15_000);
    return proc;
  };
  try {
    if (name === 'tls') {
      const [port] = await allocatePorts(1);
      ports.push(port!);
      const cert = join(dir, 'cert.pem');
      const key = join(dir, 'key.pem');
      // The certificate names the address clients dial, so hostname verification stays on.
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
      // RedisProcess.ready() pings over plain TCP; a TLS-only server is ready once it accepts the handshake.
      const proc = new RedisProcess(port!, ['--port', '0', '--tls-port', String(port), '--tls-cert-file', cert, '--tls-key-file', key, '--tls-auth-clients', 'no', ...BASE_ARGS]);
      processes.push(proc);
      const ca = readFileSync(cert, 'utf8');
      const connection: RedisConnection = { mode: 'standalone', url: `rediss://127.0.0.1:${port}`, tls: { caFile: cert, ca } };
      if (!(await pollRedis(async () => {
        const client = createRedis(connection, 'general');
        try {
          return (await client.ping()) === 'PONG';
        } finally {
          client.disconnect();
        }
      }, 15_000))) throw new Error('TLS redis-server did not answer');
      return { name, connection, stop };
    }
    if (name === 'cluster') {
      ports.push(...(await allocatePorts(3)));
      await Promise.all(ports.map((port) => start(port, ['--port', String(port), ...BASE_ARGS, '--dir', dir, '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '3000', '--cluster-announce-ip', '127.0.0.1'])));
      await bootstrapCluster(ports, 3);
      return { name, connection: { mode: 'cluster', nodes: [{ host: '127.0.0.1', port: ports[0]! }] }, stop };
    }
    ports.push(...(await allocatePorts(5)));
    const [master, replica, ...sentinels] = ports as [number, number, ...number[]];
    const data = [
      // --dir: a replica's full sync writes an RDB file, which would otherwise land in the working directory.
      { port: master, process: await start(master, ['--port', String(master), ...BASE_ARGS, '--dir', dir, ...AUTH_ARGS]) },
      { port: replica, process: await start(replica, ['--port', String(replica), ...BASE_ARGS, '--dir', dir, ...AUTH_ARGS, '--replicaof', '127.0.0.1', String(master)]) },
    ];
    // A Sentinel learns the replicas from the master's INFO: start them once the replica is linked.
    const linked = await pollRedis(async () => /master_link_status:up/.test(await withRedis(replica, (c) => c.info('replication'), DATA_PASSWORD)), 15_000);
    if (!linked) throw new Error('sentinel topology: the replica did not sync');
    for (const port of sentinels) {
      const conf = join(dir, `sentinel-${port}.conf`);
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `requirepass ${SENTINEL_PASSWORD}`,
          `sentinel sentinel-pass ${SENTINEL_PASSWORD}`,
          `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master} 2`,
          `sentinel auth-pass ${MASTER_NAME} ${DATA_PASSWORD}`,
          `sentinel down-after-milliseconds ${MASTER_NAME} ${DOWN_AFTER_MS}`,
          `sentinel failover-timeout ${MASTER_NAME} 5000`,
          '',
        ].join('\n'),
      );
      await start(port, [conf, '--sentinel']);
    }
    const connection: RedisConnection = {
      mode: 'sentinel',
      sentinels: sentinels.map((port) => ({ host: '127.0.0.1', port })),
      masterName: MASTER_NAME,
      password: DATA_PASSWORD,
      sentinelPassword: SENTINEL_PASSWORD,
    };
    return { name, connection, data, sentinelPorts: sentinels, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The master's port as every Sentinel reports it, once they agree. */
export async function sentinelMaster(topology: RedisTopology): Promise<number | undefined> {
  const answers = await Promise.all(
    topology.sentinelPorts!.map((port) => withRedis(port, (c) => c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME) as Promise<string[] | null>, SENTINEL_PASSWORD).catch(() => null)),
  );
  const masters = new Set(answers.map((a) => a?.[1]));
  return masters.size === 1 && answers[0]?.[1] ? Number(answers[0][1]) : undefined;
}

/** The environment that makes deckhand's process connect to this topology (README "Redis"). */
export function topologyEnv(topology: RedisTopology): Record<string, string> {
  const c = topology.connection;
  const hosts = (list: { host: string; port: number }[]) => list.map((h) => `${h.host}:${h.port}`).join(',');
  const tls: Record<string, string> = c.tls?.caFile ? { REDIS_TLS_CA_FILE: c.tls.caFile } : {};
  if (c.mode === 'standalone') return { REDIS_URL: c.url, ...tls };
  const common = { ...(c.password ? { REDIS_PASSWORD: c.password } : {}), ...(c.tls ? { REDIS_TLS: 'true' } : {}), ...tls };
  if (c.mode === 'cluster') return { REDIS_CLUSTER_NODES: hosts(c.nodes), ...common };
  return { REDIS_SENTINELS: hosts(c.sentinels), REDIS_SENTINEL_MASTER: c.masterName, ...(c.sentinelPassword ? { REDIS_SENTINEL_PASSWORD: c.sentinelPassword } : {}), ...common };
}
