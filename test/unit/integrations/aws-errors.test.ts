import { hasAwsErrorCode, isAwsThrottling } from '../../../src/integrations/aws/errors.js';

const named = (name: string) => Object.assign(new Error(name), { name });

describe('AWS errors', () => {
  it('reads the service code from the name, or from Code (EC2 Query)', () => {
    expect(hasAwsErrorCode(named('InvalidChangeBatch'), 'InvalidChangeBatch')).toBe(true);
    expect(hasAwsErrorCode(Object.assign(new Error('gone'), { Code: 'InvalidVolume.NotFound' }), 'InvalidVolume.NotFound')).toBe(true);
    expect(hasAwsErrorCode(named('InvalidVolume.Malformed'), 'InvalidVolume.NotFound')).toBe(false);
    expect(hasAwsErrorCode({ name: 'InvalidChangeBatch' }, 'InvalidChangeBatch')).toBe(false);
  });

  it.each([
    ['Throttling', true],
    ['ThrottlingException', true],
    ['PriorRequestNotComplete', true],
    ['RequestLimitExceeded', true],
    ['TooManyRequestsException', true],
    ['InvalidChangeBatch', false],
    ['AccessDenied', false],
  ])('%s is throttling: %s', (code, throttling) => {
    expect(isAwsThrottling(named(code))).toBe(throttling);
  });
});
