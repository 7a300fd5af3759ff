import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { defineDetector, type RawFinding } from '../define.js';
import { hostRef, hostUrgency } from '../resources.js';

type Messages = 'storageMtu' | 'interfaceMtu' | 'multipathFailed' | 'iscsiSessionMissing';

const HEALTHY_PATH = new Set(['active', 'ready', 'running']);

export default defineDetector({
  id: 'node-network',
  title: 'Storage network of a node misconfigured or degraded',
  layer: 'kubernetes',
  severity: 'medium',
  description: 'Finds storage interfaces whose MTU is not the jumbo-frame size, other interfaces off the standard MTU, multipath devices with failed paths and iSCSI targets without a session.',
  explanation:
    'A storage interface left at MTU 1500 where the storage network runs 9000 fragments or drops large frames: volumes ' +
    'stall or time out under load while small requests work, the hardest kind of failure to see. A multipath device with a ' +
    'failed path runs without redundancy, and an iSCSI target configured but not logged in means a volume is gone. ' +
    'These are the network and storage checks of the cluster checklist.',
  requires: ['hostFacts'],
  uses: ['servers', 'hypervisors', 'regions'],
  messages: {
    storageMtu: 'Storage interface {{interface}} on {{host}} has MTU {{mtu}}; the storage network needs {{expected}}.',
    interfaceMtu: 'Interface {{interface}} on {{host}} has MTU {{mtu}} instead of {{expected}}.',
    multipathFailed: 'Multipath device {{device}} on {{host}} has {{failed}} of {{total}} paths down ({{paths}}).',
    iscsiSessionMissing: 'iSCSI target {{target}} at {{portal}} is configured on {{host}} but has no session.',
  },
  options: z.object({
    storageMtu: z.number().int().positive().default(9000).describe('MTU every interface with role storage must have'),
    defaultMtu: z.number().int().positive().default(1500).describe('MTU of the other physical and VM interfaces'),
    checkOtherInterfaces: z.boolean().default(true).describe('also report non-storage interfaces off defaultMtu (tunnels and loopback are never judged)'),
    devSeverity: z.enum(SEVERITIES).default('low').describe('severity for hosts in a dev zone'),
  }),
  remediation: {
    steps: [
      'Read the interfaces: `ip -d link show` (or `ifconfig -a`) and `route -n`.',
      'Set the MTU now and in the network config: `ip link set dev <if> mtu 9000`, then netplan / ifcfg so it survives a reboot; check end to end with `ping -M do -s 8972 <storage target>`.',
      'Multipath: `multipath -ll` shows the failed path; check the HBA or NIC and the switch port, then `multipathd reconfigure`.',
      'iSCSI: `iscsiadm -m node` lists the targets, `iscsiadm -m session` the logged-in ones; log in again with `iscsiadm -m node -T <target> -p <portal> --login`.',
    ],
  },
  source: 'catalog §3 Kubernetes layer (node-network); seed 003 §OS 4 (ifconfig, route, iscsiadm, multipath, MTU)',
  detect({ snapshot, index, options }) {
    const out: RawFinding<Messages>[] = [];
    for (const facts of snapshot.hostFacts) {
      const host = facts.host;
      const urgency = hostUrgency(index, host, 'medium', options.devSeverity);
      const push = (messageId: Messages, key: string, data: Record<string, string | number>, evidence: { label: string; value: string | number | boolean | null; source: string }[], severity = urgency.severity): void => {
        out.push({ messageId, key, data: { host, ...data }, resource: hostRef(index, host), severity, evidence: [...evidence, ...urgency.evidence] });
      };
      for (const nic of facts.interfaces ?? []) {
        if (nic.role === 'storage' && nic.mtu !== options.storageMtu) {
          push('storageMtu', nic.name, { interface: nic.name, mtu: nic.mtu, expected: options.storageMtu }, [
            { label: 'interface', value: nic.name, source: 'ip link' },
            { label: 'mtu', value: nic.mtu, source: 'ip link' },
            { label: 'addresses', value: nic.addresses.join(', ') || null, source: 'ip addr' },
          ]);
        } else if (options.checkOtherInterfaces && nic.role !== undefined && nic.role !== 'storage' && nic.role !== 'other' && nic.mtu !== options.defaultMtu) {
          push('interfaceMtu', nic.name, { interface: nic.name, mtu: nic.mtu, expected: options.defaultMtu }, [
            { label: 'interface', value: nic.name, source: 'ip link' },
            { label: 'mtu', value: nic.mtu, source: 'ip link' },
            { label: 'role', value: nic.role, source: 'host config' },
          ], 'low');
        }
      }
      for (const map of facts.multipath ?? []) {
        const failed = map.paths.filter((p) => !HEALTHY_PATH.has(p.state));
        if (failed.length === 0) continue;
        push('multipathFailed', map.device, {
          device: map.device,
          failed: failed.length,
          total: map.paths.length,
          paths: failed.map((p) => `${p.device} ${p.state}`).join(', '),
        }, [
          { label: 'device', value: map.device, source: 'multipath -ll' },
          ...(map.wwid ? [{ label: 'wwid', value: map.wwid, source: 'multipath -ll' }] : []),
          { label: 'paths', value: map.paths.map((p) => `${p.device}:${p.state}`).join(' '), source: 'multipath -ll' },
        ], failed.length === map.paths.length ? 'high' : urgency.severity);
      }
      const iscsi = facts.iscsi;
      if (iscsi) {
        const live = new Set(iscsi.sessions.map((s) => `${s.target} ${s.portal}`));
        for (const n of iscsi.nodes) {
          if (live.has(`${n.target} ${n.portal}`)) continue;
          push('iscsiSessionMissing', `${n.target} ${n.portal}`, { target: n.target, portal: n.portal }, [
            { label: 'target', value: n.target, source: 'iscsiadm -m node' },
            { label: 'portal', value: n.portal, source: 'iscsiadm -m node' },
            { label: 'sessions', value: iscsi.sessions.length, source: 'iscsiadm -m session' },
          ]);
        }
      }
    }
    return out;
  },
});
