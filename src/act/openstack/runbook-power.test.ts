import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RegionClient } from './nova.js';
import { novaEffects, type PowerDriver } from './runbook-effects.js';
import type { ItemRef } from '../../runbook/ports.js';

/**
 * hypervisor.power-off and power-on through the power port: at most one reset per try,
 * success only when PowerState reads the goal, and an unfinished try after a crash
 * judged by what the BMC shows, never by sending again.
 */

class FakeBmc implements PowerDriver {
  readonly settleMs = 0;
  power: 'On' | 'Off' | 'Unknown' = 'On';
  lastResetTime: string | null = '2026-12-01T00:00:00Z';
  resets: string[] = [];
  /** Reads until the power changes after a reset; Infinity: it never does. */
  delayReads = 2;
  private pending: { goal: 'On' | 'Off'; reads: number } | undefined;
  async state(): Promise<'On' | 'Off' | 'Unknown'> {
    if (this.pending && ++this.pending.reads >= this.delayReads) {
      this.power = this.pending.goal;
      this.lastResetTime = new Date().toISOString();
      this.pending = undefined;
    }
    return this.pending ? 'Unknown' : this.power;
  }
  async resetEvidence(): Promise<{ lastResetTime: string | null; moving: boolean }> {
    return { lastResetTime: this.lastResetTime, moving: this.pending !== undefined };
  }
  async reset(_host: string, type: 'ForceRestart' | 'GracefulRestart' | 'On' | 'ForceOff'): Promise<string | undefined> {
    this.resets.push(type);
    this.pending = { goal: type === 'On' ? 'On' : 'Off', reads: 0 };
    return `/redfish/v1/TaskService/Tasks/${this.resets.length}`;
  }
}

const HV: ItemRef = { kind: 'hypervisor', id: 'hv1', name: 'krane-pg1-com001' };

function effects(power: FakeBmc, actionTimeoutMs = 2_000) {
  // The power effects never reach Nova: the region client is not used by them.
  return novaEffects({ at: {} as RegionClient, actor: 't', reachability: {} as never, actionTimeoutMs, power, stormFraction: 1, pollMs: 5 });
}

describe('hypervisor power off / on effects', () => {
  it('power off: one ForceOff, waits until PowerState reads Off, keeps the BMC task id', async () => {
    const bmc = new FakeBmc();
    const r = await effects(bmc).perform('hypervisor.power-off', HV, { alreadySent: false });
    assert.equal(r.ok, true, r.detail);
    assert.deepEqual(bmc.resets, ['ForceOff']);
    assert.equal(bmc.power, 'Off');
    assert.deepEqual(r.requestIds, ['/redfish/v1/TaskService/Tasks/1']);
    assert.match(r.detail, /ForceOff sent .*PowerState Off/);
  });

  it('already at the goal: nothing sent', async () => {
    const bmc = new FakeBmc();
    bmc.power = 'Off';
    const r = await effects(bmc).perform('hypervisor.power-off', HV, { alreadySent: false });
    assert.equal(r.ok, true);
    assert.deepEqual(bmc.resets, []);
    const on = new FakeBmc();
    await effects(on).perform('hypervisor.power-on', HV, { alreadySent: false });
    assert.deepEqual(on.resets, []);
  });

  it('a reset whose power never moves fails after the timeout and is not sent again', async () => {
    const bmc = new FakeBmc();
    bmc.delayReads = Infinity;
    const r = await effects(bmc, 100).perform('hypervisor.power-off', HV, { alreadySent: false });
    assert.equal(r.ok, false);
    assert.deepEqual(bmc.resets, ['ForceOff'], 'one reset only');
    assert.match(r.detail, /not sent again, a person must look at the BMC/);
  });

  it('after a crash: the power at the goal or a newer LastResetTime says it was sent; then it is only waited for', async () => {
    const bmc = new FakeBmc();
    const fx = effects(bmc);
    const baseline = await fx.baseline('hypervisor.power-off', HV);
    assert.equal(await fx.sentSince('hypervisor.power-off', HV, baseline), false, 'On, no reset since: not sent');
    await bmc.reset(HV.name, 'ForceOff');
    assert.equal(await fx.sentSince('hypervisor.power-off', HV, baseline), true, 'moving: sent');
    const r = await fx.perform('hypervisor.power-off', HV, { alreadySent: true });
    assert.equal(r.ok, true, r.detail);
    assert.deepEqual(bmc.resets, ['ForceOff'], 'waited for, not sent again');
    const onBaseline = await fx.baseline('hypervisor.power-on', HV);
    assert.equal(await fx.sentSince('hypervisor.power-on', HV, onBaseline), false, 'Off and nothing moved: the power on was never sent');
  });
});
