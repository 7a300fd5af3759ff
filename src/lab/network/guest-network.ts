/**
 * The lab's guest network: every server and hypervisor has its own 127.x.y.z address,
 * and one TCP listener answers SSH for all of them, acting per target address.
 *
 * Why 0.0.0.0: Linux delivers a connection to a socket bound to 127.0.0.1 only when
 * the destination is exactly 127.0.0.1. Listening on every 127/8 address one by one
 * would take a socket per server (100,000 in a large fleet); a wildcard bind receives
 * them all, and `socket.localAddress` tells which address the client dialled. The
 * wildcard also listens on the machine's other interfaces, so any connection whose
 * peer is not loopback is destroyed at once, before a byte is sent.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { LabFaults, Reachability } from '../scenarios/faults.js';
import { openFirewall, type Firewall } from './firewall.js';

export const SSH_BANNER = 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n';

export interface GuestNetworkOptions {
  /** TCP port of the SSH banner (default 2222, which needs no root); 0 picks a free one. */
  sshPort?: number;
  /** `auto` uses nftables when it can, `none` never touches the firewall. */
  firewall?: 'auto' | 'none';
  /** How long a healthy server keeps an idle connection open. */
  idleTimeoutMs?: number;
  /** How long a hanging server keeps a connection before dropping it (a leak guard). */
  hangTimeoutMs?: number;
  /** How often to re-check states changed through the OpenStack API. */
  syncIntervalMs?: number;
  nft?: string;
}

export interface GuestNetwork {
  readonly sshPort: number;
  readonly firewall: Firewall;
  /** A warning for the user when unreachability is degraded, else null. */
  readonly warning: string | null;
  /** Brings the firewall in line with the faults now (also done on every change and periodically). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || v4 === '::1';
}

function plainV4(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

export async function startGuestNetwork(faults: LabFaults, options: GuestNetworkOptions = {}): Promise<GuestNetwork> {
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  const hangTimeoutMs = options.hangTimeoutMs ?? 600_000;
  const sockets = new Set<Socket>();
  const server: Server = createServer({ pauseOnConnect: false }, (socket) => {
    if (!isLoopback(socket.remoteAddress)) {
      socket.destroy();
      return;
    }
    const reach: Reachability = faults.reachability(plainV4(socket.localAddress));
    if (reach === 'down' || reach === 'unknown') {
      // With nftables the SYN never arrives; without it, this is the closest thing.
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.on('data', () => undefined);
    if (reach === 'hang') {
      socket.setTimeout(hangTimeoutMs, () => socket.destroy());
      return;
    }
    socket.setTimeout(idleTimeoutMs, () => socket.end());
    socket.write(SSH_BANNER);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.sshPort ?? 2222, host: '0.0.0.0' }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const sshPort = typeof address === 'object' && address ? address.port : (options.sshPort ?? 2222);
  const firewall: Firewall =
    options.firewall === 'none'
      ? { mode: 'none', reason: 'firewall disabled', sync: () => Promise.resolve(), close: () => Promise.resolve() }
      : await openFirewall(sshPort, { nft: options.nft });
  const warning =
    firewall.mode === 'nftables'
      ? null
      : `unreachable servers are simulated only on the SSH port: ${firewall.reason ?? 'no firewall'}. ` +
        'Their SSH port refuses connections at once, but ping still answers; run the lab as root with nftables (nft) installed for real drops.';

  let syncing: Promise<void> = Promise.resolve();
  let closed = false;
  // The set the firewall holds now: the faults hand back the same object while nothing changed.
  let applied: ReadonlySet<string> | undefined;
  const sync = (): Promise<void> => {
    if (closed || firewall.mode === 'none') return Promise.resolve();
    syncing = syncing
      .then(async () => {
        const addresses = faults.unreachableAddresses();
        if (addresses === applied) return;
        await firewall.sync(addresses);
        applied = addresses;
      })
      .catch(() => undefined);
    return syncing;
  };
  const unsubscribe = faults.onChange(() => void sync());
  // Servers also stop and start through the OpenStack API; look again now and then.
  const timer = setInterval(() => void sync(), options.syncIntervalMs ?? 1_000);
  timer.unref();
  await sync();

  return {
    sshPort,
    firewall,
    warning,
    sync,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      unsubscribe();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await syncing;
      await firewall.close();
    },
  };
}
