import { hostCollectorFromConfig } from '../../collect/plan.js';
import { runCollectors } from '../../collect/runner.js';
import type { Collector } from '../../collect/types.js';
import { UsageError } from '../../core/errors.js';
import { hostFactsSchema, type HostFacts } from '../../snapshot/schema.js';
import { loadCliConfig } from '../config.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';

type Verdict = 'pass' | 'fail' | 'unknown';

export interface ReadinessItem {
  readonly item: string;
  readonly result: Verdict;
  readonly value: string;
  readonly fix: string;
}

/** Huge pages the fleet's flavors need on every hypervisor (faultline.yaml `hosts.hugepages`). */
export interface HugepageRequirement {
  readonly pageSize: '2M' | '1G';
  readonly minTotal: number;
}

export interface ReadinessOptions {
  /** Checked only when given. */
  readonly hugepages?: HugepageRequirement;
}

const PAGE_KB = { '2M': 2048, '1G': 1_048_576 } as const;

const yesNo = (v: boolean | undefined): string => (v === undefined ? 'not reported' : v ? 'yes' : 'no');
const flag = (v: boolean | undefined): Verdict => (v === undefined ? 'unknown' : v ? 'pass' : 'fail');

/**
 * The catalog's hypervisor readiness list (§6, §8.2 of the runbook): what a new or
 * repaired box must show before it takes VMs. Each item says how to fix it.
 */
export function judgeReadiness(facts: HostFacts, options: ReadinessOptions = {}): ReadinessItem[] {
  const v = facts.virtualization ?? {};
  const swap = facts.memory?.swapTotalBytes;
  const domain = v.iommuDefaultDomain;
  const items: ReadinessItem[] = [
    { item: 'VT-x (kvm-ok)', result: flag(v.vtx), value: yesNo(v.vtx), fix: 'enable Intel Virtualization Technology (VT-x) in the BIOS processor settings' },
    { item: 'VT-d (IOMMU)', result: flag(v.vtd), value: yesNo(v.vtd), fix: 'enable VT-d in the BIOS and boot with intel_iommu=on iommu=pt' },
    {
      item: 'IOMMU default domain',
      result: domain === undefined ? 'unknown' : domain === 'Passthrough' ? 'pass' : 'fail',
      value: domain ?? 'not reported',
      fix: 'add iommu=pt to the kernel command line (Translated means VT-d is not in passthrough mode)',
    },
    { item: 'x2apic', result: flag(v.x2apic), value: yesNo(v.x2apic), fix: 'enable x2APIC mode in the BIOS' },
    { item: 'SR-IOV', result: flag(v.sriov), value: yesNo(v.sriov), fix: 'enable SR-IOV in the BIOS and in the NIC firmware settings' },
    {
      item: 'swap off',
      result: swap === undefined ? 'unknown' : swap === 0 ? 'pass' : 'fail',
      value: swap === undefined ? 'not reported' : `${swap} bytes of swap`,
      fix: 'swapoff -a and remove the swap entries from /etc/fstab',
    },
  ];
  if (options.hugepages) items.push(hugepagesItem(facts, options.hugepages));
  return items;
}

/**
 * Pages of the configured size reserved at boot, at least `minTotal`. A flavor with
 * `hw:mem_page_size` cannot be scheduled onto a host without them. 1 GiB pages can
 * only be reserved on the kernel command line; 2 MiB pages also at run time, but a
 * fragmented host may not find them then, so the boot parameter is the fix for both.
 */
function hugepagesItem(facts: HostFacts, want: HugepageRequirement): ReadinessItem {
  const item = `hugepages (${want.pageSize})`;
  const fix =
    `reserve ${want.minTotal} pages at boot: add "default_hugepagesz=${want.pageSize} hugepagesz=${want.pageSize} hugepages=${want.minTotal}" to GRUB_CMDLINE_LINUX ` +
    'in /etc/default/grub, run update-grub (grub2-mkconfig on RHEL) and reboot; the hypervisor template sets this';
  const pools = facts.hugepages?.pools;
  if (!pools) return { item, result: 'unknown', value: 'not reported', fix };
  const pool = pools.find((p) => p.pageSizeKb === PAGE_KB[want.pageSize]);
  const total = pool?.total ?? 0;
  const free = pool?.free === undefined ? '' : `, ${pool.free} free`;
  return { item, result: total >= want.minTotal ? 'pass' : 'fail', value: `${total} of ${want.pageSize} reserved (need ${want.minTotal}${free})`, fix };
}

export interface CheckHostFlags {
  config?: string;
  address?: string;
  format: 'table' | 'json';
}

/** Collects one host's facts over SSH (the same allow-listed commands as a scan) and judges readiness. */
export async function checkHost(ctx: CliContext, host: string, flags: CheckHostFlags): Promise<number> {
  const loaded = await loadCliConfig(ctx, flags.config);
  const hosts = loaded.config.hosts;
  if (!hosts) throw new UsageError('check-host needs SSH access: set hosts (username, privateKey, knownHosts) in faultline.yaml');
  // The box may not be in Nova yet, so it is described here rather than looked up.
  const hypervisor = { id: host, name: host, host, hostIp: flags.address ?? host };
  const collector = hostCollectorFromConfig({ ...loaded.config, openstack: { ...loaded.config.openstack, computeHostPattern: undefined } }, { ...hosts, hostPattern: undefined }, ctx.env);
  const seed: Collector = { id: 'target', description: host, produces: ['hypervisors'], collect: async () => ({ data: { hypervisors: [hypervisor] } }) };
  const run = await runCollectors([seed, collector], { timeoutMs: hosts.hostTimeoutSeconds * 1000 + 5000, log: ctx.term.logger(false) });
  const outcome = run.outcomes[1];
  const facts = run.data.hostFacts?.[0];
  if (!facts || outcome?.status === 'failed') {
    ctx.term.err(`error: could not read ${host}: ${outcome?.error ?? outcome?.warnings.join('; ') ?? 'no facts'}`);
    return EXIT.findings;
  }
  const items = judgeReadiness(hostFactsSchema.parse(facts), hosts.hugepages ? { hugepages: hosts.hugepages } : {});
  const ready = items.every((i) => i.result === 'pass');
  if (flags.format === 'json') ctx.term.out(`${JSON.stringify({ host, ready, items, warnings: outcome?.warnings ?? [] }, null, 2)}\n`);
  else {
    const w = Math.max(...items.map((i) => i.item.length));
    const lines = items.map((i) => `${i.result.toUpperCase().padEnd(7)} ${i.item.padEnd(w)}  ${i.value}${i.result === 'pass' ? '' : `\n        fix: ${i.fix}`}`);
    ctx.term.out(`${host}: ${ready ? 'ready' : 'NOT ready'} for VMs\n${lines.join('\n')}\n`);
  }
  return ready ? EXIT.ok : EXIT.findings;
}
