import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostFactsSchema } from '../../snapshot/schema.js';
import { judgeReadiness } from './check-host.js';

const facts = (fields: Record<string, unknown>) => hostFactsSchema.parse({ host: 'krane-pg1-com950', collectedAt: '2026-11-25T00:00:00Z', ...fields });

describe('hypervisor readiness', () => {
  it('passes a box with every feature on and no swap', () => {
    const items = judgeReadiness(
      facts({
        virtualization: { vtx: true, vtd: true, x2apic: true, sriov: true, iommuDefaultDomain: 'Passthrough' },
        memory: { totalBytes: 1, availableBytes: 1, swapTotalBytes: 0, swapUsedBytes: 0 },
      }),
    );
    assert.deepEqual(items.map((i) => i.result), ['pass', 'pass', 'pass', 'pass', 'pass', 'pass']);
  });

  it('fails each missing feature with its fix, e.g. after a board swap reset the BIOS', () => {
    const items = judgeReadiness(
      facts({
        virtualization: { vtx: true, vtd: false, x2apic: false, sriov: true, iommuDefaultDomain: 'Translated' },
        memory: { totalBytes: 1, availableBytes: 1, swapTotalBytes: 4096, swapUsedBytes: 0 },
      }),
    );
    const failed = items.filter((i) => i.result === 'fail');
    assert.deepEqual(failed.map((i) => i.item), ['VT-d (IOMMU)', 'IOMMU default domain', 'x2apic', 'swap off']);
    assert.match(failed[0]!.fix, /intel_iommu=on iommu=pt/);
    assert.match(failed[3]!.fix, /swapoff -a/);
  });

  it('says unknown, never pass, for what the host did not report', () => {
    const items = judgeReadiness(facts({}));
    assert.ok(items.every((i) => i.result === 'unknown'));
  });
});
