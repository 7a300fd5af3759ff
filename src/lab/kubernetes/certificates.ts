/**
 * The lab's certificate authority and the API server's certificate. Node can check
 * X.509 but not build it, and a hand-written DER encoder would be one more thing to
 * get subtly wrong for clients as strict as Go's crypto/x509; Debian's `openssl` is
 * on every machine the lab runs on, makes EC keys in milliseconds, and its output is
 * what kubeadm-made clusters look like (a self-signed CA, a leaf with IP SANs).
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LabCertificates {
  /** PEM of the lab CA, what a kubeconfig's certificate-authority-data carries. */
  caPem: string;
  /** The API server's certificate (PEM), issued by the CA for 127.0.0.1 and localhost. */
  certPem: string;
  keyPem: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('the lab needs the openssl program for its Kubernetes API certificates (Debian: apt-get install openssl)');
    throw new Error(`openssl ${args[0]} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

/** A fresh CA and server certificate (EC P-256, valid 10 days), made with openssl in a temporary directory. */
export async function createLabCertificates(): Promise<LabCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'faultline-lab-ca-'));
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    await openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '10', '-subj', '/CN=faultline-lab-ca', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature'], dir);
    await openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kube-apiserver'], dir);
    await writeFile(
      join(dir, 'server.ext'),
      'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\n',
    );
    await openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '10', '-extfile', 'server.ext'], dir);
    const [caPem, certPem, keyPem] = await Promise.all(['ca.crt', 'server.crt', 'server.key'].map((f) => readFile(join(dir, f), 'utf8')));
    const leaf = new X509Certificate(certPem as string);
    if (!leaf.verify(new X509Certificate(caPem as string).publicKey)) throw new Error('openssl made a server certificate the lab CA did not sign');
    return { caPem: caPem as string, certPem: certPem as string, keyPem: keyPem as string };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

let shared: Promise<LabCertificates> | undefined;

/**
 * One CA per process: tests start many labs and each openssl run costs tens of
 * milliseconds; the key never leaves the process and the CA lives ten days.
 */
export function labCertificates(): Promise<LabCertificates> {
  shared ??= createLabCertificates().catch((err: unknown) => {
    shared = undefined;
    throw err;
  });
  return shared;
}
