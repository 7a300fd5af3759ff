/**
 * The hosts' SSH: one listener answers for every hypervisor address and every
 * Kubernetes node VM address (the sshd a node image ships, on the same port), each with
 * its own host key, and runs the read-only commands of `host-commands.ts` against that
 * host's facts, and on a hypervisor the few remedy commands faultline may send. A node VM that is not running does not answer; a hung one accepts
 * the connection and never sends a banner, as with vm-hang's port 22.
 *
 * Like the guest network, it binds 0.0.0.0 (one socket receives every 127.x.y.z
 * address; `socket.localAddress` says which one was dialled) and destroys any
 * connection whose peer is not loopback before a byte is sent. A hung hypervisor
 * (pm-hang) does not answer: nftables drops its packets when the guest network has
 * it, and otherwise the connection is closed before the banner.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
// ssh2 is CommonJS; Node's ESM loader only sees its default export.
import ssh2, { type Connection, type ParsedKey, type Server as Ssh2Server } from 'ssh2';
import type { LabHypervisor, LabServer } from '../fleet/types.js';
import type { LabFaults } from '../scenarios/faults.js';
import { isRemedyCommand, runHostCommand, unwrapSudo } from './host-commands.js';
import { seededEd25519, type LabKeyPair } from './host-keys.js';
import { isNodeServer } from './node-facts.js';

/** Who answers at an address: a hypervisor, or a Kubernetes node VM (which answers its own checklist too). */
type LabHost = { kind: 'hypervisor'; hostname: string; ip: string; hv: LabHypervisor } | { kind: 'node'; hostname: string; ip: string; server: LabServer };

const { Server, utils } = ssh2;

/** The lab's login on every hypervisor. */
export const LAB_SSH_USER = 'faultline';
/** Its password, for people typing `ssh` by hand (loopback only; not a secret). */
export const LAB_SSH_PASSWORD = 'lab';
/** The default port (no root needed); 0 picks a free one. */
export const DEFAULT_HOSTS_SSH_PORT = 2022;
export const HOSTS_SSH_IDENT = 'OpenSSH_8.9p1 Ubuntu-3ubuntu0.6';

export interface HostsSshOptions {
  /** TCP port on every hypervisor address (default 2022); 0 picks a free one. */
  port?: number;
  /** The seed keys are derived from (default: the fleet's seed). */
  seed?: string;
}

export interface HostsSsh {
  readonly port: number;
  /** The lab user's private key (OpenSSH format, unencrypted). */
  readonly privateKey: string;
  /** `ssh-ed25519 AAAA… faultline@lab` */
  readonly publicKey: string;
  /** One line per hypervisor and node VM: `[127.x.y.z]:port ssh-ed25519 AAAA…`. */
  knownHosts(): string;
  /** A hypervisor's or node VM's host key (public, OpenSSH form). */
  hostKey(hostname: string): string;
  close(): Promise<void>;
}

function plainV4(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

function isLoopback(address: string | undefined): boolean {
  const v4 = plainV4(address);
  return v4.startsWith('127.') || v4 === '::1';
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `ssh faultline@<hypervisor> '<command>'` with a shell asked for instead. */
const SHELL_REFUSAL = 'faultline-lab: this lab host has no interactive shell; run one of the read-only commands faultline collects, e.g. `free -b`\n';

export async function startHostsSsh(faults: LabFaults, options: HostsSshOptions = {}): Promise<HostsSsh> {
  const state = faults.state;
  const seed = options.seed ?? 'faultline';
  const client = seededEd25519(seed, 'lab-user', `${LAB_SSH_USER}@lab`);
  const clientKey = utils.parseKey(client.privateKey);
  if (clientKey instanceof Error) throw new Error(`lab SSH client key does not parse: ${clientKey.message}`);
  const authorized = (Array.isArray(clientKey) ? clientKey[0] : clientKey) as ParsedKey;

  const byAddress = new Map<string, LabHost>(state.hypervisors.map((hv) => [hv.hostIp, { kind: 'hypervisor', hostname: hv.hostname, ip: hv.hostIp, hv }]));
  const nodes = state.allServers().filter(isNodeServer);
  for (const server of nodes) byAddress.set(server.ip, { kind: 'node', hostname: server.name, ip: server.ip, server });
  const hostKeys = new Map<string, LabKeyPair>();
  const keyOf = (hv: { hostname: string }): LabKeyPair => {
    let key = hostKeys.get(hv.hostname);
    if (!key) {
      key = seededEd25519(seed, `host:${hv.hostname}`, `root@${hv.hostname}`);
      hostKeys.set(hv.hostname, key);
    }
    return key;
  };
  // One ssh2 Server per hypervisor that was asked for, since the host key is per server; sockets are injected.
  const servers = new Map<string, Ssh2Server>();
  const connections = new Set<Connection>();
  const sockets = new Set<Socket>();

  const serverFor = (hv: LabHost): Ssh2Server => {
    let server = servers.get(hv.hostname);
    if (server) return server;
    server = new Server({ hostKeys: [keyOf(hv).privateKey], ident: HOSTS_SSH_IDENT }, (conn) => serve(conn, hv));
    servers.set(hv.hostname, server);
    return server;
  };

  const serve = (conn: Connection, hv: LabHost): void => {
    // Many small request/answer exchanges per host: without this, Nagle's algorithm and delayed ACKs hold each for up to 40 ms.
    // ssh2's Connection has setNoDelay; its type declarations leave it out.
    (conn as Connection & { setNoDelay(on: boolean): void }).setNoDelay(true);
    connections.add(conn);
    conn.on('close', () => connections.delete(conn));
    conn.on('error', () => undefined);
    conn.on('authentication', (ctx) => {
      if (ctx.username !== LAB_SSH_USER) return ctx.reject(['publickey', 'password']);
      if (ctx.method === 'password' && sameSecret(ctx.password, LAB_SSH_PASSWORD)) return ctx.accept();
      if (ctx.method === 'publickey' && ctx.key.algo === authorized.type && ctx.key.data.equals(authorized.getPublicSSH())) {
        if (!ctx.signature) return ctx.accept(); // the client asks whether the key would do; it signs next
        if (ctx.blob && authorized.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) return ctx.accept();
      }
      return ctx.reject(['publickey', 'password']);
    });
    conn.on('ready', () => {
      conn.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('pty', (accept) => accept?.());
        session.on('env', (accept) => accept?.());
        session.on('shell', (accept) => {
          const stream = accept();
          stream.stderr.write(SHELL_REFUSAL);
          stream.exit(1);
          stream.end();
        });
        session.on('subsystem', (_accept, reject) => reject());
        session.on('exec', (accept, _reject, info) => {
          const stream = accept();
          if (faults.reachability(hv.ip) !== 'ok') {
            // The host hung after the connection was made: say nothing, as a hung host would.
            return;
          }
          const out = hv.kind === 'hypervisor' ? runHostCommand(info.command, {
            facts: faults.hostFacts(hv.hostname),
            now: state.now(),
            vcpus: hv.hv.vcpus,
            guests: state.serversOnHost(hv.hostname).map((s) => ({ instanceNumber: s.instanceNumber, launchedAt: s.launchedAt })),
            act: faults.hostActions(hv.hostname),
          }) : runHostCommand(info.command, { facts: faults.nodeFacts(hv.server.id), now: state.now(), vcpus: state.flavors.get(hv.server.flavorId)?.vcpus ?? 4, guests: [], act: faults.nodeActions(hv.server.id) });
          // The log of write commands is the tests' witness of what faultline sent, and how often.
          if (isRemedyCommand(info.command)) faults.recordHostCommand(hv.hostname, unwrapSudo(info.command), out.code);
          if (out.stdout) stream.write(out.stdout);
          if (out.stderr) stream.stderr.write(out.stderr);
          stream.exit(out.code);
          stream.end();
        });
      });
    });
  };

  const listener: NetServer = createServer((socket) => {
    if (!isLoopback(socket.remoteAddress)) {
      socket.destroy();
      return;
    }
    const hv = byAddress.get(plainV4(socket.localAddress));
    const reach = hv ? faults.reachability(hv.ip) : 'unknown';
    if (hv && reach === 'hang') {
      // A hung guest's kernel still completes the TCP handshake; sshd never speaks.
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      return;
    }
    // Not a lab host address, a hung hypervisor or a VM that is not running: no banner, as with nftables dropping the SYN.
    if (!hv || reach !== 'ok') {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    serverFor(hv).injectSocket(socket);
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen({ port: options.port ?? DEFAULT_HOSTS_SSH_PORT, host: '0.0.0.0' }, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  const address = listener.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? DEFAULT_HOSTS_SSH_PORT);
  const name = (ip: string): string => (port === 22 ? ip : `[${ip}]:${port}`);
  let closed = false;

  return {
    port,
    privateKey: client.privateKey,
    publicKey: client.publicKey,
    knownHosts: () =>
      [...byAddress.values()]
        .map((h) => {
          const key = keyOf(h).publicKey.split(' ');
          return `${name(h.ip)} ${key[0]} ${key[1]}\n`;
        })
        .join(''),
    hostKey: (hostname) => {
      const known = state.hypervisorByHost.has(hostname) || nodes.some((n) => n.name === hostname);
      if (!known) throw new Error(`no hypervisor or node VM ${hostname}`);
      return keyOf({ hostname }).publicKey;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const c of connections) c.end();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}
