import { guarded, lines, type Parsed } from './common.js';

export interface VirtualizationFacts {
  vtx?: boolean;
  vtd?: boolean;
  x2apic?: boolean;
  sriov?: boolean;
  iommuDefaultDomain?: string;
}

/**
 * `kvm-ok`: "KVM acceleration can be used" (VT-x/AMD-V on and usable) or
 * "KVM acceleration can NOT be used" (with the reason on INFO lines).
 */
export function parseKvmOk(text: string): Parsed<{ vtx?: boolean; reason?: string }> {
  return guarded('kvm-ok', text, () => ({}), (body, warn) => {
    if (/KVM acceleration can NOT be used/i.test(body)) {
      // The most specific INFO line: BIOS switch, then CPU support, then the device node.
      const reason = [/INFO: ([^\n]*disabled[^\n]*)/i, /INFO: ([^\n]*not support[^\n]*)/i, /INFO: ([^\n]*does not exist[^\n]*)/i].map((re) => re.exec(body)?.[1]).find(Boolean);
      return { vtx: false, ...(reason ? { reason: reason.trim() } : {}) };
    }
    if (/KVM acceleration can be used/i.test(body)) return { vtx: true };
    warn(/command not found|No such file/.test(body) ? 'kvm-ok is not installed' : 'no verdict line ("KVM acceleration can … be used")');
    return {};
  });
}

/** `grep -m1 -o -w -E 'vmx|svm' /proc/cpuinfo`: the CPU flag when kvm-ok is missing (RHEL). */
export function parseCpuVirtFlag(text: string): Parsed<{ vtx?: boolean }> {
  return guarded('cpu flags', text, () => ({}), (body) => (/\b(vmx|svm)\b/.test(body) ? { vtx: true } : body.trim() === '' ? { vtx: false } : {}));
}

/** `ls /sys/kernel/iommu_groups`: numbered group directories exist only with VT-d/AMD-Vi on. */
export function parseIommuGroups(text: string): Parsed<{ groups: number }> {
  return guarded('iommu groups', text, () => ({ groups: 0 }), (body, warn) => {
    if (/No such file|cannot access/.test(body)) warn('/sys/kernel/iommu_groups is missing');
    return { groups: body.split(/\s+/).filter((t) => /^\d+$/.test(t)).length };
  });
}

/**
 * `grep -H . /sys/class/net/* /device/sriov_totalvfs`: `/sys/class/net/eno1/device/sriov_totalvfs:64`
 * → `{ eno1: 64 }`.
 */
export function parseSriovTotalVfs(text: string): Parsed<Record<string, number>> {
  return guarded('sriov_totalvfs', text, () => ({}), (body) => {
    const out: Record<string, number> = {};
    for (const m of body.matchAll(/\/sys\/class\/net\/([^/\s]+)\/device\/sriov_totalvfs:(\d+)/g)) out[m[1] ?? ''] = Number(m[2]);
    return out;
  });
}

/**
 * Boot messages (dmesg) that tell how virtualization came up:
 * - VT-d: "DMAR: IOMMU enabled", "DMAR: Intel(R) Virtualization Technology for Directed I/O", "AMD-Vi: … enabled"
 * - x2apic: "x2apic enabled", "x2apic: enabled by BIOS, switching to x2apic ops", "Enabled x2apic"; "x2apic: disabled" / "x2apic not enabled" → false
 * - "iommu: Default domain type: Passthrough" / "Translated" (Translated means VT-d is off for devices)
 * A fact not mentioned stays undefined: the ring buffer of a long-running host may have lost the boot lines.
 */
export function parseVirtualizationLog(text: string): Parsed<VirtualizationFacts> {
  return guarded('virtualization lines', text, () => ({}), (body) => {
    const out: VirtualizationFacts = {};
    for (const line of lines(body)) {
      if (/DMAR: IOMMU enabled|DMAR: Intel\(R\) Virtualization Technology for Directed I\/O|AMD-Vi: (?:Interrupt remapping enabled|Found IOMMU|IOMMU performance counters)|\bIOMMU enabled\b/i.test(line)) out.vtd = true;
      if (/x2apic(?::)? (?:enabled|mode enabled)|enabled x2apic|switching to x2apic ops|x2apic: enabled/i.test(line)) out.x2apic = true;
      else if (/x2apic(?::)? (?:disabled|not enabled)|Disabling x2apic|x2apic not (?:enabled|supported)/i.test(line) && out.x2apic === undefined) out.x2apic = false;
      const domain = /iommu: Default domain type: (\w+)/i.exec(line);
      if (domain?.[1]) out.iommuDefaultDomain = domain[1];
    }
    return out;
  });
}
