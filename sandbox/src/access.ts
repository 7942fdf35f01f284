/**
 * Who may call the sandbox, and a record of what they were allowed and refused. deckhand has two identities,
 * like its two Deployments in production: the bot observes and plans (read-only), the worker mutates. Each has
 * AWS credentials (an access key naming an IAM role whose policy is `deploy/aws/<role>-policy.json`) and a
 * Kubernetes ServiceAccount token (bound by `deploy/kubernetes/base/rbac.yaml`). The administrator (humans,
 * kubectl, the sandbox's own tests of the simulated services) may do anything and is not recorded.
 */
import { appendFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SandboxService } from './contracts.js';

/** The repository's `deploy/`: the policies and RBAC the sandbox enforces are the ones deckhand ships. */
export const DEPLOY_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../deploy');

export type DeckhandRole = 'bot' | 'worker';
export const DECKHAND_ROLES: DeckhandRole[] = ['bot', 'worker'];
export type SandboxRole = DeckhandRole | 'admin';

export interface SandboxIdentity {
  role: SandboxRole;
  /** IAM role name (deckhand's) or user name (admin). */
  awsName: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Bearer token the sandbox API server maps to `kubernetesUser`. */
  kubeToken: string;
  /** Kubernetes user name: deckhand's ServiceAccounts, or the cluster admin. */
  kubernetesUser: string;
  kubernetesGroups: string[];
}

/** Namespace of deckhand's ServiceAccounts in `deploy/kubernetes/base`. */
export const DECKHAND_NAMESPACE = 'deckhand';

function deckhand(role: DeckhandRole): SandboxIdentity {
  return {
    role,
    awsName: `deckhand-${role}`,
    accessKeyId: `ASIASANDBOXDECKHAND${role.toUpperCase()}`,
    secretAccessKey: `sandbox-deckhand-${role}`,
    kubeToken: `sandbox-deckhand-${role}`,
    kubernetesUser: `system:serviceaccount:${DECKHAND_NAMESPACE}:deckhand-${role}`,
    kubernetesGroups: ['system:serviceaccounts', `system:serviceaccounts:${DECKHAND_NAMESPACE}`, 'system:authenticated'],
  };
}

export const IDENTITIES: Record<SandboxRole, SandboxIdentity> = {
  bot: deckhand('bot'),
  worker: deckhand('worker'),
  admin: {
    role: 'admin',
    awsName: 'sandbox-admin',
    accessKeyId: 'AKIASANDBOXADMIN',
    secretAccessKey: 'sandbox-admin',
    kubeToken: 'sandbox-admin',
    kubernetesUser: 'kubernetes-admin',
    kubernetesGroups: ['system:masters', 'system:authenticated'],
  },
};

/** A request made with one of deckhand's AWS access keys or ServiceAccount tokens (not a person's or a test's). */
export function isDeckhandRequest(headers: IncomingHttpHeaders): boolean {
  const authorization = String(headers.authorization ?? '');
  return DECKHAND_ROLES.some((role) => {
    const { accessKeyId, kubeToken } = IDENTITIES[role];
    return authorization.includes(`Credential=${accessKeyId}/`) || authorization === `Bearer ${kubeToken}`;
  });
}

export interface Denial {
  service: SandboxService;
  /** IAM principal ARN or Kubernetes user. */
  principal: string;
  /** `autoscaling:SetDesiredCapacity`, or `patch nodes` for Kubernetes. */
  action: string;
  resource: string;
  reason: string;
}

/**
 * Grants deckhand's identities used (an allowed request names every policy statement or RBAC rule that
 * allowed it) and every request refused to them. Appended to a JSON-lines file when the sandbox stops, so a
 * test can compare what a whole test suite used with what the shipped policies grant.
 */
export class AccessLog {
  readonly used = new Set<string>();
  readonly denials: Denial[] = [];

  allowed(grants: string[]): void {
    for (const grant of grants) this.used.add(grant);
  }

  denied(denial: Denial): void {
    this.denials.push(denial);
  }

  appendTo(file: string): void {
    appendFileSync(file, `${JSON.stringify({ used: [...this.used], denials: this.denials })}\n`);
  }
}
