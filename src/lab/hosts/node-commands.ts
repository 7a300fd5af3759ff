/**
 * What a Kubernetes node VM prints for the checklist commands only nodes are asked:
 * systemd's is-active for kubelet and containerd, `test -S` on the containerd socket,
 * the kubelet/join journal, iproute2's `ip -j addr` and `ip route`, open-iscsi's
 * `iscsiadm` and multipath-tools' `multipath -ll`, in those tools' own formats.
 */
import type { NodeFacts } from './node-facts.js';

export interface NodeCommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

const ok = (stdout: string, code = 0, stderr = ''): NodeCommandResult => ({ stdout, stderr, code });

/** The unit list the collector asks about on a node. */
export const NODE_UNITS = ['kubelet', 'containerd'] as const;
export const CONTAINERD_SOCKET = '/run/containerd/containerd.sock';

function isActive(facts: NodeFacts): NodeCommandResult {
  const states = NODE_UNITS.map((u) => facts.services[u] ?? 'inactive');
  return ok(states.map((s) => `${s}\n`).join(''), states.every((s) => s === 'active') ? 0 : 3);
}

/** journalctl's short-iso: `2026-11-25T11:10:11+0000`. */
function shortIso(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}+0000`;
}

function journal(facts: NodeFacts, now: number): NodeCommandResult {
  const since = now - 24 * 3600_000;
  const lines = facts.node.journal.filter((e) => e.at >= since && e.at <= now).map((e) => `${shortIso(e.at)} ${facts.hostname} ${e.ident}: ${e.message}\n`);
  return ok(lines.length ? lines.join('') : '-- No entries --\n');
}

function flagsOf(name: string, up: boolean): string[] {
  const state = up ? ['UP', 'LOWER_UP'] : [];
  if (name === 'lo') return ['LOOPBACK', ...state];
  if (name.startsWith('tunl')) return ['NOARP', ...state];
  return ['BROADCAST', 'MULTICAST', ...state];
}

/** `ip -j addr show`: one line of JSON, as iproute2 prints it (no pretty-printing without -p). */
function ipAddr(facts: NodeFacts): NodeCommandResult {
  const rows = facts.node.interfaces.map((nic, i) => {
    const loop = nic.name === 'lo';
    const tunnel = nic.name.startsWith('tunl');
    return {
      ifindex: i + 1,
      ifname: tunnel ? `${nic.name}@NONE` : nic.name,
      flags: flagsOf(nic.name, nic.up),
      mtu: nic.mtu,
      qdisc: loop || tunnel ? 'noqueue' : 'fq_codel',
      operstate: loop || tunnel ? 'UNKNOWN' : nic.up ? 'UP' : 'DOWN',
      group: 'default',
      txqlen: 1000,
      link_type: loop ? 'loopback' : tunnel ? 'ipip' : 'ether',
      address: nic.mac,
      broadcast: loop ? '00:00:00:00:00:00' : tunnel ? '00:00:00:00' : 'ff:ff:ff:ff:ff:ff',
      addr_info: nic.addresses.map((a) => {
        const [local, prefix] = a.split('/');
        return { family: 'inet', local, prefixlen: Number(prefix), scope: loop ? 'host' : 'global', label: nic.name, valid_life_time: 4294967295, preferred_life_time: 4294967295 };
      }),
    };
  });
  return ok(`${JSON.stringify(rows)}\n`);
}

function ipRoute(facts: NodeFacts): NodeCommandResult {
  const lines = facts.node.routes.map((r) =>
    r.destination === 'default'
      ? `default via ${r.gateway ?? '0.0.0.0'} dev ${r.device} proto dhcp${r.source ? ` src ${r.source}` : ''} metric 100 \n`
      : `${r.destination}${r.gateway ? ` via ${r.gateway}` : ''} dev ${r.device} proto kernel scope link${r.source ? ` src ${r.source}` : ''} \n`,
  );
  return ok(lines.join(''));
}

/** open-iscsi exits 21 (ISCSI_ERR_NO_OBJS_FOUND) when there is nothing to list. */
const NO_OBJECTS = 21;

function iscsiNodes(facts: NodeFacts): NodeCommandResult {
  if (facts.node.iscsiNodes.length === 0) return ok('', NO_OBJECTS, 'iscsiadm: No records found\n');
  return ok(facts.node.iscsiNodes.map((n) => `${n.portal},1030 ${n.target}\n`).join(''));
}

function iscsiSessions(facts: NodeFacts): NodeCommandResult {
  if (facts.node.iscsiSessions.length === 0) return ok('', NO_OBJECTS, 'iscsiadm: No active sessions.\n');
  return ok(facts.node.iscsiSessions.map((s) => `tcp: [${s.sid}] ${s.portal},1030 ${s.target} (non-flash)\n`).join(''));
}

/** `multipath -ll`: the map line, its size and features, then the path group tree. */
function multipath(facts: NodeFacts): NodeCommandResult {
  const out: string[] = [];
  for (const m of facts.node.multipath) {
    out.push(`${m.name} (${m.wwid}) ${m.dm} ${m.vendorProduct}`);
    out.push(`size=${m.sizeGb}G features='3 queue_if_no_path pg_init_retries 50' hwhandler='1 alua' wp=rw`);
    const live = m.paths.some((p) => p.dmState === 'active');
    out.push(`\`-+- policy='service-time 0' prio=50 status=${live ? 'active' : 'enabled'}`);
    m.paths.forEach((p, i) => {
      const branch = i === m.paths.length - 1 ? '`-' : '|-';
      out.push(`  ${branch} ${p.hctl} ${p.device} ${p.devt} ${p.dmState} ${p.checker} running`);
    });
  }
  return ok(out.map((l) => `${l}\n`).join(''));
}

type NodeRenderer = (facts: NodeFacts, now: number) => NodeCommandResult;

export const NODE_COMMANDS: Readonly<Record<string, NodeRenderer>> = {
  [`systemctl is-active ${NODE_UNITS.join(' ')}`]: isActive,
  [`test -S ${CONTAINERD_SOCKET}`]: (facts) => ok('', facts.node.containerdSocket ? 0 : 1),
  'journalctl -u kubelet -u kubeadm-join --since "-24h" --no-pager -o short-iso': journal,
  'ip -j addr show': ipAddr,
  'ip route show': ipRoute,
  'iscsiadm -m node': iscsiNodes,
  'iscsiadm -m session': iscsiSessions,
  'multipath -ll': multipath,
};

/**
 * Hypervisor commands a node VM also answers; the rest (libvirt logs, compose, smartctl,
 * sensors, IOMMU) have nothing to say on a guest and are refused like elsewhere.
 */
export const SHARED_WITH_NODES: ReadonlySet<string> = new Set([
  'date -Iseconds',
  'cat /proc/uptime',
  'uptime -s',
  'dmesg -T',
  'journalctl -k --since "-24h" --no-pager -o short-iso',
  'free -b',
  'df -P',
  'cat /proc/swaps',
  'cat /proc/meminfo',
  'last -F reboot',
]);
