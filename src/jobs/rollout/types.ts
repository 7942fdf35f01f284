/**
 * Data shapes of the rollout job kind: what observe reads, what the pure planner returns,
 * and the run state kept in the job's checkpoint. Plain JSON only (checkpoints and stored plans).
 * What observe reads as the ports return it reuses the ports' shapes.
 */
import type { CompletedLaunch, GroupInstance, GroupView } from '../../integrations/aws/auto-scaling.js';
import type { NodeView } from '../../integrations/kubernetes/nodes.js';
import type { OwnerRef, PdbView, PodView, WorkloadView } from '../../integrations/kubernetes/pods.js';
import type { StepContext } from '../kind.js';
import type { RolloutSettings } from './settings.js';

export interface RolloutArgs {
  group: string;
  /** A numbered launch template version ('3') or an AMI id; undefined = the group's configured version. */
  to?: string;
  surge?: number;
  maxUnavailable?: number;
  canary: boolean;
  drainTimeoutMs?: number;
  dryRun: boolean;
  cluster?: string;
}

export type RedisProcedure = 'redis-sentinel' | 'redis-cluster';
export type RedisRole = 'master' | 'replica' | 'unknown';

export interface ObservedInstance extends GroupInstance {
  imageId?: string;
}

export interface ObservedGroup extends Omit<GroupView, 'instances'> {
  instances: ObservedInstance[];
}

/** The launch template version the rollout moves the group to, resolved to a number and an AMI. */
export interface ResolvedTarget {
  launchTemplateId: string;
  version: string;
  imageId: string;
  /** The group's configured version before the rollout (kept for rollback and cleanup tags). */
  groupVersion: string;
  /** The instance type the target version launches (undefined when it names none). */
  instanceType?: string;
}

export type ObservedNode = NodeView;

export type Controller = OwnerRef;

export interface ObservedPod extends Pick<PodView, 'namespace' | 'name' | 'nodeName' | 'phase' | 'ready' | 'labels' | 'annotations' | 'hasEmptyDir' | 'graceSeconds' | 'startedAt' | 'readySince'> {
  /** Top controller (ReplicaSet resolved to its Deployment); undefined for a bare pod. */
  controller?: Controller;
  procedure?: RedisProcedure;
  redisRole?: RedisRole;
  /** Why the role is unknown (unreachable, AUTH, TLS, ...). */
  redisProblem?: string;
}

export type ObservedPdb = PdbView;

export type ObservedWorkload = Omit<WorkloadView, 'observed'>;

export interface RolloutObserved {
  group: ObservedGroup;
  /** Undefined when the group has no launch template or the requested --to cannot be resolved. */
  target?: ResolvedTarget;
  targetError?: string;
  /** Status of an Instance Refresh that is Pending/InProgress/Cancelling, if any. */
  activeInstanceRefresh?: string;
  nodes: ObservedNode[];
  pods: ObservedPod[];
  pdbs: ObservedPdb[];
  workloads: ObservedWorkload[];
  /** The group's recent successful launches: what the estimate learns node boot times from. */
  launches: CompletedLaunch[];
  /** On-demand hourly prices of the old and new instance types, read only when the target changes the type. */
  instancePrices?: InstancePrices;
}

export interface InstancePrices {
  region: string;
  /** USD per hour by instance type; a type the Price List does not price is absent. */
  hourly: Record<string, number>;
  /** Why prices could not be read at all (the Price List failed). */
  unavailable?: string;
}

export interface PlanPod {
  namespace: string;
  name: string;
  controller?: Controller;
  daemonSet: boolean;
  procedure?: RedisProcedure;
  redisRole?: RedisRole;
  redisProblem?: string;
  hasEmptyDir: boolean;
  graceSeconds: number;
  pdbs: string[];
}

export interface PlanNode {
  instanceId: string;
  availabilityZone: string;
  nodeName?: string;
  pods: PlanPod[];
}

export interface Wave {
  index: number;
  canary: boolean;
  instanceIds: string[];
}

export type RiskKind =
  | 'pdb-blocking'
  | 'single-replica'
  | 'bare-pod'
  | 'empty-dir'
  | 'redis-sentinel-master'
  | 'redis-cluster-primary'
  | 'redis-unverified'
  | 'redis-order'
  | 'capacity'
  | 'no-node'
  | 'deckhand-itself';

export interface Risk {
  kind: RiskKind;
  subject: string;
  detail: string;
}

export interface Estimate {
  totalSeconds: number;
  waveSeconds: number[];
  model: string;
  /** What each input of the model rests on: the group's history, or a stated default. */
  basis: string[];
}

/** The settings a plan carries as they were when it was made (the run follows the plan, not today's settings). */
type PlannedSettings = 'maxUnavailable' | 'drainTimeoutMs' | 'nodeReadyTimeoutMs' | 'autoscalerMode' | 'taintKey' | 'cordon' | 'excludeFromLbLabel' | 'redisFailBack';

export interface RolloutPlan extends Pick<RolloutSettings, PlannedSettings> {
  group: string;
  cluster?: string;
  target: ResolvedTarget;
  /** The numbered version the outdated instances run, when they all run one (what a rollback returns to). */
  rollbackVersion?: string;
  original: { desired: number; min: number; max: number; suspendedProcesses: string[] };
  /** Every instance of the group at plan time: new instances are the ones not in this list. */
  instanceIdsAtPlan: string[];
  surge: number;
  temporaryMaxSize: number;
  canary: boolean;
  nodes: PlanNode[];
  waves: Wave[];
  risks: Risk[];
  estimate: Estimate;
  /** When the target changes the instance type: the monthly on-demand cost change of the replaced nodes. */
  costChange?: CostChange;
}

export interface CostChange {
  /** e.g. `m5.large → c5.large` (several old types joined with `, `). */
  change: string;
  count: number;
  region: string;
  /** USD a month, new minus old; undefined when it could not be priced (`unknown` says why). */
  monthlyDelta?: number;
  unknown?: string;
}

export interface WaveState {
  /** Desired capacity this wave sets; recorded before the call so a resumed run sets the same value. */
  targetDesired?: number;
  /** How many new instances this wave launches. */
  launched?: number;
  /** New instances this wave launched (claimed once InService). */
  newInstanceIds: string[];
  startedAt?: number;
  finishedAt?: number;
}

export interface RolloutState {
  /** The plan id this run locked the group with (cleanup touches only what this run owns). */
  runId?: string;
  startedAt?: number;
  /** What the run changed and must restore (also mirrored as tags on the group). */
  recorded?: {
    suspendedByUs: string[];
    autoscalerReplicas?: number;
    /** The group's launch template version as configured before the run (`$Latest` stays `$Latest`). */
    launchTemplateVersion?: string;
    annotatedNodes: string[];
  };
  waves: Record<number, WaveState>;
  /** Instances whose termination was requested (never requested twice). */
  terminated: string[];
  /** Instances skipped after a drain timeout, retried last. */
  skipped: string[];
  /** Every instance ever skipped at a drain timeout (`skipped` empties when the retry starts), for the summary. */
  skippedEver?: string[];
  /** Pods that left the old nodes (evicted, moved by a procedure or forced), counted from observed pods (countMovedPods). */
  podsMoved: number;
  /** Pods seen on each old node while it drained (namespace/name), recorded before any eviction from it. */
  podsSeenOnOldNodes?: Record<string, string[]>;
  forced: string[];
  aborted?: string;
  /** The group as cleanup left it (restore.ts), for the summary. */
  finalGroup?: GroupReport;
  /** Sentinel masters (namespace/name) this run failed over before moving them (the ones `redisFailBack` fails back to): SENTINEL FAILOVER sent, then confirmed. */
  sentinelFailovers?: Record<string, 'sent' | 'confirmed'>;
  /** Redis pods whose role could not be verified and that an approver chose to evict without a failover. */
  evictedUnverified?: string[];
  /** No-replica Redis Cluster primaries (namespace/name) moved through a temporary replica pod. */
  temporaryReplicas?: Record<string, TemporaryReplica>;
}

export interface GroupReport {
  desired: number;
  max: number;
  /** The launch template version the group is configured with. */
  version?: string;
  /** Live instances per launch template version. */
  versions: Record<string, number>;
  /** Surplus instances the restore terminated. */
  removed: string[];
  /** What the restore could not undo, with the command that finishes it by hand. */
  left: { what: string; command?: string }[];
}

export interface TemporaryReplica {
  namespace: string;
  /** `<pod>-deckhand-tmp`; recorded before the create call, so a resumed run never creates a second one. */
  pod: string;
  /** Node ids, recorded once known: the moved primary's, and the temporary node's (forgotten at the end). */
  primaryId?: string;
  temporaryId?: string;
  /** Set once the temporary node is forgotten by the cluster and its pod deleted. */
  removed?: boolean;
}

/** What every rollout step receives. */
export type RolloutContext = StepContext<RolloutPlan, RolloutState, RolloutSettings>;
