/**
 * Redis Sentinel commands for the rollout's typed procedure: SENTINEL FAILOVER, GET-MASTER-ADDR-BY-NAME,
 * SENTINEL REPLICAS (Sentinel's own view of each replica), SENTINEL RESET (drops stale replica addresses
 * instead of restarting Sentinel), and INFO (replication and uptime).
 */
import { parseInfo, withRedis, type RedisAddress } from './cluster.js';

export async function sentinelFailover(sentinel: RedisAddress, masterName: string): Promise<void> {
  await withRedis(sentinel, (r) => r.call('SENTINEL', 'FAILOVER', masterName));
}

export async function sentinelMasterAddress(sentinel: RedisAddress, masterName: string): Promise<RedisAddress | undefined> {
  const reply = (await withRedis(sentinel, (r) => r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName))) as string[] | null;
  if (!reply || reply.length < 2) return undefined;
  return { host: reply[0]!, port: Number(reply[1]) };
}

/** True while this Sentinel runs a failover of `masterName` (flag failover_in_progress of SENTINEL MASTER). */
export async function sentinelFailoverInProgress(sentinel: RedisAddress, masterName: string): Promise<boolean> {
  const flat = (await withRedis(sentinel, (r) => r.call('SENTINEL', 'MASTER', masterName))) as string[];
  const flags = flat[flat.indexOf('flags') + 1] ?? '';
  return flags.split(',').includes('failover_in_progress');
}

/** The quorum of every master this Sentinel monitors (SENTINEL MASTERS). */
export async function sentinelQuorums(sentinel: RedisAddress): Promise<number[]> {
  const masters = (await withRedis(sentinel, (r) => r.call('SENTINEL', 'MASTERS'))) as string[][];
  return masters.map((flat) => Number(flat[flat.indexOf('quorum') + 1]));
}

export async function sentinelReset(sentinel: RedisAddress, masterName: string): Promise<void> {
  await withRedis(sentinel, (r) => r.call('SENTINEL', 'RESET', masterName));
}

/** A replica as Sentinel sees it: what SENTINEL FAILOVER judges candidates by (docs/platform-facts.md#redis-sentinel). */
export interface SentinelReplicaView {
  address: RedisAddress;
  flags: string[];
  masterLinkOk: boolean;
  /** Milliseconds since Sentinel last read the replica's INFO. */
  infoRefreshMs: number;
}

export async function sentinelReplicas(sentinel: RedisAddress, masterName: string): Promise<SentinelReplicaView[]> {
  const reply = (await withRedis(sentinel, (r) => r.call('SENTINEL', 'REPLICAS', masterName))) as string[][];
  return reply.map((flat) => {
    const fields = new Map<string, string>();
    for (let i = 0; i + 1 < flat.length; i += 2) fields.set(String(flat[i]), String(flat[i + 1]));
    return {
      address: { host: fields.get('ip') ?? '', port: Number(fields.get('port')) },
      flags: (fields.get('flags') ?? '').split(','),
      masterLinkOk: fields.get('master-link-status') === 'ok',
      infoRefreshMs: Number(fields.get('info-refresh') ?? Infinity),
    };
  });
}

export interface ReplicationInfo {
  role: 'master' | 'replica';
  masterLinkUp: boolean;
  syncInProgress: boolean;
  connectedReplicas: number;
  masterAddress?: RedisAddress;
  uptimeMs: number;
}

export async function replicationInfo(address: RedisAddress): Promise<ReplicationInfo> {
  const info = parseInfo(String(await withRedis(address, (r) => r.call('INFO'))));
  return {
    uptimeMs: Number(info.uptime_in_seconds ?? 0) * 1000,
    role: info.role === 'master' ? 'master' : 'replica',
    masterLinkUp: info.master_link_status === 'up',
    syncInProgress: info.master_sync_in_progress === '1',
    connectedReplicas: Number(info.connected_slaves ?? 0),
    masterAddress: info.master_host ? { host: info.master_host, port: Number(info.master_port) } : undefined,
  };
}

/** A replica's sync is done when its link is up and no sync is in progress. */
export const replicaInSync = (r: ReplicationInfo) => r.role === 'replica' && r.masterLinkUp && !r.syncInProgress;

/**
 * Sentinel would promote this replica now: it is not down or disconnected in Sentinel's eyes, and Sentinel's
 * last INFO of it came from its current run (after a restart Sentinel judges it by an older INFO until its next
 * read, up to 10 s later, and refuses SENTINEL FAILOVER with NOGOODSLAVE meanwhile).
 */
export function sentinelWouldPromote(view: SentinelReplicaView | undefined, replica: ReplicationInfo): boolean {
  if (!view || view.flags.some((f) => f === 's_down' || f === 'o_down' || f === 'disconnected')) return false;
  return view.masterLinkOk && view.infoRefreshMs < replica.uptimeMs;
}
