/**
 * Authentication and RBAC for the sandbox API server, as the real one evaluates them: a bearer token names a
 * user and groups; `system:masters` may do anything; everyone else gets what the ClusterRoleBindings and
 * RoleBindings naming them (User, Group or ServiceAccount subjects) grant through their roles' rules.
 * Subresources are their own resources (`pods/eviction`, `deployments/scale`); `resourceNames` limits a rule
 * to named objects and so never matches list or create. The rules come from deckhand's shipped
 * `deploy/kubernetes/base/rbac.yaml`.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { IDENTITIES, type AccessLog, type SandboxIdentity } from '../../access.js';
import type { MutationLog } from '../../contracts.js';
import { ApiError } from './status.js';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

interface RbacRole {
  kind: 'Role' | 'ClusterRole';
  name: string;
  namespace?: string;
  rules: PolicyRule[];
}

interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount';
  name: string;
  namespace?: string;
}

interface RbacBinding {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  name: string;
  namespace?: string;
  roleRef: { kind: 'Role' | 'ClusterRole'; name: string };
  subjects: Subject[];
}

/** What a request asks, in RBAC's terms. */
export interface RequestAttributes {
  verb: string;
  apiGroup: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

const RBAC_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

interface Manifest {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  rules?: PolicyRule[];
  roleRef?: RbacBinding['roleRef'];
  subjects?: Subject[];
}

export class Rbac {
  private constructor(
    readonly roles: RbacRole[],
    readonly bindings: RbacBinding[],
  ) {}

  /** The RBAC objects among a multi-document YAML file (other kinds, e.g. ServiceAccounts, are skipped). */
  static fromYaml(text: string, source: string): Rbac {
    const roles: RbacRole[] = [];
    const bindings: RbacBinding[] = [];
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length) throw new Error(`${source}: ${doc.errors[0]!.message}`);
      const m = doc.toJS() as Manifest | null;
      if (!m?.kind || !RBAC_KINDS.has(m.kind)) continue;
      const name = m.metadata?.name;
      if (!name) throw new Error(`${source}: a ${m.kind} without metadata.name`);
      const namespace = m.metadata?.namespace;
      if ((m.kind === 'Role' || m.kind === 'RoleBinding') && !namespace) throw new Error(`${source}: ${m.kind} ${name} names no namespace`);
      if (m.kind === 'Role' || m.kind === 'ClusterRole') roles.push({ kind: m.kind, name, namespace, rules: m.rules ?? [] });
      else if (!m.roleRef || !m.subjects) throw new Error(`${source}: ${m.kind} ${name} needs roleRef and subjects`);
      else bindings.push({ kind: m.kind as RbacBinding['kind'], name, namespace, roleRef: m.roleRef, subjects: m.subjects });
    }
    return new Rbac(roles, bindings);
  }

  static fromFile(path: string): Rbac {
    return Rbac.fromYaml(readFileSync(path, 'utf8'), path);
  }

  private role(ref: RbacBinding['roleRef'], namespace: string | undefined): RbacRole | undefined {
    return this.roles.find((r) => r.kind === ref.kind && r.name === ref.name && (ref.kind === 'ClusterRole' || r.namespace === namespace));
  }

  /** Every grant the rules make, one per API group × resource × verb (and its resourceNames). */
  grants(): string[] {
    return this.roles.flatMap((role) => role.rules.flatMap((rule) => rule.apiGroups.flatMap((g) => rule.resources.flatMap((r) => rule.verbs.map((v) => grantId(role, rule, g, r, v))))));
  }

  /** The grants that allow the request (empty = forbidden). */
  allowing(identity: SandboxIdentity, request: RequestAttributes): string[] {
    const resource = request.subresource ? `${request.resource}/${request.subresource}` : request.resource;
    const grants: string[] = [];
    for (const binding of this.bindings) {
      if (!binding.subjects.some((s) => names(s, identity))) continue;
      // A RoleBinding grants only inside its namespace, even when it refers to a ClusterRole.
      if (binding.kind === 'RoleBinding' && binding.namespace !== request.namespace) continue;
      const role = this.role(binding.roleRef, binding.namespace);
      for (const rule of role?.rules ?? []) {
        const group = rule.apiGroups.find((g) => g === '*' || g === request.apiGroup);
        const res = rule.resources.find((r) => r === '*' || r === resource);
        const verb = rule.verbs.find((v) => v === '*' || v === request.verb);
        const named = !rule.resourceNames?.length || (request.name !== undefined && rule.resourceNames.includes(request.name));
        if (group !== undefined && res !== undefined && verb !== undefined && named) grants.push(grantId(role!, rule, group, res, verb));
      }
    }
    return grants;
  }
}

function grantId(role: RbacRole, rule: PolicyRule, group: string, resource: string, verb: string): string {
  const names = rule.resourceNames?.length ? ` [${rule.resourceNames.join(',')}]` : '';
  return `${role.kind}/${role.namespace ? `${role.namespace}/` : ''}${role.name}: ${verb} ${group || 'core'}/${resource}${names}`;
}

function names(subject: Subject, identity: SandboxIdentity): boolean {
  if (subject.kind === 'ServiceAccount') return identity.kubernetesUser === `system:serviceaccount:${subject.namespace}:${subject.name}`;
  if (subject.kind === 'Group') return identity.kubernetesGroups.includes(subject.name);
  return identity.kubernetesUser === subject.name;
}

/** The API server's side: who calls, and whether RBAC lets them. */
export class ApiAuthorizer {
  constructor(
    private readonly rbac: Rbac,
    private readonly access: AccessLog,
    private readonly log: MutationLog,
    private readonly now: () => number,
  ) {}

  /** 401 for a request without a token or with one the cluster does not know, as a real API server answers. */
  identify(authorization: string | undefined): SandboxIdentity {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    const identity = Object.values(IDENTITIES).find((i) => i.kubeToken === token);
    if (!identity) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
    return identity;
  }

  /** 403 Forbidden, worded like the API server, unless the caller's RBAC allows the request. */
  authorize(identity: SandboxIdentity, request: RequestAttributes): void {
    if (identity.kubernetesGroups.includes('system:masters')) return;
    const grants = this.rbac.allowing(identity, request);
    if (grants.length > 0) {
      this.access.allowed(grants);
      return;
    }
    const resource = request.subresource ? `${request.resource}/${request.subresource}` : request.resource;
    const where = request.namespace ? `in the namespace "${request.namespace}"` : 'at the cluster scope';
    const subject = request.name ? `${request.resource} "${request.name}"` : request.resource;
    const target = `${request.verb} ${resource} ${request.namespace ? `${request.namespace}/` : ''}${request.name ?? ''}`.trim();
    this.access.denied({ service: 'kubernetes', principal: identity.kubernetesUser, action: `${request.verb} ${resource}`, resource: target, reason: 'no RBAC rule allows it' });
    this.log.record({ at: this.now(), service: 'kubernetes', action: 'denied', target, details: { principal: identity.kubernetesUser, verb: request.verb, resource, namespace: request.namespace } });
    throw new ApiError(
      403,
      'Forbidden',
      `${subject} is forbidden: User "${identity.kubernetesUser}" cannot ${request.verb} resource "${resource}" in API group "${request.apiGroup}" ${where}`,
      { name: request.name, group: request.apiGroup || undefined, kind: request.resource },
    );
  }
}
