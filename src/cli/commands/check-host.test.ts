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

  it('checks huge pages only when configured: enough of the configured size passes, too few or another size fails', () => {
    const ready = { virtualization: { vtx: true, vtd: true, x2apic: true, sriov: true, iommuDefaultDomain: 'Passthrough' }, memory: { totalBytes: 1, availableBytes: 1, swapTotalBytes: 0, swapUsedBytes: 0 } };
    const pools = (defaultPageSizeKb: number, ...list: [number, number, number][]) => ({ hugepages: { defaultPageSizeKb, pools: list.map(([pageSizeKb, total, free]) => ({ pageSizeKb, total, free })) } });
    const reserved = facts({ ...ready, ...pools(1_048_576, [2048, 0, 0], [1_048_576, 192, 40]) });
    assert.equal(judgeReadiness(reserved).length, 6, 'no hugepages item without the setting');
    const pass = judgeReadiness(reserved, { hugepages: { pageSize: '1G', minTotal: 160 } }).at(-1);
    assert.deepEqual(pass, {
      item: 'hugepages (1G)',
      result: 'pass',
      value: '192 of 1G reserved (need 160, 40 free)',
      fix: 'reserve 160 pages at boot: add "default_hugepagesz=1G hugepagesz=1G hugepages=160" to GRUB_CMDLINE_LINUX in /etc/default/grub, run update-grub (grub2-mkconfig on RHEL) and reboot; the hypervisor template sets this',
    });
    const tooFew = judgeReadiness(reserved, { hugepages: { pageSize: '1G', minTotal: 200 } }).at(-1);
    assert.equal(tooFew?.result, 'fail');
    assert.equal(tooFew?.value, '192 of 1G reserved (need 200, 40 free)');
    const otherSize = judgeReadiness(reserved, { hugepages: { pageSize: '2M', minTotal: 1024 } }).at(-1);
    assert.deepEqual([otherSize?.result, otherSize?.value], ['fail', '0 of 2M reserved (need 1024, 0 free)']);
    assert.match(otherSize?.fix ?? '', /hugepagesz=2M hugepages=1024/);
    const none = judgeReadiness(facts({ ...ready, hugepages: { defaultPageSizeKb: 2048, pools: [] } }), { hugepages: { pageSize: '1G', minTotal: 1 } }).at(-1);
    assert.deepEqual([none?.result, none?.value], ['fail', '0 of 1G reserved (need 1)']);
    const unread = judgeReadiness(facts(ready), { hugepages: { pageSize: '1G', minTotal: 1 } }).at(-1);
    assert.deepEqual([unread?.result, unread?.value], ['unknown', 'not reported']);
  });

  it('says unknown, never pass, for what the host did not report', () => {
    const items = judgeReadiness(facts({}));
    assert.ok(items.every((i) => i.result === 'unknown'));
  });
});
