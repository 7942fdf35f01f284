import { RefusalError, TransientError, UsageError, UserFacingError } from '../../src/errors.js';

describe('errors', () => {
  it('keep the error they were raised because of, and the code that chose their text', () => {
    const slack = Object.assign(new Error('An API error occurred: not_in_channel'), { data: { error: 'not_in_channel' } });
    const error = new UserFacingError('deckhand is not a member of #x', { code: 'slack-not-in-channel', cause: slack });
    expect(error.cause).toBe(slack);
    expect(error.code).toBe('slack-not-in-channel');
    expect(new TransientError('Route 53 kept throttling', { code: 'route53-throttled', cause: slack })).toMatchObject({ name: 'TransientError', code: 'route53-throttled', cause: slack });
  });

  it('have no cause or code when there is none', () => {
    for (const error of [new UserFacingError('x'), new RefusalError('x'), new UsageError('x', '/deckhand help'), new TransientError('x')]) {
      expect(error.cause).toBeUndefined();
      expect(error.code).toBeUndefined();
      expect('cause' in error).toBe(false);
    }
  });

  it('keep their audience: refusals and usage errors are user-facing, transient errors are not', () => {
    expect(new RefusalError('no')).toBeInstanceOf(UserFacingError);
    expect(new UsageError('bad', 'example')).toMatchObject({ name: 'UsageError', example: 'example' });
    expect(new TransientError('later')).not.toBeInstanceOf(UserFacingError);
  });
});
