/**
 * Collects host facts (`hostFacts`, `disks`) from every hypervisor over SSH,
 * running only the allow-listed read-only commands of `commands.ts`.
 *
 * - Auth: a private key file (with passphrase) and/or ssh-agent (`SSH_AUTH_SOCK`).
 * - Host keys are verified against a known_hosts file by default; an unknown or
 *   changed key fails that host with a message saying which. Skipping the check
 *   must be asked for (`insecureSkipHostKeyCheck`) and is reported as a warning.
 * - Optional jump host (like ProxyJump): connect to it, open a `direct-tcpip`
 *   channel to the target, run the SSH session through that channel.
 * - Bounded concurrency over hosts, a deadline per host, a deadline per command
 *   (a `df` stuck on a dead NFS mount must not cost the other facts) and a cap
 *   on each command's output. One host failing never stops the others.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type ssh2Module from 'ssh2';
import type { AgentAuthMethod, AuthMethod, Client, ClientChannel, ConnectConfig, ParsedKey, PublicKeyAuthMethod } from 'ssh2';
import type { Duplex } from 'node:stream';
import { CollectorError, ConfigError, errorMessage, TimeoutError } from '../../core/errors.js';
import type { SnapshotInput } from '../../snapshot/schema.js';
import { mapBounded } from '../../core/bounded.js';
import type { Collector } from '../types.js';
import { BASE_COMMANDS, composeCommand, DEVICE_NAME, isAllowedCommand, NODE_COMMANDS, render, SMART_SCAN, smartCommand, type CommandSpec } from './commands.js';
import { assembleNode } from './node-facts.js';
import { assembleHost, missingTool, type AssembledHost, type CommandOutput, type DiskInput, type HostFactsInput } from './facts.js';
import { hostKeyAlgorithmsFor, knownHostsName, parseKnownHosts, verifyHostKey, type KnownHostEntry } from './known-hosts.js';
import { COMPOSE_PROJECTS } from './parsers/containers.js';
import { parseLsblk } from './parsers/lsblk.js';
import { parseSmartctlScan } from './parsers/smartctl.js';

type HypervisorInput = NonNullable<SnapshotInput['hypervisors']>[number];

let ssh2Loading: Promise<typeof ssh2Module> | undefined;

/**
 * ssh2 on first use rather than with this module: every command that plans collectors
 * imports this file, most never open an SSH connection, and ssh2 is slow to load.
 * It is CommonJS; Node's ESM loader only sees its default export.
 */
function loadSsh2(): Promise<typeof ssh2Module> {
  return (ssh2Loading ??= import('ssh2').then((m) => m.default));
}

export interface JumpHostOptions {
  readonly host: string;
  readonly port?: number;
  /** Defaults to the collector's username. */
  readonly username?: string;
}

export interface HostCollectorOptions {
  readonly username: string;
  /** Port on the hypervisors; 22 by default. */
  readonly port?: number;
  readonly privateKeyPath?: string;
  readonly passphrase?: string;
  /** ssh-agent socket; defaults to `SSH_AUTH_SOCK`. `false` disables the agent. */
  readonly agent?: string | false;
  /** Defaults to `~/.ssh/known_hosts`. */
  readonly knownHostsPath?: string;
  /** Accept any host key. Dangerous; the collector warns on every run that uses it. */
  readonly insecureSkipHostKeyCheck?: boolean;
  readonly jumpHost?: JumpHostOptions;
  /** Hosts collected at once (default 32). */
  readonly concurrency?: number;
  /** SSH channels used at once on one host (default 4; OpenSSH allows 10 sessions per connection). */
  readonly channelsPerHost?: number;
  /** Everything on one host, connection included (default 120 s). */
  readonly hostTimeoutMs?: number;
  /** TCP connect + SSH handshake + auth (default 15 s). */
  readonly connectTimeoutMs?: number;
  /** One command (default 30 s); a command that overruns is reported and the others still count. */
  readonly commandTimeoutMs?: number;
  /** Per command, stdout + stderr (default 4 MiB); output beyond it is dropped with a warning. */
  readonly outputCapBytes?: number;
  /** Only hosts whose compute host or hypervisor name matches (e.g. `^krane-[a-z0-9]+-com`). */
  readonly hostPattern?: RegExp | string;
  /** Which hypervisor field to connect to; default `hostIp`, then `name`. */
  readonly address?: 'hostIp' | 'name' | 'host';
  /** Overrides the address and port per hypervisor (an ssh_config-like mapping, or a lab). */
  readonly resolve?: (hypervisor: HypervisorInput) => { host: string; port?: number };
  /** Wrap commands that need root as `sudo -n sh -c '…'`. */
  readonly sudo?: boolean;
  /** Overrides the collector's deadline (default: hostTimeoutMs × waves of hosts, at least 5 min). */
  readonly timeoutMs?: number;
}

export const DEFAULT_HOST_COLLECTOR = {
  port: 22,
  concurrency: 32,
  channelsPerHost: 4,
  hostTimeoutMs: 120_000,
  connectTimeoutMs: 15_000,
  commandTimeoutMs: 30_000,
  outputCapBytes: 4 * 1024 * 1024,
} as const;

interface Credentials {
  readonly username: string;
  /** Decrypted once per run: the passphrase KDF is slow, and there may be thousands of hosts. */
  readonly privateKey?: ParsedKey;
  readonly agent?: string;
}

export interface HostSessionSettings {
  readonly credentials: Credentials;
  readonly knownHosts: readonly KnownHostEntry[] | 'insecure';
  readonly knownHostsFile: string;
  readonly jump?: { host: string; port: number; username: string };
  readonly channelsPerHost: number;
  readonly hostTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly outputCapBytes: number;
  readonly sudo: boolean;
}

export interface HostTarget {
  /** The compute host name the facts are filed under. */
  readonly host: string;
  readonly address: string;
  readonly port: number;
  /** Names to look up in known_hosts, already in `[host]:port` form where needed. */
  readonly knownNames: readonly string[];
  /** A Kubernetes node VM gets the node commands (`NODE_COMMANDS`) instead of the hypervisor ones. */
  readonly node?: { readonly storageInterfaces?: RegExp };
}

/** Resources to release when a host is done or abandoned. */
class Closer {
  private readonly fns: (() => void)[] = [];
  add(fn: () => void): void {
    this.fns.push(fn);
  }
  run(): void {
    for (const fn of this.fns.splice(0).reverse()) {
      try {
        fn();
      } catch {
        // closing a dead connection may throw; nothing to do about it
      }
    }
  }
}

async function connect(config: ConnectConfig, names: readonly string[], settings: HostSessionSettings, signal: AbortSignal, closer: Closer): Promise<Client> {
  const ssh2 = await loadSsh2();
  return new Promise<Client>((resolve, reject) => {
    const client = new ssh2.Client();
    closer.add(() => client.end());
    let rejection: string | undefined;
    const algorithms = settings.knownHosts === 'insecure' ? [] : hostKeyAlgorithmsFor(settings.knownHosts, names);
    const verify = (key: Buffer): boolean => {
      if (settings.knownHosts === 'insecure') return true;
      const verdict = verifyHostKey(settings.knownHosts, names, key, settings.knownHostsFile);
      if (!verdict.ok) rejection = verdict.message;
      return verdict.ok;
    };
    const onAbort = (): void => {
      client.destroy();
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    client.once('ready', () => {
      // Commands and their exits are small packets answered one by one: Nagle's algorithm would hold each for a delayed ACK.
      client.setNoDelay(true);
      signal.removeEventListener('abort', onAbort);
      resolve(client);
    });
    // Persistent: ssh2 can emit more than one error (e.g. "Connection lost before handshake" after a
    // timeout), and an error event without a listener would take the whole process down.
    client.on('error', (err: Error & { level?: string }) => {
      signal.removeEventListener('abort', onAbort);
      if (rejection) reject(new CollectorError(rejection));
      else if (/authentication methods failed/i.test(err.message)) reject(new CollectorError(`authentication failed for user ${settings.credentials.username} (${err.message})`));
      else if (/no matching host key/i.test(err.message)) {
        reject(new CollectorError(`host key mismatch for ${names[0]}: the host offers none of the key types ${settings.knownHostsFile} has for it (${algorithms.join(', ')}). The host was reinstalled or someone is intercepting the connection; verify and update ${settings.knownHostsFile}`));
      } else if (/Timed out while waiting for handshake/i.test(err.message)) reject(new TimeoutError(`no SSH handshake within ${settings.connectTimeoutMs} ms (host hangs or a firewall drops the connection)`));
      else reject(err);
    });
    client.once('close', () => reject(new CollectorError(rejection ?? 'connection closed before the session was ready')));
    const username = config.username ?? settings.credentials.username;
    // Explicit methods so the key decrypted once is reused (ssh2 would parse `privateKey` again per connection).
    const methods: AuthMethod[] = [];
    if (settings.credentials.privateKey) methods.push({ type: 'publickey', username, key: settings.credentials.privateKey } as PublicKeyAuthMethod);
    if (settings.credentials.agent) methods.push({ type: 'agent', username, agent: settings.credentials.agent } as AgentAuthMethod);
    client.connect({
      ...config,
      ...(algorithms.length > 0 ? { algorithms: { serverHostKey: algorithms as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] } } : {}),
      username,
      authHandler: methods,
      readyTimeout: settings.connectTimeoutMs,
      keepaliveInterval: 10_000,
      keepaliveCountMax: 3,
      hostVerifier: verify as (key: Buffer) => boolean,
    });
  });
}

function forwardOut(jump: Client, host: string, port: number): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    jump.forwardOut('127.0.0.1', 0, host, port, (err, stream) => (err ? reject(new CollectorError(`jump host could not open a channel to ${host}:${port}: ${err.message}`)) : resolve(stream)));
  });
}

async function openSession(target: HostTarget, settings: HostSessionSettings, signal: AbortSignal, closer: Closer): Promise<Client> {
  if (!settings.jump) return connect({ host: target.address, port: target.port }, target.knownNames, settings, signal, closer);
  const j = settings.jump;
  let jump: Client;
  try {
    jump = await connect({ host: j.host, port: j.port, username: j.username }, [knownHostsName(j.host, j.port)], settings, signal, closer);
  } catch (err) {
    throw new CollectorError(`jump host ${j.host}:${j.port}: ${errorMessage(err)}`);
  }
  const stream = await forwardOut(jump, target.address, target.port);
  stream.on('error', () => undefined);
  closer.add(() => stream.destroy());
  return connect({ sock: stream as unknown as Duplex }, target.knownNames, settings, signal, closer);
}

/** Runs one allow-listed command; never rejects for the command's own failure, only reports it. */
export function runCommand(client: Client, spec: CommandSpec, settings: Pick<HostSessionSettings, 'sudo' | 'outputCapBytes' | 'commandTimeoutMs'>, signal: AbortSignal): Promise<CommandOutput> {
  return execAllowed(client, render(spec, settings.sudo), isAllowedCommand, settings, signal);
}

/**
 * Sends one command string that `allowed` accepts (the read-only list here, the
 * remedy list in act/host); anything else is refused before a byte is sent. The
 * guard is a required argument so no caller can reach the channel without one.
 */
export function execAllowed(
  client: Client,
  command: string,
  allowed: (command: string) => boolean,
  settings: Pick<HostSessionSettings, 'outputCapBytes' | 'commandTimeoutMs'>,
  signal: AbortSignal,
): Promise<CommandOutput> {
  if (!allowed(command)) return Promise.reject(new Error(`refusing to send a command outside the allow-list: ${command}`));
  return new Promise((resolve) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let size = 0;
    let truncated = false;
    let exitCode: number | null = null;
    let settled = false;
    let channel: ClientChannel | undefined;
    const timers: { timer?: NodeJS.Timeout } = {};
    const finish = (extra?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timers.timer);
      signal.removeEventListener('abort', onAbort);
      const err = Buffer.concat(stderr).toString('utf8');
      resolve({ command, stdout: Buffer.concat(stdout).toString('utf8'), stderr: extra ? `${err}${err ? '\n' : ''}${extra}` : err, exitCode, truncated });
      channel?.close();
    };
    const onAbort = (): void => finish('collection stopped before the command finished');
    signal.addEventListener('abort', onAbort, { once: true });
    timers.timer = setTimeout(() => finish(`did not finish within ${settings.commandTimeoutMs} ms`), settings.commandTimeoutMs);
    const take = (into: Buffer[]) => (chunk: Buffer) => {
      if (settled) return;
      const room = settings.outputCapBytes - size;
      if (chunk.length > room) {
        if (room > 0) into.push(chunk.subarray(0, room));
        size = settings.outputCapBytes;
        truncated = true;
        finish(`output exceeded ${settings.outputCapBytes} bytes and was cut`);
        return;
      }
      size += chunk.length;
      into.push(chunk);
    };
    try {
      client.exec(command, (err, stream) => {
        if (err) {
          finish(`could not start: ${err.message}`);
          return;
        }
        channel = stream;
        if (settled) {
          stream.close();
          return;
        }
        stream.on('data', take(stdout));
        stream.stderr.on('data', take(stderr));
        stream.on('exit', (code: number | null) => {
          exitCode = typeof code === 'number' ? code : null;
        });
        stream.on('close', () => finish());
      });
    } catch (err) {
      finish(`could not start: ${errorMessage(err)}`);
    }
  });
}

/** The commands' outputs from one host, in the shape `assembleHost` reads. */
async function gather(client: Client, settings: HostSessionSettings, signal: AbortSignal): Promise<Map<string, CommandOutput>> {
  const outputs = new Map<string, CommandOutput>();
  const run = async (specs: readonly CommandSpec[]): Promise<void> => {
    await mapBounded(specs, settings.channelsPerHost, async (s) => {
      if (signal.aborted) return;
      outputs.set(s.id, await runCommand(client, s, settings, signal));
    });
  };
  await run([...BASE_COMMANDS, ...COMPOSE_PROJECTS.map((p) => composeCommand(p, 'v1'))]);

  const second: CommandSpec[] = [];
  // Compose v2 only where v1 is not installed (and the project directory exists).
  for (const p of COMPOSE_PROJECTS) {
    const v1 = outputs.get(`compose:${p}`);
    if (v1 && missingTool(v1)) second.push(composeCommand(p, 'v2'));
  }
  let devices = diskNames(outputs.get('lsblkDisks'));
  if (devices.length === 0) {
    const scan = await runCommand(client, SMART_SCAN, settings, signal);
    outputs.set(SMART_SCAN.id, scan);
    devices = parseSmartctlScan(scan.stdout)
      .value.map((d) => d.name.replace(/^\/dev\//, ''))
      .filter((d) => DEVICE_NAME.test(d));
  }
  second.push(...devices.map((d) => smartCommand(d, 'json')));
  await run(second);

  // smartctl before 7.0 has no -j: ask again for text.
  const third = devices.filter((d) => {
    const o = outputs.get(`smart:${d}`);
    return o && !o.stdout.trimStart().startsWith('{') && /UNRECOGNIZED OPTION|invalid option|unknown option/i.test(`${o.stdout}${o.stderr}`);
  });
  await run(third.map((d) => smartCommand(d, 'text')));
  return outputs;
}

/** A node's outputs: one round, no disks (a VM's virtio disks have no SMART to read). */
async function gatherNode(client: Client, settings: HostSessionSettings, signal: AbortSignal): Promise<Map<string, CommandOutput>> {
  const outputs = new Map<string, CommandOutput>();
  await mapBounded(NODE_COMMANDS, settings.channelsPerHost, async (s) => {
    if (signal.aborted) return;
    outputs.set(s.id, await runCommand(client, s, settings, signal));
  });
  return outputs;
}

function diskNames(out: CommandOutput | undefined): string[] {
  if (!out || !out.stdout.trim()) return [];
  return parseLsblk(out.stdout)
    .value.filter((d) => d.type === 'disk' && DEVICE_NAME.test(d.name))
    .map((d) => d.name);
}

/**
 * An open SSH session to one host, for callers outside the collector (the remedy
 * commands in act/host); `close` ends it and everything it opened (a jump channel).
 */
export async function openHostSession(target: HostTarget, settings: HostSessionSettings, signal: AbortSignal): Promise<{ client: Client; close: () => void }> {
  const closer = new Closer();
  try {
    const client = await openSession(target, settings, signal, closer);
    return { client, close: () => closer.run() };
  } catch (err) {
    closer.run();
    throw err;
  }
}

/** Connects, gathers and assembles one host, under its own deadline. */
export async function collectHost(target: HostTarget, settings: HostSessionSettings, parent: AbortSignal, now: () => Date): Promise<AssembledHost> {
  const controller = new AbortController();
  const onParent = (): void => controller.abort(parent.reason);
  parent.addEventListener('abort', onParent, { once: true });
  const closer = new Closer();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new TimeoutError(`no answer within ${settings.hostTimeoutMs} ms`);
      controller.abort(err);
      reject(err);
    }, settings.hostTimeoutMs);
  });
  try {
    const work = (async () => {
      const client = await openSession(target, settings, controller.signal, closer);
      const startedAt = now();
      if (target.node) {
        const outputs = await gatherNode(client, settings, controller.signal);
        const facts = assembleNode(target.host, outputs, { collectedAt: startedAt, ...(target.node.storageInterfaces ? { storageInterfaces: target.node.storageInterfaces } : {}) });
        return { facts, disks: [] };
      }
      const outputs = await gather(client, settings, controller.signal);
      const assembled = assembleHost(target.host, outputs, { collectedAt: startedAt });
      return { ...assembled, facts: { ...assembled.facts, role: 'hypervisor' as const } };
    })();
    work.catch(() => undefined);
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
    parent.removeEventListener('abort', onParent);
    closer.run();
  }
}

function targetsOf(hypervisors: readonly HypervisorInput[], options: HostCollectorOptions): { targets: HostTarget[]; skipped: number } {
  const pattern = options.hostPattern === undefined ? undefined : typeof options.hostPattern === 'string' ? new RegExp(options.hostPattern) : options.hostPattern;
  const seen = new Set<string>();
  const targets: HostTarget[] = [];
  let skipped = 0;
  for (const h of hypervisors) {
    if (pattern && !pattern.test(h.host) && !pattern.test(h.name)) {
      skipped += 1;
      continue;
    }
    if (seen.has(h.host)) continue;
    seen.add(h.host);
    targets.push(hostTargetOf(h, options));
  }
  return { targets, skipped };
}

/** Where one hypervisor is dialled and which known_hosts names vouch for it (the collector's rules, for any SSH caller). */
export function hostTargetOf(h: HypervisorInput, options: Pick<HostCollectorOptions, 'address' | 'resolve' | 'port'>): HostTarget {
  const port = options.port ?? DEFAULT_HOST_COLLECTOR.port;
  const preferred = options.address === 'name' ? h.name : options.address === 'host' ? h.host : (h.hostIp ?? h.name);
  const resolved = options.resolve?.(h) ?? { host: preferred, port };
  const p = resolved.port ?? port;
  const names = [...new Set([resolved.host, h.name, h.host, ...(h.hostIp ? [h.hostIp] : [])])].map((n) => knownHostsName(n, p));
  return { host: h.host, address: resolved.host, port: p, knownNames: names };
}

export async function loadSettings(options: HostCollectorOptions): Promise<HostSessionSettings> {
  let privateKey: ParsedKey | undefined;
  if (options.privateKeyPath) {
    let raw: Buffer;
    try {
      raw = await readFile(options.privateKeyPath);
    } catch (err) {
      throw new ConfigError({ file: options.privateKeyPath, problem: `cannot read the SSH private key: ${errorMessage(err)}` });
    }
    const ssh2 = await loadSsh2();
    const parsed = ssh2.utils.parseKey(raw, options.passphrase);
    if (parsed instanceof Error) {
      throw new ConfigError({
        file: options.privateKeyPath,
        problem: `cannot use the SSH private key: ${parsed.message}`,
        fix: /encrypted|passphrase/i.test(parsed.message) ? 'give the right passphrase' : 'use an OpenSSH or PEM private key',
      });
    }
    privateKey = Array.isArray(parsed) ? (parsed[0] as ParsedKey | undefined) : parsed;
  }
  const agent = options.agent === false ? undefined : (options.agent ?? process.env.SSH_AUTH_SOCK);
  if (!privateKey && !agent) {
    throw new ConfigError({ key: 'privateKeyPath', problem: 'no SSH credentials: neither a private key file nor an ssh-agent (SSH_AUTH_SOCK)', fix: 'set privateKeyPath or start ssh-agent' });
  }
  const knownHostsFile = options.knownHostsPath ?? join(homedir(), '.ssh', 'known_hosts');
  let knownHosts: HostSessionSettings['knownHosts'] = 'insecure';
  if (!options.insecureSkipHostKeyCheck) {
    let text: string;
    try {
      text = await readFile(knownHostsFile, 'utf8');
    } catch (err) {
      throw new ConfigError({
        file: knownHostsFile,
        problem: `cannot read known_hosts to verify host keys: ${errorMessage(err)}`,
        fix: 'point knownHostsPath at a known_hosts file with the hypervisors\' keys',
      });
    }
    knownHosts = parseKnownHosts(text, knownHostsFile).value;
  }
  return {
    credentials: { username: options.username, ...(privateKey ? { privateKey } : {}), ...(agent ? { agent } : {}) },
    knownHosts,
    knownHostsFile,
    ...(options.jumpHost ? { jump: { host: options.jumpHost.host, port: options.jumpHost.port ?? 22, username: options.jumpHost.username ?? options.username } } : {}),
    channelsPerHost: options.channelsPerHost ?? DEFAULT_HOST_COLLECTOR.channelsPerHost,
    hostTimeoutMs: options.hostTimeoutMs ?? DEFAULT_HOST_COLLECTOR.hostTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_HOST_COLLECTOR.connectTimeoutMs,
    commandTimeoutMs: options.commandTimeoutMs ?? DEFAULT_HOST_COLLECTOR.commandTimeoutMs,
    outputCapBytes: options.outputCapBytes ?? DEFAULT_HOST_COLLECTOR.outputCapBytes,
    sudo: options.sudo ?? false,
  };
}

/** The collector's deadline when none is configured: every wave of hosts may take the per-host time. */
export const MIN_HOST_COLLECTOR_DEADLINE_MS = 5 * 60_000;

export function hostCollectorDeadline(hosts: number, concurrency: number, hostTimeoutMs: number): number {
  return Math.max(MIN_HOST_COLLECTOR_DEADLINE_MS, Math.ceil(hosts / Math.max(1, concurrency)) * hostTimeoutMs);
}

/**
 * Collects every target under bounded concurrency; one failing never stops the others.
 * Warnings lead with the hosts that failed, then say which were collected; all failing
 * is an error. `noun` names the hosts in messages.
 */
export async function collectTargets(
  ctx: Parameters<Collector['collect']>[0],
  targets: readonly HostTarget[],
  settings: HostSessionSettings,
  concurrency: number,
  warnings: string[],
  noun: string,
): Promise<{ hostFacts: HostFactsInput[]; disks: DiskInput[]; failed: number }> {
  let failures = 0;
  let done = 0;
  const results = await mapBounded(targets, concurrency, async (t): Promise<{ ok: AssembledHost } | { error: string }> => {
    let result: { ok: AssembledHost } | { error: string };
    try {
      if (ctx.signal.aborted) throw ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error('cancelled');
      result = { ok: await collectHost(t, settings, ctx.signal, ctx.now) };
    } catch (err) {
      failures += 1;
      result = { error: `${t.host} (${t.address}:${t.port}): failed: ${errorMessage(err)}` };
      ctx.log.warn(`${noun} collection failed`, { host: t.host, error: errorMessage(err) });
    }
    done += 1;
    if (done % 50 === 0 || done === targets.length) ctx.progress(`${noun}s ${done}/${targets.length}, ${failures} failed`);
    return result;
  });
  // One line per host, in host order, so runs diff cleanly.
  const order = targets.map((t, i) => ({ t, r: results[i] })).sort((a, b) => a.t.host.localeCompare(b.t.host));
  const hostFacts: HostFactsInput[] = [];
  const disks: DiskInput[] = [];
  const errors: string[] = [];
  const collected: string[] = [];
  for (const { t, r } of order) {
    if (!r) continue;
    if ('error' in r) {
      errors.push(r.error);
      continue;
    }
    hostFacts.push(r.ok.facts);
    disks.push(...r.ok.disks);
    const hw = r.ok.facts.warnings ?? [];
    collected.push(`${t.host}: collected${hw.length ? ` with ${hw.length} warning(s): ${hw.slice(0, 3).join('; ')}${hw.length > 3 ? '; …' : ''}` : ''}`);
  }
  // A partial collection leads with what was not collected: a reader of a cut-short list sees the failures.
  warnings.unshift(...errors);
  warnings.push(...collected);
  if (targets.length > 0 && errors.length === targets.length) {
    throw new CollectorError(`all ${targets.length} ${noun}(s) failed: ${errors.slice(0, 3).join('; ')}${errors.length > 3 ? '; …' : ''}`);
  }
  return { hostFacts, disks, failed: errors.length };
}

export const INSECURE_HOST_KEY_WARNING = 'host keys were NOT verified (insecureSkipHostKeyCheck): anyone on the path could have answered in a host\'s place';

export function createHostCollector(options: HostCollectorOptions): Collector {
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_HOST_COLLECTOR.concurrency);
  return {
    id: 'host-ssh',
    description: `host facts over SSH (read-only allow-listed commands; ${concurrency} hosts at a time${options.jumpHost ? `, via ${options.jumpHost.host}` : ''})`,
    produces: ['hostFacts', 'disks'],
    needs: ['hypervisors'],
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    timeoutFor: (input) =>
      hostCollectorDeadline(targetsOf(input.hypervisors ?? [], options).targets.length, concurrency, options.hostTimeoutMs ?? DEFAULT_HOST_COLLECTOR.hostTimeoutMs),
    async collect(ctx) {
      const settings = await loadSettings(options);
      const { targets, skipped } = targetsOf(ctx.input.hypervisors ?? [], options);
      const warnings: string[] = [];
      if (settings.knownHosts === 'insecure') warnings.push(INSECURE_HOST_KEY_WARNING);
      if (skipped > 0) warnings.push(`${skipped} hypervisor(s) do not match the host pattern and were not collected`);
      const { hostFacts, disks, failed } = await collectTargets(ctx, targets, settings, concurrency, warnings, 'host');
      disks.sort((a, b) => a.host.localeCompare(b.host) || a.device.localeCompare(b.device));
      return { data: { hostFacts, disks }, status: failed > 0 ? 'partial' : 'ok', warnings };
    },
  };
}
