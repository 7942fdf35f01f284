/**
 * Least privilege both ways, over the whole test suite (this file runs last, see test/sequencer.js): every
 * request deckhand's bot and worker made against the sandbox was allowed by the shipped IAM policies and RBAC,
 * and every grant those policies make was used by some test. A grant nothing uses is removed from the policy
 * (or a test is missing); a refused request means the policy lacks something the code needs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { DEPLOY_DIR, type Denial } from '../../sandbox/src/access.js';
import { shippedPolicies } from '../../sandbox/src/cloud/iam/authorizer.js';
import { grantsOf } from '../../sandbox/src/cloud/iam/policy.js';
import { shippedRbac } from '../../sandbox/src/cluster/index.js';

interface AccessRecord {
  used: string[];
  denials: Denial[];
}

function suiteRecords(): AccessRecord[] {
  const file = process.env.DECKHAND_SANDBOX_ACCESS_LOG;
  if (!file || !existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AccessRecord);
}

const records = suiteRecords();
const used = new Set(records.flatMap((r) => r.used));
// Grant ids name the templates' resource patterns, so any values render the same grants.
const policies = shippedPolicies(DEPLOY_DIR, { AWS_ACCOUNT_ID: '000000000000', AWS_REGION: 'any', NODE_ROLE_NAME: 'any' });
const granted = [...grantsOf(policies.bot), ...grantsOf(policies.worker), ...shippedRbac().grants()];

describe('least privilege over the whole suite (npm test)', () => {
  test('the suite ran deckhand against the sandbox', () => {
    // Run alone (or with a test path that starts no sandbox), there is nothing to check: run `npm test`.
    expect({ sandboxesRecorded: records.length > 0 }).toEqual({ sandboxesRecorded: true });
  });

  test('no request of the bot or the worker was refused', () => {
    const denials = records.flatMap((r) => r.denials).map((d) => `${d.principal}: ${d.action} on ${d.resource} (${d.reason})`);
    expect([...new Set(denials)]).toEqual([]);
  });

  test('every grant of deploy/aws/*-policy.json and deploy/kubernetes RBAC (base and the example redis-access.yaml) was used', () => {
    const unused = granted.filter((g) => !used.has(g));
    // What the suite used, for the record when this fails.
    expect({ unused, used: granted.filter((g) => used.has(g)).length, granted: granted.length }).toEqual({ unused: [], used: granted.length, granted: granted.length });
  });
});
