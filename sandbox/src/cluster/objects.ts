/** The Kubernetes objects the sandbox stores, in their JSON wire shape (only the fields the sandbox reads are typed). */
export type Labels = Record<string, string>;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  creationTimestamp: string;
  generation?: number;
  labels?: Labels;
  annotations?: Labels;
  ownerReferences?: OwnerReference[];
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  generateName?: string;
  finalizers?: string[];
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastHeartbeatTime?: string;
  lastProbeTime?: string | null;
}

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  timeAdded?: string;
}

export interface Toleration {
  key?: string;
  operator?: 'Equal' | 'Exists';
  value?: string;
  effect?: string;
}

export interface NodeObject extends KubeObject {
  spec: { providerID: string; unschedulable?: boolean; taints?: Taint[] };
  status: {
    capacity: Record<string, string>;
    allocatable: Record<string, string>;
    conditions: Condition[];
    addresses: { type: string; address: string }[];
    nodeInfo: Record<string, string>;
  };
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

export interface Container {
  name: string;
  image: string;
  ports?: ContainerPort[];
  resources?: { requests?: Record<string, string> };
}

export interface PodVolume {
  name: string;
  emptyDir?: Record<string, unknown>;
  persistentVolumeClaim?: { claimName: string };
}

export interface PodSpec {
  nodeName?: string;
  containers: Container[];
  volumes?: PodVolume[];
  tolerations?: Toleration[];
  nodeSelector?: Labels;
  terminationGracePeriodSeconds?: number;
  hostname?: string;
  subdomain?: string;
  schedulerName?: string;
  restartPolicy?: string;
}

export interface PodObject extends KubeObject {
  spec: PodSpec;
  status: {
    phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
    conditions?: Condition[];
    podIP?: string;
    podIPs?: { ip: string }[];
    hostIP?: string;
    startTime?: string;
    containerStatuses?: Record<string, unknown>[];
    qosClass?: string;
  };
}

export interface PvcObject extends KubeObject {
  spec: {
    accessModes: string[];
    resources: { requests: { storage: string } };
    storageClassName: string;
    volumeName: string;
    volumeMode: string;
  };
  status: {
    phase: string;
    accessModes?: string[];
    capacity?: { storage: string };
    allocatedResources?: { storage: string };
    conditions?: Condition[];
  };
}

export interface PvObject extends KubeObject {
  spec: {
    capacity: { storage: string };
    csi: { driver: string; volumeHandle: string; fsType: string };
    claimRef: { kind: string; namespace: string; name: string; uid: string };
    storageClassName: string;
    nodeAffinity: unknown;
    accessModes: string[];
    persistentVolumeReclaimPolicy: string;
    volumeMode: string;
  };
  status: { phase: string };
}

export interface StorageClassObject extends KubeObject {
  provisioner: string;
  allowVolumeExpansion?: boolean;
  parameters?: Labels;
}

export interface PdbObject extends KubeObject {
  spec: { selector?: LabelSelectorSpec; minAvailable?: number | string; maxUnavailable?: number | string };
  status: {
    observedGeneration: number;
    disruptionsAllowed: number;
    currentHealthy: number;
    desiredHealthy: number;
    expectedPods: number;
    disruptedPods?: Record<string, string>;
    conditions?: Condition[];
  };
}

export interface PodTemplate {
  metadata: { labels: Labels; annotations?: Labels };
  spec: PodSpec;
}

/** Deployments, ReplicaSets, StatefulSets and DaemonSets share this shape. */
export interface WorkloadObject extends KubeObject {
  spec: {
    replicas?: number;
    selector: { matchLabels: Labels };
    template: PodTemplate;
    serviceName?: string;
    podManagementPolicy?: string;
  };
  status: Record<string, unknown>;
}

export function key(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((o) => o.controller);
}

export function isTerminating(obj: KubeObject): boolean {
  return obj.metadata.deletionTimestamp !== undefined;
}

export function conditionTrue(conditions: Condition[] | undefined, type: string): boolean {
  return conditions?.some((c) => c.type === type && c.status === 'True') ?? false;
}

export function isPodReady(pod: PodObject): boolean {
  return pod.status.phase === 'Running' && conditionTrue(pod.status.conditions, 'Ready');
}

export function isNodeReady(node: NodeObject): boolean {
  return conditionTrue(node.status.conditions, 'Ready');
}

export function isDaemonSetPod(pod: PodObject): boolean {
  return controllerOf(pod)?.kind === 'DaemonSet';
}

export function setCondition(conditions: Condition[], next: Condition, now: string): Condition[] {
  const previous = conditions.find((c) => c.type === next.type);
  const changed = !previous || previous.status !== next.status;
  const merged = { ...previous, ...next, lastTransitionTime: changed ? now : (previous.lastTransitionTime ?? now) };
  return [...conditions.filter((c) => c.type !== next.type), merged];
}

export function matchesLabels(selector: Labels, labels: Labels | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

export interface LabelSelectorSpec {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

/** metav1.LabelSelector as the API server evaluates it; an absent selector selects nothing (policy/v1 PDBs). */
export function matchesSelector(selector: LabelSelectorSpec | undefined, labels: Labels | undefined): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  const expressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) =>
    operator === 'In' ? l[key] !== undefined && values.includes(l[key]) : operator === 'NotIn' ? l[key] === undefined || !values.includes(l[key]) : operator === 'Exists' ? l[key] !== undefined : l[key] === undefined,
  );
  return expressions && matchesLabels(selector.matchLabels ?? {}, l);
}

export interface NamespaceObject extends KubeObject {
  spec: { finalizers: string[] };
  status: { phase: string };
}

export interface SecretObject extends KubeObject {
  type: string;
  /** Base64 values, as the API server returns them. */
  data: Record<string, string>;
}
