/**
 * AWS SDK v3 errors, read by name: the SDK names a service error after the code in the service's answer
 * (`Throttling`, `InvalidChangeBatch`, `InvalidVolume.NotFound`). EC2 Query errors also carry it as `Code`.
 */
export function hasAwsErrorCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error.name === code || (error as { Code?: string }).Code === code);
}

/** Throttling, and Route 53's "the zone is still busy with your previous change" (docs/platform-facts.md#aws-sdk-v3). */
const THROTTLING_CODES = ['Throttling', 'ThrottlingException', 'PriorRequestNotComplete', 'RequestLimitExceeded', 'TooManyRequestsException'];

export function isAwsThrottling(error: unknown): boolean {
  return THROTTLING_CODES.some((code) => hasAwsErrorCode(error, code));
}
