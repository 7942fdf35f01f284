/**
 * Request authorization for the simulated AWS services. The caller is identified by the access key in the
 * SigV4 `Authorization` header (signatures are not verified); deckhand's roles are held to their policies,
 * the administrator is not. A refused request is recorded in the access log and, like a mutation, in the
 * mutation log (action `denied`), then answered with the service's own error by `http.ts`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { DECKHAND_ROLES, IDENTITIES, type AccessLog, type DeckhandRole, type SandboxIdentity } from '../../access.js';
import type { VirtualClock } from '../../clock.js';
import type { MutationLog, SandboxService } from '../../contracts.js';
import { evaluate, type AuthRequest } from './evaluate.js';
import { loadPolicy, type Policy } from './policy.js';

export interface CloudPrincipal {
  identity: SandboxIdentity;
  arn: string;
  /** Absent for the administrator, whom nothing restricts. */
  policy?: Policy;
}

export class AccessDeniedError extends Error {
  constructor(
    readonly principal: string,
    readonly request: AuthRequest,
    readonly reason: 'explicit-deny' | 'implicit-deny',
    message: string,
  ) {
    super(message);
  }
}

/** The variables `deploy/aws/*.json` are rendered with (the install guide's envsubst list). */
export interface PolicyVariables {
  AWS_ACCOUNT_ID: string;
  AWS_REGION: string;
  /** IAM role of the node groups' instance profile: what the worker may pass to EC2 through a launch template. */
  NODE_ROLE_NAME: string;
}

/** deckhand's shipped policies, rendered for this account. */
export function shippedPolicies(deployDir: string, variables: PolicyVariables): Record<DeckhandRole, Policy> {
  const load = (role: DeckhandRole) => loadPolicy(join(deployDir, 'aws', `${role}-policy.json`), `deploy/aws/${role}-policy.json`, { ...variables });
  return { bot: load('bot'), worker: load('worker') };
}

function denialMessage(principal: string, request: AuthRequest, reason: AccessDeniedError['reason']): string {
  const on = request.resource === '*' ? '' : ` on resource: ${request.resource}`;
  const why = reason === 'explicit-deny' ? 'with an explicit deny in an identity-based policy' : `because no identity-based policy allows the ${request.action} action`;
  return `User: ${principal} is not authorized to perform: ${request.action}${on} ${why}`;
}

export class CloudAuthorizer {
  private readonly byAccessKey: Map<string, CloudPrincipal>;

  constructor(
    accountId: string,
    policies: Record<DeckhandRole, Policy>,
    private readonly access: AccessLog,
    private readonly log: MutationLog,
    private readonly clock: VirtualClock,
  ) {
    const admin: CloudPrincipal = { identity: IDENTITIES.admin, arn: `arn:aws:iam::${accountId}:user/${IDENTITIES.admin.awsName}` };
    const roles = DECKHAND_ROLES.map((role): CloudPrincipal => {
      const identity = IDENTITIES[role];
      return { identity, arn: `arn:aws:sts::${accountId}:assumed-role/${identity.awsName}/sandbox`, policy: policies[role] };
    });
    this.byAccessKey = new Map([admin, ...roles].map((p) => [p.identity.accessKeyId, p]));
  }

  /** The caller named by the request's SigV4 credential scope; undefined for a key the account does not know. */
  principalFor(headers: IncomingHttpHeaders): CloudPrincipal | undefined {
    const accessKey = /Credential=([^/,\s]+)\//.exec(String(headers.authorization ?? ''))?.[1];
    return accessKey === undefined ? undefined : this.byAccessKey.get(accessKey);
  }

  /**
   * Every request must be allowed (an operation may need several: updating a group to a launch template is also
   * checked as ec2:RunInstances on the template's resources). Throws AccessDeniedError for the first refused
   * one; `message` replaces IAM's standard text where the service words it differently.
   */
  authorize(service: SandboxService, principal: CloudPrincipal, requests: AuthRequest[], message?: string): void {
    if (!principal.policy) return;
    const grants: string[] = [];
    for (const request of requests) {
      const decision = evaluate([principal.policy], request);
      if (decision.allowed) {
        grants.push(...decision.grants);
        continue;
      }
      this.access.denied({ service, principal: principal.arn, action: request.action, resource: request.resource, reason: decision.reason });
      this.log.record({ at: this.clock.now(), service, action: 'denied', target: request.resource, details: { principal: principal.arn, action: request.action, reason: decision.reason } });
      throw new AccessDeniedError(principal.arn, request, decision.reason, message ?? denialMessage(principal.arn, request, decision.reason));
    }
    this.access.allowed(grants);
  }
}
