/**
 * deploy/aws as the install guide uses it: every template renders with the variables its README's envsubst
 * line names (nothing left unrendered), and the permission policies use `Resource: "*"` only for actions that
 * have no resource-level permissions. What the policies allow is checked by every other test (the sandbox
 * enforces them) and by test/permissions/least-privilege.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEPLOY_DIR } from '../../sandbox/src/access.js';
import { parsePolicy, renderTemplate } from '../../sandbox/src/cloud/iam/policy.js';

const AWS_DIR = join(DEPLOY_DIR, 'aws');
const templates = readdirSync(AWS_DIR).filter((f) => f.endsWith('.json'));
const readmeVariables = /vars='([^']+)'/.exec(readFileSync(join(AWS_DIR, 'README.md'), 'utf8'))![1]!.split(/\s+/).map((v) => v.replace(/^\$/, ''));
const values = Object.fromEntries(readmeVariables.map((name) => [name, `value-of-${name}`]));

/** Actions IAM cannot scope to a resource: the only ones a policy may grant on `*`. */
const NO_RESOURCE_LEVEL = /^(autoscaling:Describe\w+|ec2:Describe\w+|route53:ListHostedZones|pricing:\w+)$/;

describe('deploy/aws', () => {
  test.each(templates)('%s renders with the README\'s envsubst variables into valid JSON', (file) => {
    const rendered = renderTemplate(readFileSync(join(AWS_DIR, file), 'utf8'), values, file);
    expect(rendered).not.toMatch(/\$\{[A-Z]/);
    expect(() => JSON.parse(rendered)).not.toThrow();
  });

  test.each(['bot-policy.json', 'worker-policy.json'])('%s grants "*" only to actions without resource-level permissions', (file) => {
    const policy = parsePolicy(readFileSync(join(AWS_DIR, file), 'utf8'), file, values);
    const wide = policy.statements.filter((s) => s.resources.some((r) => r.pattern === '*')).flatMap((s) => s.actions);
    expect(wide.length).toBeGreaterThan(0);
    expect(wide.filter((a) => !NO_RESOURCE_LEVEL.test(a))).toEqual([]);
    expect(policy.statements.flatMap((s) => s.actions).filter((a) => a.includes('*'))).toEqual([]);
  });

  test('the bot may not change anything', () => {
    const bot = parsePolicy(readFileSync(join(AWS_DIR, 'bot-policy.json'), 'utf8'), 'bot', values);
    expect(bot.statements.flatMap((s) => s.actions).filter((a) => !/:(Describe|List|Get)\w+$/.test(a))).toEqual([]);
  });
});
