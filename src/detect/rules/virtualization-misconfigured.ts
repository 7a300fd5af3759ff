import { z } from 'zod';
import type { Evidence } from '../../core/findings.js';
import { SEVERITIES } from '../../core/severity.js';
import type { HostFacts } from '../../snapshot/schema.js';
import { defineDetector, type RawFinding } from '../define.js';
import { hostRef, hostUrgency, isValidPattern } from '../resources.js';

type Messages = 'notReady';
type Virtualization = NonNullable<HostFacts['virtualization']>;

interface Check {
  readonly item: string;
  /** true = fine, false = failed, undefined = not judged (fact absent). */
  readonly judge: (v: Virtualization) => boolean | undefined;
  readonly fact: (v: Virtualization) => string | boolean | undefined;
  readonly fix: string;
}

const CHECKS: readonly Check[] = [
  {
    item: 'VT-x',
    judge: (v) => v.vtx,
    fact: (v) => v.vtx,
    fix: 'enable Intel VT-x (VMX) in the UEFI/BIOS; `kvm-ok` must say "KVM acceleration can be used"',
  },
  {
    item: 'VT-d',
    judge: (v) => v.vtd,
    fact: (v) => v.vtd,
    fix: 'enable VT-d in the UEFI/BIOS and boot with `intel_iommu=on iommu=pt`; /sys/kernel/iommu_groups must not be empty (or dmesg shows "DMAR: Intel(R) Virtualization Technology for Directed I/O")',
  },
  {
    item: 'x2apic',
    judge: (v) => v.x2apic,
    fact: (v) => v.x2apic,
    fix: 'enable x2APIC in the UEFI/BIOS; dmesg must show "x2apic enabled"',
  },
  {
    item: 'SR-IOV',
    judge: (v) => v.sriov,
    fact: (v) => v.sriov,
    fix: 'enable SR-IOV in the UEFI/BIOS, globally and on the NIC/disk devices; `lspci -v` must show "Single Root I/O Virtualization (SR-IOV)"',
  },
  {
    item: 'IOMMU default domain',
    judge: (v) => (v.iommuDefaultDomain === undefined ? undefined : !/^translated$/i.test(v.iommuDefaultDomain.trim())),
    fact: (v) => v.iommuDefaultDomain,
    fix: '"Translated" means VT-d is not in effect for PCI passthrough: enable VT-d and boot with `iommu=pt` so dmesg shows "iommu: Default domain type: Passthrough"',
  },
];

export default defineDetector({
  id: 'virtualization-misconfigured',
  title: 'Hypervisor virtualization settings missing',
  layer: 'host',
  severity: 'high',
  description: 'Finds hypervisors where VT-x, VT-d, x2apic or SR-IOV is off, or the IOMMU default domain is Translated; one finding per host listing every failed item.',
  explanation:
    'A hypervisor needs VT-x for KVM at all, VT-d with the IOMMU in passthrough mode for PCI and SR-IOV devices handed to ' +
    'guests, x2apic for interrupt performance with many vCPUs, and SR-IOV for the virtual functions guests use. These are ' +
    'UEFI/BIOS settings plus kernel parameters, and they are lost silently when a mainboard or the whole box is swapped: ' +
    'the host comes back, servers start, and then run without acceleration or fail to attach their devices.',
  requires: ['hostFacts'],
  uses: ['hypervisors', 'servers', 'regions', 'inventory'],
  messages: {
    notReady: '{{host}} is not ready as a hypervisor: {{failed}}.',
  },
  options: z.object({
    ignoreItems: z
      .array(z.enum(['VT-x', 'VT-d', 'x2apic', 'SR-IOV', 'IOMMU default domain']))
      .default([])
      .describe('items not judged on this fleet (e.g. SR-IOV where no host uses it)'),
    nodeNamePattern: z
      .string()
      .refine(isValidPattern, 'not a valid regular expression')
      .default('')
      .describe('hosts Nova does not know as hypervisors are judged only when their name matches this regular expression (empty: only known hypervisors and hosts that are not servers)'),
    devSeverity: z.enum(SEVERITIES).default('medium').describe('severity for a host in a dev zone'),
  }),
  remediation: {
    runbook: 'part-urgent',
    steps: [
      'Plan the work: changing UEFI/BIOS settings needs a reboot, so announce it, stop the host\'s servers (prod DB servers wait for the DBA) and power-cycle the host (runbook part-urgent).',
      'Apply every fix listed in the finding in the UEFI/BIOS, and the kernel parameters `intel_iommu=on iommu=pt` in GRUB (`update-grub` / `grub2-mkconfig`).',
      'After the boot check: `kvm-ok`; `compgen -G "/sys/kernel/iommu_groups/*/devices/*"`; `dmesg -T | grep -iE "x2apic enabled|DMAR: Intel|Default domain type"`; `lspci -v | grep -i sr-iov`.',
      'Start the servers and check ping and ssh. After any mainboard or box swap, run these checks before handing the host back.',
    ],
  },
  source: 'catalog §3 host layer (virtualization-misconfigured), §4.8, §6; seed 000 §8.2 (UEFI/BIOS configuration)',
  detect({ snapshot, index, options }) {
    const out: RawFinding<Messages>[] = [];
    const ignored = new Set<string>(options.ignoreItems);
    const nodePattern = options.nodeNamePattern === '' ? undefined : new RegExp(options.nodeNamePattern);
    for (const facts of snapshot.hostFacts) {
      const v = facts.virtualization;
      if (!v) continue;
      // A Kubernetes node that is itself a VM has no business with VT-d; only hypervisors are judged.
      const isHypervisor = index.hypervisor(facts.host) !== undefined;
      const isServer = index.serverOfNode({ name: facts.host }) !== undefined;
      if (!isHypervisor && (nodePattern ? !nodePattern.test(facts.host) : isServer)) continue;

      const judged = CHECKS.filter((c) => !ignored.has(c.item) && c.judge(v) !== undefined);
      const failed = judged.filter((c) => c.judge(v) === false);
      if (failed.length === 0) continue;
      const urgency = hostUrgency(index, facts.host, 'high', options.devSeverity);
      const evidence: Evidence[] = [
        ...CHECKS.filter((c) => !ignored.has(c.item)).map((c) => ({ label: c.item, value: c.fact(v) ?? 'not collected', source: 'host facts' })),
        ...failed.map((c) => ({ label: `fix ${c.item}`, value: c.fix, source: 'catalog §6' })),
        ...urgency.evidence,
      ];
      out.push({
        messageId: 'notReady',
        data: { host: facts.host, failed: failed.map((c) => (c.item === 'IOMMU default domain' ? `IOMMU default domain is ${String(c.fact(v))}` : `${c.item} off`)).join(', ') },
        resource: hostRef(index, facts.host),
        severity: urgency.severity,
        evidence,
      });
    }
    return out;
  },
});
