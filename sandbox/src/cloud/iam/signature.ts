/**
 * SigV4 as AWS checks it: the sandbox recomputes each request's signature with the caller's secret key (the SDK's
 * own signer, @smithy/signature-v4) over exactly the headers the request says it signed, so a wrong secret, a
 * request changed after signing or a malformed Authorization header is refused as the real service refuses it.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';

export type SignatureProblem = 'IncompleteSignature' | 'SignatureDoesNotMatch';

/** AWS's words for each problem, in every protocol. */
export const SIGNATURE_MESSAGES: Record<SignatureProblem, string> = {
  SignatureDoesNotMatch:
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  IncompleteSignature: 'The request signature does not conform to AWS standards.',
};

export interface SignedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData): string | Buffer =>
  typeof data === 'string' ? data : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);

/** node:crypto in the shape the signer takes (a hash, or an HMAC when given a secret). */
class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

/** Why the request's signature is not the one `secretAccessKey` makes, or undefined when it is. */
export async function signatureProblem(req: SignedRequest, secretAccessKey: string): Promise<SignatureProblem | undefined> {
  const parts = AUTHORIZATION.exec(String(req.headers.authorization ?? ''));
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  if (!parts || !/^\d{8}T\d{6}Z$/.test(amzDate) || !amzDate.startsWith(parts[2]!)) return 'IncompleteSignature';
  const [, accessKeyId, , region, service, signedHeaderList, signature] = parts;
  const signedHeaders = signedHeaderList!.split(';');
  if (!signedHeaders.includes('host')) return 'IncompleteSignature';
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = req.headers[name];
    if (value === undefined) return 'SignatureDoesNotMatch';
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(req.query.keys())) {
    const values = req.query.getAll(key);
    query[key] = values.length === 1 ? values[0]! : values;
  }
  // applyChecksum off: the signer would add an x-amz-content-sha256 header the caller (the AWS CLI) did not sign.
  const signer = new SignatureV4({ credentials: { accessKeyId: accessKeyId!, secretAccessKey }, region: region!, service: service!, sha256: Sha256, applyChecksum: false });
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13)}`);
  const expected = await signer.sign(
    { method: req.method, protocol: 'http:', hostname: headers.host!.split(':')[0]!, path: req.path, query, headers, body: req.body },
    { signingDate },
  );
  const computed = /Signature=([0-9a-f]{64})/.exec(String(expected.headers.authorization))?.[1] ?? '';
  return computed.length === signature!.length && timingSafeEqual(Buffer.from(computed), Buffer.from(signature!)) ? undefined : 'SignatureDoesNotMatch';
}
