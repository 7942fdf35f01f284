/**
 * The shipped Kubernetes manifests, checked offline the way an API server would take them: rendered with
 * `kubectl kustomize` (Debian's kubernetes-client; .ci/run installs it), every object validated against the
 * Kubernetes OpenAPI schemas (kubernetes-models: types, required fields) and strictly (no field the API does
 * not know, from @kubernetes/client-node's models, as `kubectl apply --validate=strict`), then the wiring that
 * no schema sees: selectors, probes, grace periods, the restricted security context, and RBAC that is exactly
 * what the sandbox enforced in every other test.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import { SHUTDOWN_TIMEOUT_MS } from '../../src/serve.js';
import { DEPLOY_DIR, DECKHAND_NAMESPACE, IDENTITIES } from '../../sandbox/src/access.js';
import { Rbac } from '../../sandbox/src/cluster/api/rbac.js';
import { SHIPPED_RBAC_FILE } from '../../sandbox/src/cluster/index.js';
import { loadConfig } from '../../src/config.js';
import { createRegistry } from '../../src/jobs/registry.js';
import { createReportRegistry, PRODUCT_REPORTS } from '../../src/reports/registry.js';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

async function render(dir: string): Promise<Manifest[]> {
  const { stdout } = await promisify(execFile)('kubectl', ['kustomize', join(DEPLOY_DIR, 'kubernetes', dir)]);
  return parseAllDocuments(stdout).map((d) => d.toJS() as Manifest);
}

/** kubernetes-models' validate(): the OpenAPI schema of the object's kind. */
async function schemaErrors(m: Manifest): Promise<string | undefined> {
  const [group, version] = m.apiVersion.includes('/') ? m.apiVersion.split('/') : ['', m.apiVersion];
  const module = (await import(`kubernetes-models/${group ? `${group}/` : ''}${version}/${m.kind}`)) as Record<string, new (data: unknown) => { validate(): void }>;
  try {
    new module[m.kind]!(m).validate();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

type TypeMap = { baseName: string; type: string }[];
const models = k8s as unknown as Record<string, { getAttributeTypeMap?: () => TypeMap } | undefined>;

/** Fields the API does not know, by path (what strict field validation rejects). */
function unknownFields(value: unknown, type: string, path: string): string[] {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return Array.isArray(value) ? value.flatMap((v, i) => unknownFields(v, array[1]!, `${path}[${i}]`)) : [];
  const model = models[type]?.getAttributeTypeMap?.();
  if (!model || typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, v]) => {
    const attribute = model.find((a) => a.baseName === key);
    return attribute ? unknownFields(v, attribute.type, `${path}.${key}`) : [`${path}.${key}`];
  });
}

const modelName = (m: Manifest) => `V1${m.kind}`;
const labelsMatch = (selector: Record<string, string>, labels: Record<string, string> = {}) => Object.entries(selector).every(([k, v]) => labels[k] === v);

type PodTemplate = { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: k8s.V1PodSpec };
const workloads = (all: Manifest[]) => all.filter((m) => m.kind === 'Deployment' || m.kind === 'StatefulSet') as (Manifest & { spec: { selector: { matchLabels: Record<string, string> }; template: PodTemplate } })[];

describe.each(['base', 'overlays/example', 'redis'])('deploy/kubernetes/%s', (dir) => {
  let objects: Manifest[];
  beforeAll(async () => {
    objects = await render(dir);
  });

  test('renders, and every object is valid against the Kubernetes OpenAPI schema', async () => {
    expect(objects.length).toBeGreaterThan(0);
    // One at a time: jest's ESM loader fails concurrent first imports of the same module.
    const errors: string[] = [];
    for (const m of objects) {
      const error = await schemaErrors(m);
      if (error) errors.push(`${m.kind}/${m.metadata.name}: ${error}`);
    }
    expect(errors).toEqual([]);
  });

  test('no object has a field the API does not know', () => {
    const unknown = objects.flatMap((m) => {
      expect(models[modelName(m)]?.getAttributeTypeMap).toBeDefined();
      return unknownFields(m, modelName(m), `${m.kind}/${m.metadata.name}`);
    });
    expect(unknown).toEqual([]);
  });

  test('every selector selects: workloads their pods, Services and PDBs a workload', () => {
    const templates = workloads(objects).map((w) => {
      expect(labelsMatch(w.spec.selector.matchLabels, w.spec.template.metadata.labels)).toBe(true);
      return w.spec.template.metadata.labels;
    });
    for (const m of objects.filter((o) => o.kind === 'Service' || o.kind === 'PodDisruptionBudget')) {
      const spec = m.spec as { selector: Record<string, string> | { matchLabels: Record<string, string> } };
      const selector = 'matchLabels' in spec.selector ? (spec.selector.matchLabels as Record<string, string>) : spec.selector;
      expect([`${m.kind}/${m.metadata.name}`, templates.filter((labels) => labelsMatch(selector, labels)).length]).toEqual([`${m.kind}/${m.metadata.name}`, 1]);
    }
  });

  test('probes: ready on /healthz (Redis answers), alive on the process only; ports by name', () => {
    for (const w of workloads(objects)) {
      for (const c of w.spec.template.spec.containers) {
        const ports = new Set((c.ports ?? []).map((p) => p.name));
        expect(c.readinessProbe).toBeDefined();
        expect(c.livenessProbe?.httpGet).toBeUndefined();
        expect(ports.has(String(c.livenessProbe?.tcpSocket?.port))).toBe(true);
        if (w.metadata.name.startsWith('deckhand-redis')) continue;
        expect(c.readinessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
      }
    }
  });

  test('the Pod Security "restricted" profile, with a read-only root filesystem', () => {
    for (const w of workloads(objects)) {
      const pod = w.spec.template.spec;
      expect([w.metadata.name, pod.securityContext?.runAsNonRoot, pod.securityContext?.seccompProfile?.type]).toEqual([w.metadata.name, true, 'RuntimeDefault']);
      for (const c of pod.containers) {
        expect([c.name, c.securityContext?.allowPrivilegeEscalation, c.securityContext?.readOnlyRootFilesystem, c.securityContext?.capabilities?.drop]).toEqual([c.name, false, true, ['ALL']]);
      }
    }
  });
});

describe('the deckhand Deployments', () => {
  let objects: Manifest[];
  beforeAll(async () => {
    objects = await render('overlays/example');
  });
  const deployment = (role: string) => workloads(objects).find((w) => w.metadata.name === `deckhand-${role}`)!;

  test.each(['bot', 'worker'])('%s: its own ServiceAccount, a grace period longer than the shutdown timeout, a PDB, kept off rolled nodes', (role) => {
    const d = deployment(role);
    const pod = d.spec.template.spec;
    expect(pod.serviceAccountName).toBe(`deckhand-${role}`);
    expect(pod.terminationGracePeriodSeconds! * 1000).toBeGreaterThan(SHUTDOWN_TIMEOUT_MS);
    expect(pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toHaveLength(1);
    expect(d.spec.template.metadata.labels['app.kubernetes.io/name']).toBe('deckhand');
    const pdb = objects.find((m) => m.kind === 'PodDisruptionBudget' && m.metadata.name === `deckhand-${role}`);
    expect(pdb?.spec).toMatchObject({ maxUnavailable: 1 });
    const sa = objects.find((m) => m.kind === 'ServiceAccount' && m.metadata.name === `deckhand-${role}`);
    expect(sa?.metadata.annotations?.['eks.amazonaws.com/role-arn']).toMatch(new RegExp(`^arn:aws:iam::\\d{12}:role/deckhand-${role}$`));
  });

  test.each(['bot', 'worker'])('%s: a memory limit Node sizes its heap from, and no heap flag that would override it (ADR 0017)', (role) => {
    const container = deployment(role).spec.template.spec.containers[0]!;
    // A million-record PTR scan (bot) and its apply (worker) peaked at 393 MB of RSS in the bench.
    expect(container.resources?.limits?.memory).toBe('512Mi');
    expect(container.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '').not.toMatch(/max-old-space-size|max-semi-space-size/);
  });

  test('the worker is not evicted by cluster-autoscaler mid-step', () => {
    expect(deployment('worker').spec.template.metadata.annotations?.['cluster-autoscaler.kubernetes.io/safe-to-evict']).toBe('false');
  });

  test('secrets come from the existing Secret deckhand-slack; settings from the generated ConfigMaps', () => {
    for (const role of ['bot', 'worker']) {
      const container = deployment(role).spec.template.spec.containers[0]!;
      expect(container.envFrom?.find((e) => e.secretRef)?.secretRef?.name).toBe('deckhand-slack');
      const env = container.envFrom?.find((e) => e.configMapRef)?.configMapRef?.name;
      expect(objects.some((m) => m.kind === 'ConfigMap' && m.metadata.name === env)).toBe(true);
    }
    expect(objects.some((m) => m.kind === 'Secret')).toBe(false);
  });

  test("the policy ConfigMap is a valid deckhand policy file", () => {
    const policy = objects.find((m) => m.kind === 'ConfigMap' && m.metadata.name.startsWith('deckhand-policy')) as Manifest & { data: Record<string, string> };
    const kinds = createRegistry();
    const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-x', SLACK_SIGNING_SECRET: 's', DECKHAND_CONFIG: 'policy.yaml' }, { kinds, reports: createReportRegistry(PRODUCT_REPORTS, kinds.keys()).keys(), readFile: () => policy.data['policy.yaml']! });
    expect(Object.keys(config.policy.commands)).toEqual(expect.arrayContaining(['rollout', 'ptr-cleanup', 'resize']));
  });

  test('the Ingress routes /slack/events to the bot Service', () => {
    const ingress = objects.find((m) => m.kind === 'Ingress') as Manifest & { spec: k8s.V1IngressSpec };
    const path = ingress.spec.rules![0]!.http!.paths[0]!;
    expect([path.path, path.backend.service?.name, path.backend.service?.port?.name]).toEqual(['/slack/events', 'deckhand-bot', 'http']);
  });
});

describe('RBAC', () => {
  test('what kustomize renders is exactly what the sandbox enforces, bound to the identities it uses', async () => {
    const rendered = (await render('base')).filter((m) => /Role|RoleBinding/.test(m.kind));
    const enforced = Rbac.fromFile(SHIPPED_RBAC_FILE);
    const fromRender = Rbac.fromYaml(rendered.map((m) => stringify(m)).join('---\n'), 'kubectl kustomize base');
    expect(fromRender.grants().sort()).toEqual(enforced.grants().sort());
    const subjects = fromRender.bindings.flatMap((b) => b.subjects.map((s) => `system:serviceaccount:${s.namespace}:${s.name}`));
    expect([...new Set(subjects)].sort()).toEqual([IDENTITIES.bot.kubernetesUser, IDENTITIES.worker.kubernetesUser]);
    expect(DECKHAND_NAMESPACE).toBe('deckhand');
  });

  test('the bot may not change anything', () => {
    const writes = new Set(['create', 'update', 'patch', 'delete', 'deletecollection', '*']);
    expect(Rbac.fromFile(SHIPPED_RBAC_FILE).grants().filter((g) => g.startsWith('ClusterRole/deckhand-bot:') && writes.has(g.split(': ')[1]!.split(' ')[0]!))).toEqual([]);
  });
});
