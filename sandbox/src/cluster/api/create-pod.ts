/**
 * POST /api/v1/namespaces/{ns}/pods: a bare pod from a client's body, validated like the API server does for
 * the fields the sandbox reads (name, namespace, containers). Status and server-set metadata from the body are
 * ignored; the scheduler binds the new pod like any other Pending pod. A name clash is 409 AlreadyExists.
 */
import type { MutationLog } from '../../contracts.js';
import type { ClusterModel } from '../model.js';
import type { PodObject, PodSpec } from '../objects.js';
import { ApiError, invalid, notFound } from './status.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

interface PodBody {
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Partial<PodSpec>;
}

export function createPod(model: ClusterModel, log: MutationLog, namespace: string, raw: unknown, dryRun: boolean): PodObject {
  const body = (raw ?? {}) as PodBody;
  if (body.kind !== undefined && body.kind !== 'Pod') throw new ApiError(400, 'BadRequest', `the body kind ${body.kind} is not Pod`);
  const name = body.metadata?.name ?? '';
  if (!model.get('Namespace', undefined, namespace)) throw notFound('namespaces', namespace);
  if (!name) throw invalid('Pod', name, 'metadata.name', 'Required value: name or generateName is required');
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) throw invalid('Pod', name, 'metadata.name', `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`);
  if (body.metadata?.namespace && body.metadata.namespace !== namespace) {
    throw new ApiError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
  }
  const containers = body.spec?.containers ?? [];
  if (containers.length === 0) throw invalid('Pod', name, 'spec.containers', 'Required value');
  containers.forEach((c, i) => {
    if (!c?.name) throw invalid('Pod', name, `spec.containers[${i}].name`, 'Required value');
    if (!c.image) throw invalid('Pod', name, `spec.containers[${i}].image`, 'Required value');
  });
  if (model.get('Pod', namespace, name)) {
    throw new ApiError(409, 'AlreadyExists', `pods "${name}" already exists`, { name, kind: 'pods' });
  }
  const spec = structuredClone({ ...body.spec, containers }) as PodSpec;
  delete spec.nodeName; // bound by the scheduler, as for any pod without a nodeName
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { ...body.metadata?.labels }, annotations: { ...body.metadata?.annotations } },
    spec: { restartPolicy: 'Always', schedulerName: 'default-scheduler', terminationGracePeriodSeconds: 30, ...spec },
    status: { phase: 'Pending' as const, qosClass: 'Burstable', conditions: [] },
  };
  if (dryRun) return pod as unknown as PodObject;
  const created = model.create<PodObject>(pod as never);
  log.record({ at: model.clock.now(), service: 'kubernetes', action: 'create-pod', target: `${namespace}/${name}`, details: { labels: created.metadata.labels } });
  return created;
}
