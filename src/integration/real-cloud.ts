import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { OpenStackClient } from '../collect/openstack/client.js';
import { createOpenStackClient } from '../collect/plan.js';
import { resolveCloud } from '../config/clouds.js';
import { defaultConfig } from '../config/schema.js';
import { Redactor } from '../core/redact.js';
import { runFaultline, type CliRun } from '../cli/testing.js';

/**
 * Where the real OpenStack of scripts/real-openstack.sh lives, and small helpers
 * for the integration suite: a client from its clouds.yaml (resolved the way the
 * CLI resolves it), the CLI run against it, the seeded fleet, and the
 * fake-hypervisor backdoor.
 */
export const REAL_DIR = resolve(process.env['REAL_OPENSTACK_DIR'] ?? '/tmp/faultline-real-openstack');
export const REAL_CLOUDS = join(REAL_DIR, 'clouds.yaml');
/** The helpers live in the repository; the suite runs from its root (scripts/run-tests.mjs). */
export const HELPERS = resolve('scripts/real-openstack');

export interface SeededServer {
  readonly id: string;
  readonly name: string;
  readonly projectId: string;
  readonly host: string;
  readonly status: string;
}

/** What scripts/real-openstack/seed.py wrote after building the fleet. */
export interface SeededFleet {
  readonly projects: Record<string, string>;
  readonly users: Record<string, string>;
  readonly stoppedByOwner: string[];
  readonly servers: SeededServer[];
}

/**
 * Fails with what to do when the real cloud is not there: the suite must not
 * pass by testing nothing.
 */
export async function requireRealCloud(): Promise<SeededFleet> {
  const fleetFile = join(REAL_DIR, 'fleet.json');
  if (!existsSync(REAL_CLOUDS) || !existsSync(fleetFile)) {
    throw new Error(`no real OpenStack in ${REAL_DIR} (clouds.yaml or fleet.json missing): run scripts/real-openstack.sh start, or set REAL_OPENSTACK_DIR`);
  }
  const answer = await fetch('http://127.0.0.1:5000/v3', { signal: AbortSignal.timeout(5000) }).catch((err: unknown) => err as Error);
  if (answer instanceof Error || !answer.ok) {
    throw new Error(`Keystone does not answer on http://127.0.0.1:5000/v3 (${answer instanceof Error ? answer.message : `HTTP ${answer.status}`}): scripts/real-openstack.sh status`);
  }
  return JSON.parse(readFileSync(fleetFile, 'utf8')) as SeededFleet;
}

/** A client for a cloud of the real clouds.yaml, built the way `faultline` builds one. */
export function realClient(cloud = 'real', options: { computeMicroversion?: string } = {}): OpenStackClient {
  const resolved = resolveCloud({ cloud, env: { OS_CLIENT_CONFIG_FILE: REAL_CLOUDS }, cwd: REAL_DIR, home: REAL_DIR, siteConfigDir: join(REAL_DIR, 'no-site-config'), redactor: new Redactor() });
  const config = defaultConfig();
  if (options.computeMicroversion) config.openstack.microversion = options.computeMicroversion;
  return createOpenStackClient(config, resolved, resolved.regionName);
}

/** `faultline <args>` against the real cloud (OS_CLOUD=real unless told), from `cwd`. */
export function realCli(args: readonly string[], cwd: string, cloud = 'real'): Promise<CliRun> {
  return runFaultline(args, { cwd, env: { OS_CLIENT_CONFIG_FILE: REAL_CLOUDS, OS_CLOUD: cloud, USER: 'itest' } });
}

/** Runs `faultline <args> --format json` and parses the output, asserting the exit code. */
export async function realCliJson<T = unknown>(args: readonly string[], cwd: string, expectCode = 0): Promise<T> {
  const r = await realCli([...args, '--format', 'json'], cwd);
  if (r.code !== expectCode) throw new Error(`faultline ${args.join(' ')} exited ${r.code}, expected ${expectCode}:\n${r.stderr}\n${r.stdout.slice(0, 2000)}`);
  return JSON.parse(r.stdout) as T;
}

/**
 * Sets a guest's power state inside the nova-compute of `host` (compute-N) through
 * its eventlet backdoor, as if the hypervisor had seen the guest stop by itself.
 * With `event`, the lifecycle event that makes Nova sync at once is emitted too.
 */
export function setGuestPower(host: string, serverId: string, state: 'running' | 'shutdown' | 'crashed' | 'paused', event: boolean): Promise<string> {
  const socket = join(REAL_DIR, 'run', `nova-${host}.backdoor`);
  const args = [join(HELPERS, 'hypervisor_power.py'), socket, 'set', serverId, state, ...(event ? ['--event'] : [])];
  return new Promise((res, rej) =>
    execFile('/usr/bin/python3', args, { timeout: 60_000 }, (err, stdout, stderr) => (err ? rej(new Error(`hypervisor_power.py ${args.slice(1).join(' ')}: ${err.message}\n${stderr}`)) : res(stdout))),
  );
}

/** Polls `probe` every `everyMs` until it returns a value other than undefined, or fails after `limitMs`. */
export async function waitFor<T>(what: string, limitMs: number, probe: () => Promise<T | undefined>, everyMs = 500): Promise<T> {
  const deadline = Date.now() + limitMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${limitMs / 1000} s waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
