/**
 * Parsers for what the cluster failure checklist reads on a Kubernetes node:
 * iproute2's `ip -j addr show`, open-iscsi's `iscsiadm -m node` / `-m session`,
 * multipath-tools' `multipath -ll`, and the kubeadm join errors in the journal.
 */
import { guarded, lines, type Parsed } from './common.js';

export interface NodeInterface {
  name: string;
  mtu: number;
  up?: boolean;
  addresses: string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `ip -j addr show`: the kernel's interfaces with MTU, state and IPv4/IPv6 addresses. */
export function parseIpAddrJson(text: string): Parsed<NodeInterface[]> {
  return guarded('ip -j addr show', text, () => [], (body, warn) => {
    const data: unknown = JSON.parse(body.trim() || '[]');
    if (!Array.isArray(data)) {
      warn('not a JSON array');
      return [];
    }
    const out: NodeInterface[] = [];
    for (const row of data) {
      if (!isRecord(row) || typeof row['ifname'] !== 'string' || typeof row['mtu'] !== 'number' || !Number.isInteger(row['mtu']) || row['mtu'] <= 0) {
        warn('an interface without a name or MTU was skipped');
        continue;
      }
      // Tunnels and VLANs print their parent after "@" (tunl0@NONE, bond0.100@bond0).
      const name = row['ifname'].split('@')[0] ?? row['ifname'];
      const flags = Array.isArray(row['flags']) ? row['flags'].filter((f): f is string => typeof f === 'string') : [];
      const addrs = Array.isArray(row['addr_info']) ? row['addr_info'] : [];
      const addresses = addrs.filter(isRecord).flatMap((a) => (typeof a['local'] === 'string' ? [`${a['local']}${typeof a['prefixlen'] === 'number' ? `/${a['prefixlen']}` : ''}`] : []));
      out.push({ name, mtu: row['mtu'], ...(flags.length ? { up: flags.includes('UP') } : {}), addresses });
    }
    return out;
  });
}

export interface IscsiEntry {
  target: string;
  portal: string;
  state?: string;
}

/**
 * `iscsiadm -m node` (`10.0.0.11:3260,1030 iqn…`) and `iscsiadm -m session`
 * (`tcp: [1] 10.0.0.11:3260,1030 iqn… (non-flash)`); the portal loses its ",tpgt".
 */
export function parseIscsiadm(text: string, mode: 'node' | 'session'): Parsed<IscsiEntry[]> {
  return guarded(`iscsiadm -m ${mode}`, text, () => [], (body, warn) => {
    const out: IscsiEntry[] = [];
    const pattern = mode === 'session' ? /^\w+: \[\d+\] (\S+?)(?:,\d+)? (\S+)(?: \(([^)]*)\))?$/ : /^(\S+?)(?:,\d+)? (\S+)$/;
    for (const raw of lines(body)) {
      const line = raw.trim();
      if (!line) continue;
      const m = pattern.exec(line);
      if (!m?.[1] || !m[2]) {
        warn(`unexpected line "${line.slice(0, 120)}"`);
        continue;
      }
      out.push({ portal: m[1], target: m[2], ...(m[3] ? { state: m[3] } : {}) });
    }
    return out;
  });
}

/** open-iscsi's "nothing to list" (exit 21): an answer, not a failure. */
export function iscsiNothingFound(stderr: string, exitCode: number | null): boolean {
  return exitCode === 21 || /No active sessions|No records found/.test(stderr);
}

export interface MultipathMap {
  device: string;
  wwid?: string;
  paths: { device: string; state: string; dmState?: string }[];
}

/**
 * `multipath -ll`: a map header `name (wwid) dm-N vendor,product`, then per path
 * `H:C:T:L dev maj:min dm_state checker_state online_state` under the group tree.
 * The path's `state` is the checker's (ready/faulty/ghost/…), `dmState` the kernel's.
 */
export function parseMultipathLl(text: string): Parsed<MultipathMap[]> {
  return guarded('multipath -ll', text, () => [], (body, warn) => {
    const out: MultipathMap[] = [];
    let current: MultipathMap | undefined;
    for (const raw of lines(body)) {
      if (!raw.trim()) continue;
      const header = /^(\S+) (?:\((\S+)\) )?dm-\d+ /.exec(raw);
      if (header?.[1]) {
        current = { device: header[1], ...(header[2] ? { wwid: header[2] } : {}), paths: [] };
        out.push(current);
        continue;
      }
      const path = /^[\s|`]*[|`]- (\d+:\d+:\d+:\d+)\s+(\S+)\s+\d+:\d+\s+(\S+)\s+(\S+)/.exec(raw);
      if (path?.[2] && path[3] && path[4]) {
        if (!current) {
          warn('a path line before any map');
          continue;
        }
        current.paths.push({ device: path[2], state: path[4], dmState: path[3] });
        continue;
      }
      if (/^size=|policy=/.test(raw.replace(/^[\s|`+-]+/, ''))) continue;
      warn(`unexpected line "${raw.trim().slice(0, 120)}"`);
    }
    return out;
  });
}

/**
 * The errors of a failed `kubeadm join` in the journal (`journalctl -o short-iso`):
 * kubeadm's "error execution phase" line and each `[ERROR …]` check under it.
 */
export function parseJoinErrors(text: string): Parsed<string[]> {
  return guarded('journalctl -u kubelet -u kubeadm-join', text, () => [], (body) => {
    const out: string[] = [];
    for (const raw of lines(body)) {
      const m = /^\S+ \S+ kubeadm(?:\[\d+\])?: (.*)$/.exec(raw);
      const message = m?.[1]?.trim();
      if (!message) continue;
      if (/^\[ERROR [^\]]+\]/.test(message) || /^error execution phase/.test(message)) out.push(message);
    }
    // The check that failed says why; the phase line only that something did.
    return [...out.filter((l) => l.startsWith('[ERROR')), ...out.filter((l) => !l.startsWith('[ERROR'))];
  });
}
