/**
 * OpenSSH known_hosts, read the way `ssh` reads it: plain and hashed
 * (`|1|salt|hash`, HMAC-SHA1 of the name) host fields, comma-separated
 * patterns with `*`/`?` wildcards and `!` negation, `[host]:port` for
 * non-standard ports, `@revoked` lines, comments. `@cert-authority` lines are
 * kept but never match a plain host key (certificates are not supported).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { guarded, lines, type Parsed } from './parsers/common.js';

export interface KnownHostEntry {
  readonly marker?: 'cert-authority' | 'revoked';
  /** The host field as written (patterns or one hashed name). */
  readonly hosts: string;
  readonly keyType: string;
  readonly key: Buffer;
  readonly line: number;
}

export function parseKnownHosts(text: string, file = 'known_hosts'): Parsed<KnownHostEntry[]> {
  return guarded(file, text, () => [], (body, warn) => {
    const out: KnownHostEntry[] = [];
    lines(body).forEach((raw, i) => {
      const line = raw.trim();
      if (!line || line.startsWith('#')) return;
      const fields = line.split(/\s+/);
      let marker: KnownHostEntry['marker'];
      if (fields[0]?.startsWith('@')) {
        const m = fields.shift();
        if (m === '@cert-authority') marker = 'cert-authority';
        else if (m === '@revoked') marker = 'revoked';
        else {
          warn(`line ${i + 1}: unknown marker ${m}`);
          return;
        }
      }
      const [hosts, keyType, keyB64] = fields;
      if (!hosts || !keyType || !keyB64 || !/^[A-Za-z0-9+/]+=*$/.test(keyB64)) {
        warn(`line ${i + 1}: not a "hosts keytype key" line`);
        return;
      }
      out.push({ ...(marker ? { marker } : {}), hosts, keyType, key: Buffer.from(keyB64, 'base64'), line: i + 1 });
    });
    return out;
  });
}

/** The name ssh looks up: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** `SHA256:…` as `ssh-keygen -l` prints it. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The algorithm name at the start of an SSH public key blob. */
export function keyTypeOf(key: Buffer): string | undefined {
  if (key.length < 4) return undefined;
  const n = key.readUInt32BE(0);
  return n > 0 && n < 64 && key.length >= 4 + n ? key.subarray(4, 4 + n).toString('latin1') : undefined;
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\[/g, '\\[').replace(/\]/g, '\\]').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

function hashedMatch(field: string, name: string): boolean {
  const parts = field.split('|');
  if (parts.length !== 4 || parts[1] !== '1' || !parts[2] || !parts[3]) return false;
  const salt = Buffer.from(parts[2], 'base64');
  const want = Buffer.from(parts[3], 'base64');
  const got = createHmac('sha1', salt).update(name).digest();
  return want.length === got.length && timingSafeEqual(want, got);
}

/** Does the entry's host field name `name` (already in `[host]:port` form when needed)? */
export function entryMatches(entry: KnownHostEntry, name: string): boolean {
  if (entry.hosts.startsWith('|')) return hashedMatch(entry.hosts, name);
  let matched = false;
  for (const pattern of entry.hosts.split(',')) {
    if (!pattern) continue;
    const negated = pattern.startsWith('!');
    const re = globToRegExp(negated ? pattern.slice(1) : pattern);
    if (re.test(name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

export type HostKeyVerdict = { ok: true; line: number } | { ok: false; reason: 'unknown' | 'mismatch' | 'revoked'; message: string };

/**
 * Checks the key a server offered against the entries for any of `names`
 * (the address connected to and the host's other names, each already in
 * `knownHostsName` form). A revoked key fails; a key listed for the host
 * passes; entries for the host that all differ are a mismatch; none is unknown.
 */
export function verifyHostKey(entries: readonly KnownHostEntry[], names: readonly string[], key: Buffer, file = 'known_hosts'): HostKeyVerdict {
  const offered = `${keyTypeOf(key) ?? 'unknown key type'} ${fingerprint(key)}`;
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(key));
  if (revoked) return { ok: false, reason: 'revoked', message: `host key ${offered} is marked @revoked in ${file} line ${revoked.line}` };
  const forHost = entries.filter((e) => e.marker === undefined && names.some((n) => entryMatches(e, n)));
  const same = forHost.find((e) => e.key.equals(key));
  if (same) return { ok: true, line: same.line };
  if (forHost.length > 0) {
    const where = forHost.map((e) => `${e.keyType} at line ${e.line}`).join(', ');
    return {
      ok: false,
      reason: 'mismatch',
      message: `host key mismatch for ${names[0]}: offered ${offered}, ${file} has ${where}. The host was reinstalled or someone is intercepting the connection; verify and update ${file}`,
    };
  }
  return {
    ok: false,
    reason: 'unknown',
    message: `host ${names[0]} is not in ${file} (offered ${offered}); add its key (ssh-keyscan, then verify the fingerprint) or opt out with insecureSkipHostKeyCheck`,
  };
}

const SIGNATURE_ALGORITHMS: Record<string, readonly string[]> = {
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/**
 * The host key algorithms to offer for these names: those of the keys on
 * record, so a host known by its ECDSA key is not asked for its Ed25519 key
 * (which would look like a changed key). Empty when nothing is on record.
 */
export function hostKeyAlgorithmsFor(entries: readonly KnownHostEntry[], names: readonly string[]): string[] {
  const out: string[] = [];
  for (const e of entries) {
    if (e.marker !== undefined || !names.some((n) => entryMatches(e, n))) continue;
    for (const algo of SIGNATURE_ALGORITHMS[e.keyType] ?? [e.keyType]) if (!out.includes(algo)) out.push(algo);
  }
  return out;
}
