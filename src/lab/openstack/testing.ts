import { LAB_CREDENTIALS } from '../fleet/generate.js';
import type { RunningLab } from './lab.js';

/** A tiny OpenStack client over fetch, for the lab's own tests and benchmarks. */
export interface LabHttpResponse {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

export async function request(
  url: string,
  options: { method?: string; token?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<LabHttpResponse> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  if (options.token) headers['X-Auth-Token'] = options.token;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(url, { method: options.method ?? 'GET', headers, body, redirect: 'manual' });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

export function passwordAuth(username: string, password: string, project?: string): unknown {
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { name: username, domain: { name: LAB_CREDENTIALS.domain }, password } } },
      ...(project ? { scope: { project: { name: project, domain: { name: LAB_CREDENTIALS.domain } } } } : {}),
    },
  };
}

export async function login(lab: RunningLab, who: 'admin' | 'viewer' = 'admin'): Promise<string> {
  const creds = who === 'admin' ? LAB_CREDENTIALS.admin : LAB_CREDENTIALS.viewer;
  const res = await request(`${lab.authUrl}/auth/tokens`, {
    method: 'POST',
    body: passwordAuth(creds.username, creds.password, who === 'admin' ? LAB_CREDENTIALS.admin.project : undefined),
  });
  const token = res.headers.get('x-subject-token');
  if (res.status !== 201 || !token) throw new Error(`login as ${who} failed: ${res.status} ${res.text}`);
  return token;
}

/** Anything JSON-shaped, for tests that poke into response bodies. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;
