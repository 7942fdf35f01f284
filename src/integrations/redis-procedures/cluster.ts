/**
 * Redis Cluster commands for the rollout's typed procedure, over ioredis (one short connection per call):
 * ROLE, CLUSTER NODES, CLUSTER FAILOVER (sent to the replica; it only schedules the failover),
 * CLUSTER INFO (cluster_state and slot coverage), and for a temporary replica: CLUSTER MEET, REPLICATE,
 * RESET and FORGET.
 */
import { Redis } from 'ioredis';
import { CALL_TIMEOUTS } from '../call-deadlines.js';

/**
 * How to log in to a Redis: AUTH (a password, optionally an ACL user) and TLS. Never logged, audited or
 * checkpointed: it comes from a Kubernetes Secret each time (src/jobs/rollout/redis-address.ts).
 */
export interface RedisAccess {
  username?: string;
  password?: string;
  /** TLS on; `ca` (PEM) replaces the system CAs, `servername` is the name the certificate must carry (default: the host). */
  tls?: { ca?: string; servername?: string };
}

export interface RedisAddress {
  host: string;
  port: number;
  /** The access of the node the address was read from: nodes of one replication set or cluster share it. */
  access?: RedisAccess;
}

export const addressText = (a: RedisAddress) => `${a.host}:${a.port}`;

/** A peer learned from `from` (ROLE, CLUSTER NODES, Sentinel), reached with the same access. */
const peerOf = (from: RedisAddress, host: string, port: number): RedisAddress => ({ host, port, access: from.access });

/** Run `fn` on a fresh connection that fails fast instead of queueing while Redis is down. */
export async function withRedis<T>(address: RedisAddress, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const { username, password, tls } = address.access ?? {};
  const redis = new Redis({
    host: address.host,
    port: address.port,
    username,
    password,
    tls: tls && { ca: tls.ca, servername: tls.servername },
    lazyConnect: true,
    connectTimeout: CALL_TIMEOUTS.connectMs,
    commandTimeout: CALL_TIMEOUTS.redisCommandMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // ioredis reports why it closed the connection (NOAUTH on its HELLO, a TLS or socket error) only as an event.
  let cause: unknown;
  redis.on('error', (error) => (cause = error));
  try {
    await redis.connect();
    return await fn(redis);
  } catch (error) {
    throw cause && /Connection is closed/.test(String(error)) ? cause : error;
  } finally {
    redis.disconnect();
  }
}

export type Role = { role: 'master'; replicas: RedisAddress[] } | { role: 'replica'; master: RedisAddress; linkState: string } | { role: 'sentinel' };

export async function readRole(address: RedisAddress): Promise<Role> {
  const reply = (await withRedis(address, (r) => r.call('ROLE'))) as unknown[];
  const kind = String(reply[0]);
  if (kind === 'master') {
    const replicas = ((reply[2] ?? []) as unknown[][]).map((entry) => peerOf(address, String(entry[0]), Number(entry[1])));
    return { role: 'master', replicas };
  }
  if (kind === 'slave') return { role: 'replica', master: peerOf(address, String(reply[1]), Number(reply[2])), linkState: String(reply[3]) };
  return { role: 'sentinel' };
}

export interface ClusterNode {
  id: string;
  address: RedisAddress;
  flags: string[];
  masterId?: string;
  slots: number;
  connected: boolean;
}

/** Parses `CLUSTER NODES`: `<id> <ip:port@cport> <flags> <master> <ping> <pong> <epoch> <link> <slot>...`. */
export function parseClusterNodes(text: string): ClusterNode[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [id, addr, flags, master, , , , link, ...slots] = line.split(' ');
      const [hostPort] = (addr ?? '').split('@');
      const cut = (hostPort ?? '').lastIndexOf(':');
      const slotCount = slots
        .filter((s) => !s.startsWith('['))
        .reduce((sum, s) => {
          const [from, to] = s.split('-').map(Number);
          return sum + (to === undefined ? 1 : to - from! + 1);
        }, 0);
      return {
        id: id ?? '',
        address: { host: (hostPort ?? '').slice(0, cut), port: Number((hostPort ?? '').slice(cut + 1)) },
        flags: (flags ?? '').split(','),
        masterId: master && master !== '-' ? master : undefined,
        slots: slotCount,
        connected: link === 'connected',
      };
    });
}

export async function clusterNodes(address: RedisAddress): Promise<ClusterNode[]> {
  const nodes = parseClusterNodes(String(await withRedis(address, (r) => r.call('CLUSTER', 'NODES'))));
  return nodes.map((n) => ({ ...n, address: peerOf(address, n.address.host, n.address.port) }));
}

/** Sent to a replica: a coordinated failover (the primary pauses clients until the replica caught up). */
export async function clusterFailover(replica: RedisAddress): Promise<void> {
  await withRedis(replica, (r) => r.call('CLUSTER', 'FAILOVER'));
}

export async function clusterMyId(address: RedisAddress): Promise<string> {
  return String(await withRedis(address, (r) => r.call('CLUSTER', 'MYID')));
}

/** Sent to a new, empty node: it handshakes with `peer` and learns the rest of the cluster by gossip. */
export async function clusterMeet(address: RedisAddress, peer: RedisAddress): Promise<void> {
  await withRedis(address, (r) => r.call('CLUSTER', 'MEET', peer.host, String(peer.port)));
}

/** Sent to an empty node that already knows `primaryId`: it becomes that primary's replica and syncs. */
export async function clusterReplicate(address: RedisAddress, primaryId: string): Promise<void> {
  await withRedis(address, (r) => r.call('CLUSTER', 'REPLICATE', primaryId));
}

/** HARD: the node drops its data and peers and takes a new id, so it can no longer gossip its old one back. */
export async function clusterResetHard(address: RedisAddress): Promise<void> {
  await withRedis(address, (r) => r.call('CLUSTER', 'RESET', 'HARD'));
}

/** True when the node forgot `nodeId` now or never knew it. Bans the id from gossip for 60 s on that node. */
export async function clusterForget(address: RedisAddress, nodeId: string): Promise<boolean> {
  try {
    await withRedis(address, (r) => r.call('CLUSTER', 'FORGET', nodeId));
    return true;
  } catch (error) {
    return /unknown node/i.test(String(error));
  }
}

export interface ClusterHealth {
  ok: boolean;
  slotsAssigned: number;
  slotsOk: number;
  knownNodes: number;
}

export function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const cut = line.indexOf(':');
    if (cut > 0 && !line.startsWith('#')) fields[line.slice(0, cut)] = line.slice(cut + 1).trim();
  }
  return fields;
}

export async function clusterHealth(address: RedisAddress): Promise<ClusterHealth> {
  const info = parseInfo(String(await withRedis(address, (r) => r.call('CLUSTER', 'INFO'))));
  return {
    ok: info.cluster_state === 'ok',
    slotsAssigned: Number(info.cluster_slots_assigned ?? 0),
    slotsOk: Number(info.cluster_slots_ok ?? 0),
    knownNodes: Number(info.cluster_known_nodes ?? 0),
  };
}

/** cluster_state:ok and all 16384 slots assigned and served. */
export const fullyCovered = (h: ClusterHealth) => h.ok && h.slotsAssigned === 16384 && h.slotsOk === 16384;

/** Every node `address` knows sees the whole cluster ok (like `redis-cli --cluster check`), not just this one. */
export async function coveredOnEveryNode(address: RedisAddress): Promise<boolean> {
  const nodes = await clusterNodes(address);
  const healths = await Promise.all(nodes.map((n) => clusterHealth(n.flags.includes('myself') ? address : n.address)));
  return healths.every(fullyCovered);
}
