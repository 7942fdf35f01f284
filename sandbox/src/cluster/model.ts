/**
 * The cluster's object store: what the API server serves and the controllers reconcile. Every write bumps the
 * object's resourceVersion and asks for a reconcile (coalesced into one pass per microtask), like an informer
 * event would.
 */
import type { VirtualClock } from '../clock.js';
import { seededRandom } from '../contracts.js';
import { key, type KubeObject, type ObjectMeta } from './objects.js';

export type Kind =
  | 'Namespace'
  | 'Node'
  | 'Pod'
  | 'PersistentVolumeClaim'
  | 'PersistentVolume'
  | 'Event'
  | 'Deployment'
  | 'ReplicaSet'
  | 'StatefulSet'
  | 'DaemonSet'
  | 'PodDisruptionBudget'
  | 'StorageClass'
  | 'Secret';

export type NewObject<T extends KubeObject> = Omit<T, 'metadata'> & {
  metadata: Omit<ObjectMeta, 'uid' | 'resourceVersion' | 'creationTimestamp'> & Partial<ObjectMeta>;
};

const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export class ClusterModel {
  private readonly store = new Map<Kind, Map<string, KubeObject>>();
  private resourceVersion = 1000;
  private eventSeq = 0;
  private readonly listeners = new Set<() => void>();
  private readonly random: () => number;

  constructor(
    readonly clock: VirtualClock,
    seed = 7,
  ) {
    this.random = seededRandom(seed);
  }

  nowIso(): string {
    return new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  /** Random suffix like the API server's generateName (seeded, so tests are deterministic). */
  suffix(length = 5): string {
    let out = '';
    for (let i = 0; i < length; i++) out += NAME_ALPHABET[Math.floor(this.random() * NAME_ALPHABET.length)];
    return out;
  }

  uid(): string {
    const hex = () => Math.floor(this.random() * 0x10000).toString(16).padStart(4, '0');
    return `${hex()}${hex()}-${hex()}-4${hex().slice(1)}-a${hex().slice(1)}-${hex()}${hex()}${hex()}`;
  }

  get<T extends KubeObject>(kind: Kind, namespace: string | undefined, name: string): T | undefined {
    return this.store.get(kind)?.get(key(namespace, name)) as T | undefined;
  }

  list<T extends KubeObject>(kind: Kind, namespace?: string): T[] {
    const all = [...(this.store.get(kind)?.values() ?? [])] as T[];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  get currentResourceVersion(): string {
    return String(this.resourceVersion);
  }

  create<T extends KubeObject>(obj: NewObject<T>): T {
    const full = obj as unknown as T;
    full.metadata.uid ??= this.uid();
    full.metadata.creationTimestamp ??= this.nowIso();
    return this.save(full);
  }

  /** Stores a new version of an object (objects are mutated in place by their owner, then saved). */
  save<T extends KubeObject>(obj: T): T {
    const kind = obj.kind as Kind;
    if (!this.store.has(kind)) this.store.set(kind, new Map());
    obj.metadata.resourceVersion = String(++this.resourceVersion);
    this.store.get(kind)!.set(key(obj.metadata.namespace, obj.metadata.name), obj);
    this.changed();
    return obj;
  }

  remove(obj: KubeObject): void {
    const removed = this.store.get(obj.kind as Kind)?.delete(key(obj.metadata.namespace, obj.metadata.name));
    if (removed) {
      this.resourceVersion++;
      this.changed();
    }
  }

  /** core/v1 Event; repeated identical events are folded into `count` like the kubelet's recorder does. */
  event(involved: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, source = 'sandbox'): void {
    const namespace = involved.metadata.namespace ?? 'default';
    const existing = this.list<KubeObject & { count: number; lastTimestamp: string; message: string; reason: string; involvedObject: { uid: string } }>(
      'Event',
      namespace,
    ).find((e) => e.involvedObject.uid === involved.metadata.uid && e.reason === reason && e.message === message);
    if (existing) {
      existing.count++;
      existing.lastTimestamp = this.nowIso();
      this.save(existing);
      return;
    }
    const now = this.nowIso();
    this.create({
      apiVersion: 'v1',
      kind: 'Event',
      // Like the recorder's names: the involved object's name plus a hex nanosecond timestamp, so names sort by time.
      metadata: { name: `${involved.metadata.name}.${(BigInt(this.clock.now()) * 1_000_000n + BigInt(++this.eventSeq)).toString(16)}`, namespace },
      involvedObject: {
        apiVersion: involved.apiVersion,
        kind: involved.kind,
        name: involved.metadata.name,
        namespace: involved.metadata.namespace,
        uid: involved.metadata.uid,
        resourceVersion: involved.metadata.resourceVersion,
      },
      type,
      reason,
      message,
      source: { component: source },
      firstTimestamp: now,
      lastTimestamp: now,
      eventTime: null,
      count: 1,
      reportingComponent: source,
    });
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
