/** The sandbox's IAM policy evaluation: the rules IAM applies, including the ones that surprise people. */
import { evaluate, type AuthRequest } from '../../src/cloud/iam/evaluate.js';
import { grantsOf, parsePolicy, renderTemplate } from '../../src/cloud/iam/policy.js';

const policy = (...statements: object[]) => parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }), 'test-policy');
const allowed = (p: ReturnType<typeof policy>, request: AuthRequest) => evaluate([p], request).allowed;
const GROUP = 'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:uuid:autoScalingGroupName/workers';

describe('IAM evaluation in the sandbox', () => {
  test('actions match case-insensitively with wildcards; resources case-sensitively', () => {
    const p = policy({ Sid: 'A', Effect: 'Allow', Action: 'autoscaling:Describe*', Resource: '*' }, { Sid: 'B', Effect: 'Allow', Action: 'ec2:ModifyVolume', Resource: 'arn:aws:ec2:*:*:volume/vol-0a*' });
    expect(allowed(p, { action: 'AutoScaling:describeAutoScalingGroups', resource: '*' })).toBe(true);
    expect(allowed(p, { action: 'autoscaling:SetDesiredCapacity', resource: '*' })).toBe(false);
    expect(allowed(p, { action: 'ec2:ModifyVolume', resource: 'arn:aws:ec2:us-east-1:123456789012:volume/vol-0a1' })).toBe(true);
    expect(allowed(p, { action: 'ec2:ModifyVolume', resource: 'arn:aws:ec2:us-east-1:123456789012:volume/VOL-0a1' })).toBe(false);
  });

  test('an explicit Deny wins over any Allow; nothing allowed is the implicit deny', () => {
    const p = policy({ Sid: 'All', Effect: 'Allow', Action: '*', Resource: '*' }, { Sid: 'NoTerminate', Effect: 'Deny', Action: 'autoscaling:Terminate*', Resource: '*' });
    expect(evaluate([p], { action: 'autoscaling:TerminateInstanceInAutoScalingGroup', resource: GROUP })).toEqual({ allowed: false, reason: 'explicit-deny', statement: 'test-policy NoTerminate' });
    expect(evaluate([policy({ Sid: 'X', Effect: 'Allow', Action: 'ec2:DescribeImages', Resource: '*' })], { action: 'ec2:DescribeVolumes', resource: '*' })).toEqual({ allowed: false, reason: 'implicit-deny' });
  });

  test('a tag condition: the key must be present with the value (condition keys are case-insensitive)', () => {
    const p = policy({ Sid: 'Tagged', Effect: 'Allow', Action: 'autoscaling:SetDesiredCapacity', Resource: '*', Condition: { StringEquals: { 'autoscaling:ResourceTag/deckhand:managed': 'true' } } });
    expect(allowed(p, { action: 'autoscaling:SetDesiredCapacity', resource: GROUP, context: { 'AutoScaling:ResourceTag/deckhand:managed': 'true' } })).toBe(true);
    expect(allowed(p, { action: 'autoscaling:SetDesiredCapacity', resource: GROUP, context: { 'autoscaling:ResourceTag/deckhand:managed': 'True' } })).toBe(false);
    expect(allowed(p, { action: 'autoscaling:SetDesiredCapacity', resource: GROUP })).toBe(false);
  });

  test('set operators: ForAllValues is true on a missing key (IAM trap), ForAnyValue is false', () => {
    const all = policy({ Sid: 'Ptr', Effect: 'Allow', Action: 'route53:*', Resource: '*', Condition: { 'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsRecordTypes': ['PTR'] } } });
    const any = policy({ Sid: 'Ptr', Effect: 'Allow', Action: 'route53:*', Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'route53:ChangeResourceRecordSetsRecordTypes': ['PTR'] } } });
    const types = (values: string[] | undefined): AuthRequest => ({ action: 'route53:ChangeResourceRecordSets', resource: '*', context: values ? { 'route53:ChangeResourceRecordSetsRecordTypes': values } : {} });
    expect(allowed(all, types(['PTR']))).toBe(true);
    expect(allowed(all, types(['PTR', 'A']))).toBe(false);
    expect(allowed(all, types(undefined))).toBe(true);
    expect(allowed(any, types(['PTR', 'A']))).toBe(true);
    expect(allowed(any, types(['A']))).toBe(false);
    expect(allowed(any, types(undefined))).toBe(false);
  });

  test('StringLike wildcards; a plain operator on a multivalued key fails closed', () => {
    const p = policy({ Sid: 'Reverse', Effect: 'Allow', Action: 'route53:*', Resource: '*', Condition: { StringLike: { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['*.in-addr.arpa'] } } });
    const names = (values: string[]): AuthRequest => ({ action: 'route53:ChangeResourceRecordSets', resource: '*', context: { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': values } });
    expect(allowed(p, names(['5.0.0.10.in-addr.arpa']))).toBe(true);
    expect(allowed(p, names(['www.example.com']))).toBe(false);
    expect(allowed(p, names(['5.0.0.10.in-addr.arpa', '6.0.0.10.in-addr.arpa']))).toBe(false);
  });

  test('negated operators hold on a missing key; IfExists holds on a missing key; Null tests presence', () => {
    const notEquals = policy({ Sid: 'N', Effect: 'Allow', Action: 'ec2:*', Resource: '*', Condition: { StringNotEquals: { 'aws:ResourceTag/env': 'prod' } } });
    expect(allowed(notEquals, { action: 'ec2:ModifyVolume', resource: '*' })).toBe(true);
    expect(allowed(notEquals, { action: 'ec2:ModifyVolume', resource: '*', context: { 'aws:ResourceTag/env': 'prod' } })).toBe(false);
    const ifExists = policy({ Sid: 'I', Effect: 'Allow', Action: 'ec2:*', Resource: '*', Condition: { StringEqualsIfExists: { 'aws:ResourceTag/env': 'dev' } } });
    expect(allowed(ifExists, { action: 'ec2:ModifyVolume', resource: '*' })).toBe(true);
    expect(allowed(ifExists, { action: 'ec2:ModifyVolume', resource: '*', context: { 'aws:ResourceTag/env': 'prod' } })).toBe(false);
    const mustHave = policy({ Sid: 'M', Effect: 'Allow', Action: 'ec2:*', Resource: '*', Condition: { Null: { 'aws:ResourceTag/team': 'false' } } });
    expect(allowed(mustHave, { action: 'ec2:ModifyVolume', resource: '*' })).toBe(false);
    expect(allowed(mustHave, { action: 'ec2:ModifyVolume', resource: '*', context: { 'aws:ResourceTag/team': 'sre' } })).toBe(true);
  });

  test('conditions of one statement must all hold', () => {
    const p = policy({
      Sid: 'Both',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: 'arn:aws:iam::123456789012:role/eks-node',
      Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' }, ArnLike: { 'aws:SourceArn': 'arn:aws:ec2:*' } },
    });
    const pass = (context: Record<string, string>) => allowed(p, { action: 'iam:PassRole', resource: 'arn:aws:iam::123456789012:role/eks-node', context });
    expect(pass({ 'iam:PassedToService': 'ec2.amazonaws.com', 'aws:SourceArn': 'arn:aws:ec2:us-east-1:1:instance/i-1' })).toBe(true);
    expect(pass({ 'iam:PassedToService': 'ec2.amazonaws.com' })).toBe(false);
  });

  test('an allowed request names every grant that allowed it, by the template resource pattern', () => {
    const p = parsePolicy(
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Zones', Effect: 'Allow', Action: ['route53:GetHostedZone', 'route53:ListResourceRecordSets'], Resource: 'arn:aws:route53:::hostedzone/${ZONE}' }] }),
      'zones.json',
      { ZONE: 'Z1' },
    );
    expect(evaluate([p], { action: 'route53:GetHostedZone', resource: 'arn:aws:route53:::hostedzone/Z1' })).toEqual({ allowed: true, grants: ['zones.json Zones: route53:GetHostedZone on arn:aws:route53:::hostedzone/${ZONE}'] });
    expect(grantsOf(p)).toEqual(['zones.json Zones: route53:GetHostedZone on arn:aws:route53:::hostedzone/${ZONE}', 'zones.json Zones: route53:ListResourceRecordSets on arn:aws:route53:::hostedzone/${ZONE}']);
  });
});

describe('policy documents the sandbox refuses to load', () => {
  test.each([
    ['an operator the evaluator does not know', { Sid: 'X', Effect: 'Allow', Action: '*', Resource: '*', Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } } }, /NumericLessThan is not supported/],
    ['a Principal (a resource policy)', { Sid: 'X', Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }, /unsupported element\(s\) Principal/],
    ['a misspelt effect', { Sid: 'X', Effect: 'allow', Action: '*', Resource: '*' }, /Effect must be Allow or Deny/],
    ['no Resource', { Sid: 'X', Effect: 'Allow', Action: '*' }, /exactly one of Resource and NotResource/],
    ['an IAM policy variable', { Sid: 'X', Effect: 'Allow', Action: '*', Resource: 'arn:aws:iam::1:user/${aws:username}' }, /IAM policy variables are not supported/],
  ])('%s', (_name, statement, error) => {
    expect(() => policy(statement)).toThrow(error);
  });

  test('a placeholder without a value, and a Sid used twice', () => {
    expect(() => renderTemplate('arn:aws:iam::${AWS_ACCOUNT_ID}:role/x', {}, 'p.json')).toThrow('p.json: no value for ${AWS_ACCOUNT_ID}');
    expect(() => policy({ Sid: 'S', Effect: 'Allow', Action: '*', Resource: '*' }, { Sid: 'S', Effect: 'Deny', Action: '*', Resource: '*' })).toThrow('two statements have the Sid S');
  });

  test('grants cannot be listed for an Allow with NotAction', () => {
    expect(() => grantsOf(policy({ Sid: 'Wide', Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }))).toThrow(/grants more than anyone can check/);
  });
});
