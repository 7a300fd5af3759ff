/**
 * Real unreachability for lab addresses: an nftables table with one set of dropped
 * addresses and one rule that drops everything arriving on `lo` for them, so ping
 * (ICMP) and the SSH port (TCP) both time out as they would for a dead machine.
 * Needs `nft` and CAP_NET_ADMIN (root); nothing is installed if either is missing.
 */
import { spawn } from 'node:child_process';

export interface Firewall {
  /** `nftables` when addresses really drop; `none` when the lab can only refuse TCP. */
  readonly mode: 'nftables' | 'none';
  /** Why there is no firewall (shown to the user), or null. */
  readonly reason: string | null;
  /** Makes exactly these addresses unreachable. */
  sync(addresses: ReadonlySet<string>): Promise<void>;
  /** Removes the table. Safe to call twice. */
  close(): Promise<void>;
}

function run(command: string, args: string[], input?: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    let stderr = '';
    let child;
    try {
      child = spawn(command, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    } catch (err) {
      resolve({ code: -1, stderr: err instanceof Error ? err.message : String(err) });
      return;
    }
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err: NodeJS.ErrnoException) => resolve({ code: -1, stderr: err.code === 'ENOENT' ? `${command}: not found` : err.message }));
    child.on('close', (code) => resolve({ code: code ?? -1, stderr: stderr.trim() }));
    child.stdin.end(input ?? '');
  });
}

export function tableName(port: number): string {
  return `faultline_lab_${port}`;
}

const noFirewall = (reason: string): Firewall => ({
  mode: 'none',
  reason,
  sync: () => Promise.resolve(),
  close: () => Promise.resolve(),
});

/**
 * Creates the table (replacing a leftover one of the same name from a crashed run),
 * or explains why it cannot.
 */
export async function openFirewall(port: number, options: { nft?: string } = {}): Promise<Firewall> {
  const nft = options.nft ?? 'nft';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return noFirewall('not running as root, so nftables cannot be changed');
  const table = tableName(port);
  const script = [
    `table inet ${table}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
    '  set dropped { type ipv4_addr; }',
    '  chain input {',
    '    type filter hook input priority -150; policy accept;',
    '    iifname "lo" ip daddr @dropped meta l4proto { icmp, tcp, udp } drop',
    '  }',
    '}',
    '',
  ].join('\n');
  const created = await run(nft, ['-f', '-'], script);
  if (created.code !== 0) return noFirewall(`nft failed (${created.stderr || `exit ${created.code}`})`);
  let current = new Set<string>();
  let chain = Promise.resolve();
  let closed = false;
  return {
    mode: 'nftables',
    reason: null,
    sync(addresses) {
      // Updates are serialised so a slow nft never applies an older set after a newer one.
      chain = chain.then(async () => {
        if (closed) return;
        const add = [...addresses].filter((a) => !current.has(a));
        const remove = [...current].filter((a) => !addresses.has(a));
        if (add.length === 0 && remove.length === 0) return;
        const lines: string[] = [];
        for (let i = 0; i < remove.length; i += 1000) lines.push(`delete element inet ${table} dropped { ${remove.slice(i, i + 1000).join(', ')} }`);
        for (let i = 0; i < add.length; i += 1000) lines.push(`add element inet ${table} dropped { ${add.slice(i, i + 1000).join(', ')} }`);
        const res = await run(nft, ['-f', '-'], `${lines.join('\n')}\n`);
        if (res.code !== 0) throw new Error(`nft could not update ${table}: ${res.stderr}`);
        current = new Set(addresses);
      });
      return chain;
    },
    async close() {
      if (closed) return;
      closed = true;
      await chain.catch(() => undefined);
      await run(nft, ['delete', 'table', 'inet', table]);
    },
  };
}
