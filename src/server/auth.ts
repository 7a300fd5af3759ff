import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError, errorMessage } from '../core/errors.js';
import type { ApiRole, ServerConfig } from '../config/schema.js';

/**
 * Bearer tokens with roles. Only the SHA-256 of each token is kept in memory
 * after start-up, and a presented token is hashed and compared in constant
 * time, so neither the config, a heap dump nor timing gives a token away.
 */
export interface ApiToken {
  readonly name: string;
  readonly role: ApiRole;
  readonly sha256: Buffer;
}

const RANK: Record<ApiRole, number> = { read: 0, operate: 1, admin: 2 };

export function allows(held: ApiRole, needed: ApiRole): boolean {
  return RANK[held] >= RANK[needed];
}

export const hashToken = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

export interface TokenSources {
  readonly configFile?: string;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Told every plaintext token read, so nothing faultline prints can carry one. */
  readonly secret?: (token: string) => void;
}

/** Reads each configured token (file, environment or digest); a missing or empty one is a ConfigError naming its key. */
export async function resolveTokens(server: ServerConfig | undefined, from: TokenSources): Promise<ApiToken[]> {
  const tokens = server?.tokens ?? [];
  const base = from.configFile ? dirname(from.configFile) : from.cwd;
  const fail = (key: string, problem: string, fix: string): ConfigError =>
    new ConfigError({ ...(from.configFile ? { file: from.configFile } : {}), key, problem, fix });
  const out: ApiToken[] = [];
  const names = new Set<string>();
  for (const [i, t] of tokens.entries()) {
    const key = `server.tokens[${i}]`;
    if (names.has(t.name)) throw fail(`${key}.name`, `two tokens are named "${t.name}"`, 'give every token its own name: the audit log tells callers apart by it');
    names.add(t.name);
    let plain: string | undefined;
    if (t.sha256 !== undefined) {
      out.push({ name: t.name, role: t.role, sha256: Buffer.from(t.sha256, 'hex') });
      continue;
    }
    if (t.tokenFile !== undefined) {
      const path = resolve(base, t.tokenFile);
      try {
        plain = (await readFile(path, 'utf8')).trim();
      } catch (err) {
        throw fail(`${key}.tokenFile`, `cannot read ${path}: ${errorMessage(err)}`, 'create the file with the token on one line (mode 0600), or correct the path');
      }
      if (plain === '') throw fail(`${key}.tokenFile`, `${path} is empty`, 'write the token into it, e.g. `openssl rand -hex 32 > file`');
    } else if (t.tokenEnv !== undefined) {
      plain = from.env[t.tokenEnv]?.trim();
      if (!plain) throw fail(`${key}.tokenEnv`, `the environment variable ${t.tokenEnv} is not set or empty`, `export ${t.tokenEnv} before starting faultline serve`);
    }
    if (plain === undefined) throw fail(key, 'names no token', 'set one of tokenFile, tokenEnv or sha256');
    if (plain.length < 16) throw fail(key, `token "${t.name}" is shorter than 16 characters`, 'use a long random token, e.g. `openssl rand -hex 32`');
    from.secret?.(plain);
    out.push({ name: t.name, role: t.role, sha256: hashToken(plain) });
  }
  return out;
}

export type Authentication = { readonly ok: true; readonly token: ApiToken } | { readonly ok: false; readonly problem: string };

/** Who a request's Authorization header says it is. Only `Bearer <token>` counts; cookies never do. */
export function authenticate(header: string | undefined, tokens: readonly ApiToken[]): Authentication {
  if (header === undefined || header === '') return { ok: false, problem: 'no bearer token: send Authorization: Bearer <token>' };
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (!m) return { ok: false, problem: 'the Authorization header is not "Bearer <token>"' };
  const presented = hashToken(m[1] as string);
  let found: ApiToken | undefined;
  // Every token is compared, found or not, so the time taken says nothing about which one matched.
  for (const t of tokens) if (timingSafeEqual(presented, t.sha256) && !found) found = t;
  return found ? { ok: true, token: found } : { ok: false, problem: 'the bearer token is not valid' };
}
