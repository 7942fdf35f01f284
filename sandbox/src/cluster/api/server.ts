/**
 * The Kubernetes API server: plain JSON over http on 127.0.0.1, the paths client-node and kubectl use. Bearer
 * tokens and RBAC (rbac.ts); no watch, no server-side apply, no paging (lists return everything; `continue` is
 * never set).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { isDeckhandRequest } from '../../access.js';
import type { VirtualClock } from '../../clock.js';
import { seededRandom, type Faults, type MutationLog } from '../../contracts.js';
import type { DisruptionController } from '../disruption.js';
import type { ClusterModel, Kind } from '../model.js';
import type { KubeObject, NodeObject, PodObject, PvcObject, StorageClassObject, WorkloadObject } from '../objects.js';
import type { PodLifecycle } from '../pods.js';
import { parseQuantity } from '../quantity.js';
import { fieldSelector, labelSelector, SelectorError } from '../selectors.js';
import { createPod } from './create-pod.js';
import { applyPatch, PatchError } from './patch.js';
import type { ApiAuthorizer } from './rbac.js';
import type { ServingCertificate } from './tls.js';
import { findResource, groupList, groupVersion, listKind, resourceList, type ResourceInfo } from './resources.js';
import { ApiError, invalid, notFound, success } from './status.js';
import { toTable, wantsTable } from './table.js';

export interface ApiDeps {
  model: ClusterModel;
  pods: PodLifecycle;
  disruption: DisruptionController;
  faults: Faults;
  log: MutationLog;
  kubernetesVersion: string;
  authorizer: ApiAuthorizer;
  clock: VirtualClock;
  /** https only, as a real API server (tls.ts). */
  tls: ServingCertificate;
}

interface Route {
  resource: ResourceInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export async function startApiServer(deps: ApiDeps): Promise<{ url: string; server: Server; stop(): Promise<void> }> {
  const random = seededRandom(0x6b38);
  const server = createServer(deps.tls, (req, res) => {
    handle(deps, random, req, res).catch((error: unknown) => {
      const apiError = error instanceof ApiError ? error : new ApiError(500, 'InternalError', `Internal error occurred: ${String(error)}`);
      send(res, apiError.code, apiError.body(), apiError.headers);
    });
  });
  // Node's default keep-alive (5 s), not less: client-node's HTTP client (undici) drops a connection whose server
  // announces under 2 s, and every request would then pay a new TLS handshake.
  deps.clock.holdWhileAnswering(server, isDeckhandRequest);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    server,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(code, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'BadRequest', 'the request body is not valid JSON');
  }
}

async function injectFaults(faults: Faults, random: () => number): Promise<void> {
  const knobs = faults.services.kubernetes;
  if (!knobs) return;
  if (knobs.hang) return new Promise<never>(() => undefined);
  if (knobs.latencyMs) await new Promise((r) => setTimeout(r, knobs.latencyMs));
  if (knobs.throttleRate && random() < knobs.throttleRate) {
    faults.throttled.kubernetes = (faults.throttled.kubernetes ?? 0) + 1;
    throw new ApiError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: 1 }, { 'Retry-After': '1' });
  }
  if (knobs.errorRate && random() < knobs.errorRate) {
    throw new ApiError(500, 'InternalError', 'Internal error occurred: sandbox injected fault');
  }
}

function parseRoute(path: string): Route | undefined {
  const core = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?([a-z]+)(?:\/([^/]+))?(?:\/([a-z]+))?$/.exec(path);
  const grouped = /^\/apis\/([^/]+)\/([^/]+)\/(?:namespaces\/([^/]+)\/)?([a-z]+)(?:\/([^/]+))?(?:\/([a-z]+))?$/.exec(path);
  const [group, version, namespace, plural, name, subresource] = core
    ? ['', 'v1', core[1], core[2]!, core[3], core[4]]
    : grouped
      ? [grouped[1]!, grouped[2]!, grouped[3], grouped[4]!, grouped[5], grouped[6]]
      : [];
  if (plural === undefined || version === undefined || group === undefined) return undefined;
  const resource = findResource(group, version, plural);
  if (!resource) return undefined;
  return { resource, namespace: resource.namespaced ? namespace : undefined, name: name && decodeURIComponent(name), subresource };
}

/** The RBAC verb of a request: a GET of a collection is `list` (or `watch`), a DELETE of one is `deletecollection`. */
function verbOf(method: string, name: string | undefined, watch: boolean): string {
  if (method === 'GET') return name ? 'get' : watch ? 'watch' : 'list';
  if (method === 'DELETE') return name ? 'delete' : 'deletecollection';
  return { POST: 'create', PUT: 'update', PATCH: 'patch' }[method] ?? method.toLowerCase();
}

async function handle(deps: ApiDeps, random: () => number, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  const path = url.pathname.replace(/\/$/, '');
  const method = req.method ?? 'GET';
  const identity = deps.authorizer.identify(req.headers.authorization);
  if (method === 'GET') {
    const discovery = discoveryDocument(path, deps.kubernetesVersion, req.headers.host ?? '');
    if (discovery) return send(res, 200, discovery);
  }
  await injectFaults(deps.faults, random);
  const route = parseRoute(path);
  if (!route) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  const { resource, namespace, name, subresource } = route;
  const watch = url.searchParams.get('watch') === 'true';
  deps.authorizer.authorize(identity, { verb: verbOf(method, name, watch), apiGroup: resource.group, resource: resource.plural, subresource, namespace, name });
  if (watch) throw new ApiError(405, 'MethodNotAllowed', 'the sandbox API server does not support watch');
  const dryRun = url.searchParams.has('dryRun');

  if (subresource === 'eviction' && resource.kind === 'Pod' && method === 'POST' && name && namespace) {
    return send(res, 201, evict(deps, namespace, name, (await readBody(req)) as EvictionBody | undefined, dryRun));
  }
  if (subresource === 'scale' && name && namespace && (resource.kind === 'Deployment' || resource.kind === 'StatefulSet')) {
    return send(res, 200, await scale(deps, resource, namespace, name, method, req, dryRun));
  }
  if (subresource) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  // Live budgets: a fault toggled since the last reconcile (blockingPdbs) shows at once.
  if (resource.kind === 'PodDisruptionBudget') deps.disruption.updateStatuses();

  if (!name) {
    if (method === 'POST' && resource.kind === 'Pod' && namespace) return send(res, 201, createPod(deps.model, deps.log, namespace, await readBody(req), dryRun));
    if (method !== 'GET') throw methodNotAllowed(method, resource);
    const items = list(deps, resource, namespace, url.searchParams);
    if (wantsTable(req.headers.accept)) return send(res, 200, toTable(resource.kind, items, deps.model.clock.now(), deps.model.currentResourceVersion));
    return send(res, 200, { kind: listKind(resource.kind), apiVersion: groupVersion(resource), metadata: { resourceVersion: deps.model.currentResourceVersion }, items });
  }
  const existing = deps.model.get<KubeObject>(resource.kind, namespace, name);
  if (!existing) throw notFound(resource.plural, name, resource.group);
  if (method === 'GET' && wantsTable(req.headers.accept)) return send(res, 200, toTable(resource.kind, [existing], deps.model.clock.now(), deps.model.currentResourceVersion));
  if (method === 'GET') return send(res, 200, existing);
  if (method === 'PATCH' && resource.verbs.includes('patch')) {
    const contentType = req.headers['content-type'] ?? 'application/json-patch+json';
    return send(res, 200, patch(deps, resource, existing, contentType, await readBody(req), dryRun));
  }
  if (method === 'DELETE' && resource.kind === 'Pod') {
    const options = (await readBody(req)) as { gracePeriodSeconds?: number } | undefined;
    const query = url.searchParams.get('gracePeriodSeconds');
    const grace = query !== null ? Number(query) : options?.gracePeriodSeconds;
    if (!dryRun) deletePod(deps, existing as PodObject, grace);
    return send(res, 200, deps.model.get(resource.kind, namespace, name) ?? existing);
  }
  throw methodNotAllowed(method, resource);
}

function methodNotAllowed(method: string, resource: ResourceInfo): ApiError {
  return new ApiError(405, 'MethodNotAllowed', `the sandbox does not allow ${method} on ${resource.plural}`);
}

function discoveryDocument(path: string, version: string, host: string): unknown | undefined {
  if (path === '/version') {
    const [major, minor] = version.replace(/^v/, '').split('.');
    return { major, minor: `${minor}+`, gitVersion: version, gitCommit: '0000000', gitTreeState: 'clean', buildDate: '2024-06-27T00:00:00Z', goVersion: 'go1.22.4', compiler: 'gc', platform: 'linux/amd64' };
  }
  if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: host }] };
  if (path === '/apis') return groupList();
  if (path === '/api/v1') return resourceList('', 'v1');
  const group = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
  if (group) return resourceList(group[1]!, group[2]!);
  const groupOnly = /^\/apis\/([^/]+)$/.exec(path);
  if (groupOnly) {
    const gv = { groupVersion: `${groupOnly[1]}/v1`, version: 'v1' };
    if (resourceList(groupOnly[1]!, 'v1')) return { kind: 'APIGroup', apiVersion: 'v1', name: groupOnly[1], versions: [gv], preferredVersion: gv };
  }
  return undefined;
}

function list(deps: ApiDeps, resource: ResourceInfo, namespace: string | undefined, params: URLSearchParams): KubeObject[] {
  let byLabel: (o: KubeObject) => boolean;
  let byField: (o: KubeObject) => boolean;
  try {
    byLabel = labelSelector(params.get('labelSelector'));
    byField = fieldSelector(params.get('fieldSelector'));
  } catch (error) {
    if (error instanceof SelectorError) throw new ApiError(400, 'BadRequest', error.message);
    throw error;
  }
  return deps.model
    .list<KubeObject>(resource.kind, namespace)
    .filter((o) => byLabel(o) && byField(o))
    .sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name));
}

function patch(deps: ApiDeps, resource: ResourceInfo, existing: KubeObject, contentType: string, body: unknown, dryRun: boolean): KubeObject {
  let patched: KubeObject;
  try {
    patched = applyPatch(contentType, structuredClone(existing), body) as KubeObject;
  } catch (error) {
    if (error instanceof PatchError) throw new ApiError(contentType.includes('json-patch') ? 422 : 415, contentType.includes('json-patch') ? 'Invalid' : 'UnsupportedMediaType', error.message);
    throw error;
  }
  const requestedVersion = (body as { metadata?: { resourceVersion?: string } } | undefined)?.metadata?.resourceVersion;
  if (requestedVersion && requestedVersion !== existing.metadata.resourceVersion) {
    throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${resource.plural} "${existing.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`, { name: existing.metadata.name, kind: resource.plural });
  }
  if (patched.metadata.name !== existing.metadata.name || patched.metadata.uid !== existing.metadata.uid) {
    throw invalid(resource.kind, existing.metadata.name, 'metadata.name', 'Invalid value: field is immutable', resource.group);
  }
  const target = `${existing.metadata.namespace ? `${existing.metadata.namespace}/` : ''}${existing.metadata.name}`;
  // Only the fields a controller would accept from a client change; status is the controllers' business.
  const next = structuredClone(existing);
  next.metadata.labels = patched.metadata.labels;
  next.metadata.annotations = patched.metadata.annotations;
  const details: Record<string, unknown> = { patch: body, contentType: contentType.split(';')[0] };
  if (resource.kind === 'Node') {
    const spec = (patched as NodeObject).spec;
    (next as NodeObject).spec.taints = spec.taints;
    (next as NodeObject).spec.unschedulable = spec.unschedulable;
    Object.assign(details, { taints: spec.taints ?? [], unschedulable: spec.unschedulable ?? false, labels: next.metadata.labels });
  } else if (resource.kind === 'PersistentVolumeClaim') {
    validatePvcPatch(deps, existing as PvcObject, patched as PvcObject);
    (next as PvcObject).spec.resources = (patched as PvcObject).spec.resources;
    details.storage = (next as PvcObject).spec.resources.requests.storage;
  } else if (resource.kind === 'Deployment' || resource.kind === 'StatefulSet') {
    const replicas = (patched as WorkloadObject).spec.replicas;
    if (typeof replicas !== 'number' || replicas < 0) throw invalid(resource.kind, existing.metadata.name, 'spec.replicas', `Invalid value: ${String(replicas)}: must be greater than or equal to 0`, resource.group);
    if (replicas !== (existing as WorkloadObject).spec.replicas) next.metadata.generation = (next.metadata.generation ?? 1) + 1;
    (next as WorkloadObject).spec.replicas = replicas;
    details.replicas = replicas;
  }
  if (dryRun) return next;
  Object.assign(existing, next);
  deps.model.save(existing);
  deps.log.record({ at: deps.model.clock.now(), service: 'kubernetes', action: `patch-${resource.singular}`, target, details });
  return existing;
}

function validatePvcPatch(deps: ApiDeps, existing: PvcObject, patched: PvcObject): void {
  const name = existing.metadata.name;
  const { resources: _old, ...oldRest } = existing.spec;
  const { resources: _new, ...newRest } = patched.spec;
  if (JSON.stringify(oldRest) !== JSON.stringify(newRest)) {
    throw invalid('PersistentVolumeClaim', name, 'spec', 'Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims');
  }
  const requested = patched.spec.resources?.requests?.storage;
  if (typeof requested !== 'string') throw invalid('PersistentVolumeClaim', name, 'spec.resources.requests.storage', 'Required value');
  let size: number;
  try {
    size = parseQuantity(requested);
  } catch {
    throw invalid('PersistentVolumeClaim', name, 'spec.resources.requests.storage', `Invalid value: "${requested}": quantities must match the regular expression`);
  }
  const previous = parseQuantity(existing.spec.resources.requests.storage);
  if (size < previous) throw invalid('PersistentVolumeClaim', name, 'spec.resources.requests.storage', 'Forbidden: field can not be less than previous value');
  if (size > previous) {
    const sc = deps.model.get<StorageClassObject>('StorageClass', undefined, existing.spec.storageClassName);
    if (!sc?.allowVolumeExpansion) {
      throw new ApiError(
        403,
        'Forbidden',
        `persistentvolumeclaims "${name}" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize`,
        { name, kind: 'persistentvolumeclaims' },
      );
    }
  }
}

interface EvictionBody {
  metadata?: { name?: string };
  deleteOptions?: { gracePeriodSeconds?: number; dryRun?: string[] };
}

function evict(deps: ApiDeps, namespace: string, name: string, body: EvictionBody | undefined, dryRun: boolean): unknown {
  const pod = deps.model.get<PodObject>('Pod', namespace, name);
  if (!pod) throw notFound('pods', name);
  if (body?.metadata?.name && body.metadata.name !== name) throw new ApiError(400, 'BadRequest', `name in URL does not match name in Eviction object`);
  const decision = deps.disruption.decideEviction(pod);
  const target = `${namespace}/${name}`;
  const record = (allowed: boolean, extra: Record<string, unknown>) =>
    deps.log.record({ at: deps.model.clock.now(), service: 'kubernetes', action: 'evict-pod', target, details: { allowed, node: pod.spec.nodeName, ...extra } });
  if (!decision.allowed && decision.status === 429) {
    record(false, { code: 429, pdb: decision.pdb.name, disruptionsAllowed: decision.pdb.disruptionsAllowed });
    throw new ApiError(429, 'TooManyRequests', decision.message, { causes: [{ reason: 'DisruptionBudget', message: decision.cause }] });
  }
  if (!decision.allowed) {
    record(false, { code: 500, pdbs: decision.pdbs });
    throw new ApiError(500, 'InternalError', `Internal error occurred: ${decision.message}`, { causes: [{ message: decision.message }] });
  }
  record(true, { code: 201, pdb: decision.pdb?.name, disruptionsAllowed: decision.pdb?.disruptionsAllowed, dryRun });
  if (!dryRun && !body?.deleteOptions?.dryRun?.length) deps.pods.beginTermination(pod, body?.deleteOptions?.gracePeriodSeconds);
  return success(201);
}

function deletePod(deps: ApiDeps, pod: PodObject, grace: number | undefined): void {
  deps.log.record({
    at: deps.model.clock.now(),
    service: 'kubernetes',
    action: 'delete-pod',
    target: `${pod.metadata.namespace}/${pod.metadata.name}`,
    details: { node: pod.spec.nodeName, gracePeriodSeconds: grace ?? pod.spec.terminationGracePeriodSeconds ?? 30 },
  });
  deps.pods.beginTermination(pod, grace);
}

async function scale(deps: ApiDeps, resource: ResourceInfo, namespace: string, name: string, method: string, req: IncomingMessage, dryRun: boolean): Promise<unknown> {
  const workload = deps.model.get<WorkloadObject>(resource.kind as Kind, namespace, name);
  if (!workload) throw notFound(resource.plural, name, resource.group);
  const view = () => ({
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid: workload.metadata.uid, resourceVersion: workload.metadata.resourceVersion, creationTimestamp: workload.metadata.creationTimestamp },
    spec: { replicas: workload.spec.replicas ?? 1 },
    status: { replicas: (workload.status.replicas as number | undefined) ?? 0, selector: Object.entries(workload.spec.selector.matchLabels).map(([k, v]) => `${k}=${v}`).join(',') },
  });
  if (method === 'GET') return view();
  if (method !== 'PATCH' && method !== 'PUT') throw methodNotAllowed(method, resource);
  const body = await readBody(req);
  const patched = method === 'PUT' ? body : applyPatch(req.headers['content-type'] ?? 'application/merge-patch+json', view(), body);
  const replicas = (patched as { spec?: { replicas?: unknown } }).spec?.replicas;
  patch(deps, resource, workload, 'application/merge-patch+json', { spec: { replicas } }, dryRun);
  return view();
}
