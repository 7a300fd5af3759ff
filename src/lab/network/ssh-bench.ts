import { connect } from 'node:net';
import { startLab } from '../openstack/lab.js';
import type { FleetCounts, FleetSizeName } from '../fleet/generate.js';

export interface SshBenchResult {
  servers: number;
  banners: number;
  wallMs: number;
  probesPerSecond: number;
  /** Time to compute the set of unreachable addresses once (what each firewall sync costs). */
  unreachableSetMs: number;
}

/**
 * Connects to the SSH port of every server, `concurrency` at a time, and waits for the
 * banner, the way the probe collector does. Not a test: run on demand, e.g.
 * `node -e "import('./dist/lab/network/ssh-bench.js').then(m => m.benchSshBanners()).then(console.log)"`.
 */
export async function benchSshBanners(options: { size?: FleetSizeName | FleetCounts; concurrency?: number } = {}): Promise<SshBenchResult> {
  const lab = await startLab({ seed: 'bench', size: options.size ?? 'medium', guestNetwork: { sshPort: 0, firewall: 'none' } });
  try {
    const port = lab.network?.sshPort ?? 0;
    const ips = lab.fleet.servers.map((s) => s.ip);
    let t = performance.now();
    lab.faults.unreachableAddresses();
    const unreachableSetMs = performance.now() - t;
    let banners = 0;
    let next = 0;
    const one = (ip: string): Promise<void> =>
      new Promise((resolve) => {
        const socket = connect({ host: ip, port });
        const done = (): void => {
          socket.destroy();
          resolve();
        };
        socket.setTimeout(2_000, done);
        socket.once('data', () => {
          banners++;
          done();
        });
        socket.once('error', done);
        socket.once('close', done);
      });
    t = performance.now();
    await Promise.all(
      Array.from({ length: options.concurrency ?? 256 }, async () => {
        while (next < ips.length) await one(ips[next++] as string);
      }),
    );
    const wallMs = performance.now() - t;
    return { servers: ips.length, banners, wallMs, probesPerSecond: (ips.length / wallMs) * 1000, unreachableSetMs };
  } finally {
    await lab.stop();
  }
}
