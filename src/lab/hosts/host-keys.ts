/**
 * Ed25519 keys derived from the lab's seed, so the same seed gives the same host keys
 * (a known_hosts file written yesterday still matches) and the same client key.
 *
 * Why not ssh2's `utils.generateKeyPairSync`: it draws random keys. Here the 32-byte
 * ed25519 seed is a hash of (lab seed, label); node:crypto turns it into a key pair
 * (PKCS#8 DER with the seed inside), and the private key is written in the
 * `openssh-key-v1` format that both ssh2 and OpenSSH read.
 */
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';

export interface LabKeyPair {
  /** `-----BEGIN OPENSSH PRIVATE KEY-----` … (unencrypted). */
  readonly privateKey: string;
  /** `ssh-ed25519 AAAA… comment` */
  readonly publicKey: string;
  /** The SSH wire form of the public key (what a client is shown as the host key). */
  readonly publicBlob: Buffer;
}

/** RFC 8410 PKCS#8 prefix for an Ed25519 private key; the 32-byte seed follows. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function sshString(data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** The ed25519 key pair for `label` under `seed`; the same arguments always give the same key. */
export function seededEd25519(seed: string, label: string, comment = label): LabKeyPair {
  const secret = createHash('sha256').update(`faultline-lab ed25519\0${seed}\0${label}`).digest();
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, secret]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  const pub = spki.subarray(spki.length - 32);
  const publicBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  // Any value works as long as both copies agree; derive it so the file is reproducible too.
  const check = secret.readUInt32BE(0);
  let privateSection = Buffer.concat([uint32(check), uint32(check), sshString('ssh-ed25519'), sshString(pub), sshString(Buffer.concat([secret, pub])), sshString(comment)]);
  const pad: number[] = [];
  for (let i = 1; (privateSection.length + pad.length) % 8 !== 0; i++) pad.push(i);
  privateSection = Buffer.concat([privateSection, Buffer.from(pad)]);
  const blob = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    sshString('none'),
    sshString('none'),
    sshString(Buffer.alloc(0)),
    uint32(1),
    sshString(publicBlob),
    sshString(privateSection),
  ]);
  const b64 = blob.toString('base64').replace(/.{1,70}/g, '$&\n');
  return {
    privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${b64}-----END OPENSSH PRIVATE KEY-----\n`,
    publicKey: `ssh-ed25519 ${publicBlob.toString('base64')} ${comment}`,
    publicBlob,
  };
}
