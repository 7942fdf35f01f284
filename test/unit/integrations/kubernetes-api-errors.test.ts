import { ApiException } from '@kubernetes/client-node';
import { hasStatus, ifFound } from '../../../src/integrations/kubernetes/api-errors.js';

const apiError = (code: number) => new ApiException(code, `HTTP ${code}`, { kind: 'Status', code }, {});

describe('Kubernetes API errors', () => {
  it('reads the HTTP status of an ApiException, and of nothing else', () => {
    expect(hasStatus(apiError(409), 409)).toBe(true);
    expect(hasStatus(apiError(409), 404)).toBe(false);
    expect(hasStatus(Object.assign(new Error('x'), { code: 404 }), 404)).toBe(false);
  });

  it('ifFound answers undefined on 404 and passes every other outcome through', async () => {
    await expect(ifFound(Promise.resolve('node'))).resolves.toBe('node');
    await expect(ifFound(Promise.reject(apiError(404)))).resolves.toBeUndefined();
    await expect(ifFound(Promise.reject(apiError(403)))).rejects.toMatchObject({ code: 403 });
    await expect(ifFound(Promise.reject(new Error('socket hang up')))).rejects.toThrow('socket hang up');
  });
});
