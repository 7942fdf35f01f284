/**
 * The API server's serving certificate. kubectl sends a kubeconfig's bearer token only over https, and a real
 * API server answers a request without credentials with 401, so the sandbox serves https too: a self-signed
 * certificate made for each sandbox (the kubeconfigs skip verification, as for any self-signed cluster).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ServingCertificate {
  key: string;
  cert: string;
}

export function selfSignedCertificate(dir: string): ServingCertificate {
  const key = join(dir, 'apiserver.key');
  const cert = join(dir, 'apiserver.crt');
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '3650', '-subj', '/CN=kube-apiserver', '-addext', 'subjectAltName=IP:127.0.0.1'],
      { stdio: 'ignore' },
    );
  } catch (err) {
    throw new Error(`openssl could not make the sandbox API server's certificate (install the openssl package): ${(err as Error).message}`, { cause: err });
  }
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}
