/** Kubernetes API errors, read by HTTP status: the one thing @kubernetes/client-node reports reliably. */
import { ApiException } from '@kubernetes/client-node';

export function hasStatus(error: unknown, code: number): error is ApiException<unknown> {
  return error instanceof ApiException && error.code === code;
}

/** The call's answer, or undefined on 404: for callers, "it is not there" is an answer, not a failure. */
export async function ifFound<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (hasStatus(error, 404)) return undefined;
    throw error;
  }
}
