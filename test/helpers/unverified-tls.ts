/**
 * A GET to the sandbox API server that, like its kubeconfigs' insecure-skip-tls-verify, accepts its self-signed
 * certificate (sandbox/src/cluster/api/tls.ts); for tests that look at raw responses.
 */
import { get } from 'node:https';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function getUnverified(url: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    get(url, { headers, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    }).on('error', reject);
  });
}
