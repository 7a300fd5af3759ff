import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { correlate } from '../correlate/correlate.js';
import { runDetectors } from '../detect/engine.js';
import { detectors } from '../detect/rules/index.js';
import { fleet, resetIds, type FleetBuilder } from '../snapshot/builders.js';
import { runbookPlan } from './plan.js';
import { RUNBOOKS, runbookById } from './runbooks/index.js';
import { TriageTargetError, triage, type Triage } from './triage.js';

const NOW = new Date('2026-01-01T03:00:00Z');
const PM = 'krane-pg1-com009';
const DEV_PM = 'krane-hn1dev-com006';

function run(b: FleetBuilder, target: string): Triage {
  const snapshot = b.build({ collected: ['computeServices', 'networkAgents', 'instanceActions', 'alarms', 'hostFacts', 'disks', 'consoleLogs', 'inventory'] });
  const findings = runDetectors(snapshot, detectors, { now: NOW }).flatMap((r) => r.findings);
  return triage({ snapshot, findings, correlation: correlate(snapshot, findings), target, now: NOW });
}

/** A prod hypervisor with four servers (one a DB server) and a dev hypervisor with two, all answering. */
function fleetWithDb(): FleetBuilder {
  resetIds();
  const b = fleet()
    .at(NOW.toISOString())
    .region('pg1', 'prod')
    .region('hn1dev', 'dev')
    .hypervisor(PM, { region: 'pg1', hostIp: '10.0.0.9' })
    .hypervisor(DEV_PM, { region: 'hn1dev', hostIp: '10.0.1.6' })
    .computeService(PM)
    .computeService(DEV_PM);
  for (const n of ['web-1', 'web-2', 'api-1', 'orders-db-1']) b.server(n, { on: PM, region: 'pg1' });
  for (const n of ['dev-1', 'dev-2']) b.server(n, { on: DEV_PM, region: 'hn1dev' });
  b.inventory({ match: { serverName: 'orders-db-1' }, roles: ['db'], owners: ['dba.oncall'] });
  return b;
}

const answer = (b: FleetBuilder, names: readonly string[], ok = true): FleetBuilder => {
  for (const n of names) b.reach(n, ok, ok ? 'ok' : 'timeout');
  return b;
};
const hvProbe = (b: FleetBuilder, host: string, ok: boolean): FleetBuilder =>
  b.probe({ targetKind: 'hypervisor', targetId: host, address: host === PM ? '10.0.0.9' : '10.0.1.6', probedAt: NOW.toISOString(), ping: { ok }, ssh: { state: ok ? 'ok' : 'timeout' } });
const gate = (t: Triage, id: string): string[] => t.gates.filter((g) => g.id === id).map((g) => g.status);

const shownRunbooks = new Set<string>();
/** The triage's plan is the runbook's own plan, step for step, and names how to run it on the target(s). */
function assertRunbookPlan(t: Triage, id: string, targets: readonly string[]): void {
  const runbook = runbookById(id);
  assert.ok(runbook, `runbook ${id} exists`);
  assert.equal(t.runbook?.id, id);
  assert.deepEqual(t.runbook?.commands, targets.map((x) => `faultline run ${id} ${x}`));
  assert.deepEqual(
    t.steps.map(({ n, id: stepId, kind, disruptive, text, then }) => ({ n, id: stepId, kind, disruptive, text, then })),
    runbookPlan(runbook),
  );
  shownRunbooks.add(id);
}

describe('triage', () => {
  it('a hung prod hypervisor with its DB server down: PM hang, tell the DB on-call now, notice before the reboot', () => {
    const b = answer(fleetWithDb(), ['web-1', 'web-2', 'api-1', 'orders-db-1'], false);
    hvProbe(b, PM, false);
    b.alarm(PM, 'PING_FAIL', { ticketId: '721440' });
    const t = run(b, '721440');
    assert.equal(t.case, 'pm-hang');
    assert.equal(t.target.kind, 'ticket');
    assert.deepEqual(gate(t, 'db-servers'), ['notify']);
    assert.deepEqual(gate(t, 'fault-notice'), ['blocking']);
    assert.ok(t.reasons.some((r) => /already down/.test(r)));
    assertRunbookPlan(t, 'pm-hang', [PM]);
    const cycle = t.steps.findIndex((s) => s.id === 'power-cycle');
    assert.ok(cycle > t.steps.findIndex((s) => s.kind === 'notice' && s.id === 'fault-notice'), 'the power cycle comes after the fault notice');
    assert.equal(t.dryRun, true);
    assert.deepEqual(t.steps.map((s) => s.n), t.steps.map((_, i) => i + 1));
  });

  it('triages the same incident from the hypervisor or from one of its servers', () => {
    const b = answer(fleetWithDb(), ['web-1', 'web-2', 'api-1', 'orders-db-1'], false);
    hvProbe(b, PM, false);
    assert.equal(run(b, PM).case, 'pm-hang');
    const b2 = answer(fleetWithDb(), ['web-1', 'web-2', 'api-1', 'orders-db-1'], false);
    hvProbe(b2, PM, false);
    const t = run(b2, 'web-2');
    assert.equal(t.case, 'pm-hang');
    assert.equal(t.target.kind, 'server');
  });

  it('one hanging server: VM hang, stop then start it, restart as the slow path, then escalate (prod: page)', () => {
    const b = answer(fleetWithDb(), ['web-1', 'api-1', 'orders-db-1']).reach('web-2', true, 'hang');
    const t = run(b, 'web-2');
    assert.equal(t.case, 'vm-hang');
    assertRunbookPlan(t, 'vm-hang', ['web-2']);
    const order = t.steps.map((s) => s.id);
    assert.ok(order.indexOf('stop') < order.indexOf('start') && order.indexOf('start') < order.indexOf('restart'));
    assert.equal(t.steps.at(-1)?.kind, 'escalate');
    assert.deepEqual(gate(t, 'fault-notice'), [], 'a single VM needs no fault notice');
    assert.deepEqual(gate(t, 'db-servers'), ['met']);
  });

  it('in a dev zone, escalation is a daytime mention, not a page', () => {
    const b = answer(fleetWithDb(), ['dev-1']).reach('dev-2', true, 'hang');
    const t = run(b, 'dev-2');
    assert.equal(t.case, 'vm-hang');
    assert.match(t.gates.find((g) => g.id === 'zone')?.says ?? '', /Dev zone: .*no page at night/);
    assertRunbookPlan(t, 'vm-hang', ['dev-2']);
  });

  it('memory single-bit errors under ten tickets: monitor 24 hours and close; the DB still serving blocks any work', () => {
    const b = answer(fleetWithDb(), ['web-1', 'web-2', 'api-1', 'orders-db-1']);
    b.alarm(PM, 'MEM_SBE', { ticketId: '721500', count: 4, raisedAt: '2026-01-01T01:00:00Z', message: 'Correctable memory error on DIMM_B3' });
    const t = run(b, '721500');
    assert.equal(t.case, 'part-needs-judgement');
    assert.match(t.gates.find((g) => g.id === 'ticket-count')?.says ?? '', /4 < 10: monitor for 24 hours \(until 2026-01-02T01:00:00\.000Z\)/);
    assert.deepEqual(gate(t, 'db-servers'), ['blocking']);
    // The runbook carries both branches: under the count it holds for the watch, counts again and finishes without acting.
    assertRunbookPlan(t, 'part-needs-judgement', [PM]);
    const ids = t.steps.map((s) => s.id);
    assert.ok(ids.indexOf('monitor') < ids.indexOf('recount') && ids.indexOf('recount') < ids.indexOf('stop-all'), ids.join(', '));
    assert.match(t.steps.find((s) => s.id === 'recount')?.then ?? '', /failed → finish/);
    assert.match(t.gates.find((g) => g.id === 'repeat-in-month')?.says ?? '', /3 times within a month, replace the whole box/);
  });

  it('ten or more tickets: announce, then stop, work, start and check', () => {
    const b = answer(fleetWithDb(), ['dev-1', 'dev-2']);
    b.alarm(DEV_PM, 'HW-MC-ERROR', { ticketId: '721501', count: 12 });
    const t = run(b, DEV_PM);
    assert.equal(t.case, 'part-needs-judgement');
    assert.match(t.gates.find((g) => g.id === 'ticket-count')?.says ?? '', /12 ≥ 10/);
    assertRunbookPlan(t, 'part-needs-judgement', [DEV_PM]);
    const ids = t.steps.map((s) => s.id);
    for (const [a, b] of [['announce', 'advance-notice'], ['advance-notice', 'stop-all'], ['stop-all', 'part-swapped'], ['part-swapped', 'start-all'], ['start-all', 'completion-notice']]) {
      assert.ok(ids.indexOf(a as string) >= 0 && ids.indexOf(a as string) < ids.indexOf(b as string), `${a} before ${b}: ${ids.join(', ')}`);
    }
  });

  it('disk smartctl errors: a planned swap announced in business hours and started no earlier than 4 hours later', () => {
    const b = answer(fleetWithDb(), ['dev-1', 'dev-2']);
    b.alarm(DEV_PM, 'DISK_SMART_ERROR', { ticketId: '721502', count: 12, message: 'smartctl: reallocated sectors' });
    const t = run(b, '721502');
    assert.equal(t.case, 'part-needs-judgement');
    assert.match(t.gates.find((g) => g.id === 'advance-notice')?.says ?? '', /no earlier than 4 h later \(announced now: not before 2026-01-01T07:00:00\.000Z\)/);
  });

  it('an urgent part: notice, stop the host\'s servers, swap from the spare pool, check the host, start', () => {
    const b = answer(fleetWithDb(), ['web-1', 'web-2', 'api-1', 'orders-db-1']);
    b.alarm(PM, 'MAINBOARD', { ticketId: '721503' });
    const t = run(b, '721503');
    assert.equal(t.case, 'part-urgent');
    assertRunbookPlan(t, 'part-urgent', [PM]);
    assert.deepEqual(
      t.steps.map((s) => s.id).slice(0, 10),
      ['fault-notice', 'dba-acknowledged', 'host-running', 'stop-all', 'power-off', 'part-swapped', 'power-on', 'hypervisor-up', 'power-sync', 'start-all'],
    );
    assert.match(t.steps.find((s) => s.id === 'part-swapped')?.text ?? '', /re-check the virtualization settings/);
    // The DB server still serves and the part cannot wait: the DB on-call is chased now, and the run still waits for the acknowledgement.
    assert.deepEqual(gate(t, 'db-servers'), ['blocking']);
    assert.match(t.gates.find((g) => g.id === 'db-servers')?.says ?? '', /cannot wait: page the DB on-call now; the run waits/);
  });

  it('a lost disk: the data-loss notice and no recovery notice', () => {
    const b = answer(fleetWithDb(), ['dev-1', 'dev-2']);
    b.alarm(DEV_PM, 'DISK_FAILED', { ticketId: '721504' });
    const t = run(b, '721504');
    assert.equal(t.case, 'disk-data-loss');
    assertRunbookPlan(t, 'disk-data-loss', [DEV_PM]);
    assert.equal(t.steps[0]?.id, 'data-loss-notice');
    assert.match(t.steps[0]?.text ?? '', /all data on it is lost.*cannot be recovered.*deleted within 2 days.*re-added/);
    assert.ok(!runbookById('disk-data-loss')?.steps.some((s) => s.kind === 'notice' && s.notice === 'recovery'), 'no recovery notice');
  });

  it('a fan fault while the servers answer: the daytime part runbook, held for business hours before the announcement', () => {
    const b = answer(fleetWithDb(), ['dev-1', 'dev-2']);
    b.alarm(DEV_PM, 'FAN', { ticketId: '721506', message: 'Fan 3 failed' });
    const t = run(b, '721506');
    assert.equal(t.case, 'part-non-urgent');
    assertRunbookPlan(t, 'part-non-urgent', [DEV_PM]);
    assert.deepEqual(t.steps.slice(0, 2).map((s) => [s.id, s.kind]), [['business-hours', 'hold'], ['announce', 'notice']]);
  });

  it('compute agents down on a containerd host: runbook compute-agents-down on the hypervisor, the runtime named', () => {
    const b = answer(fleetWithDb(), ['web-1', 'web-2', 'api-1', 'orders-db-1']);
    b.hostFacts(PM, {
      containers: [
        { runtime: 'containerd', name: 'nova-compute', state: 'exited' },
        { runtime: 'containerd', name: 'neutron-dhcp-agent', state: 'running' },
        { runtime: 'containerd', name: 'neutron-metadata-agent', state: 'running' },
        { runtime: 'containerd', name: 'neutron-linuxbridge-agent', state: 'running' },
        { runtime: 'containerd', name: 'hostroute-bird', state: 'running' },
        { runtime: 'containerd', name: 'hostroute-agent', state: 'running' },
      ],
    });
    const t = run(b, PM);
    assert.equal(t.case, 'compute-agents-down');
    // The runbook carries out the manual's commands over SSH; triage shows its plan, three tries then escalate.
    assertRunbookPlan(t, 'compute-agents-down', [PM]);
    assert.ok(t.reasons.includes('Runtime on this host: containerd.'), t.reasons.join('\n'));
    assert.deepEqual(t.steps.find((s) => s.id === 'restart-runtime')?.then, '3 tries 60 s apart; failed → escalate');
    assert.equal(t.steps.at(-1)?.kind, 'escalate');
  });

  it('a server its host keeps stopping: start it, but point at the host evidence instead of looping', () => {
    const b = answer(fleetWithDb(), ['web-1', 'web-2', 'orders-db-1']);
    b.server('k8s-worker-9', { on: PM, region: 'pg1', status: 'SHUTOFF', vmState: 'stopped', powerState: 4 });
    for (const day of [10, 20, 30]) {
      b.action('k8s-worker-9', { action: 'stop', userId: null, projectId: null, startTime: `2025-12-${day}T03:00:00Z` });
      b.action('k8s-worker-9', { action: 'start', startTime: `2025-12-${day}T04:00:00Z` });
    }
    b.action('k8s-worker-9', { action: 'stop', userId: null, projectId: null, startTime: '2025-12-31T20:00:00Z' });
    b.disk(PM, { device: '/dev/nvme0n1', smartPassed: true, nvmeErrorLogEntries: 2787 });
    const t = run(b, 'k8s-worker-9');
    assert.equal(t.case, 'host-stopped-server');
    assertRunbookPlan(t, 'host-stopped-server', ['k8s-worker-9']);
    assert.ok(t.reasons.some((r) => /keeps being stopped/.test(r)), t.reasons.join('\n'));
    assert.ok(t.reasons.some((r) => /nvme-error-log/.test(r)));
  });

  it('a kernel oops naming one VM: recover that VM only, and treat the host as hung if that fails', () => {
    const b = answer(fleetWithDb(), ['web-1', 'api-1', 'orders-db-1']).reach('web-2', true, 'hang');
    hvProbe(b, PM, true);
    b.hostFacts(PM, { kernelEvents: [{ kind: 'oops', time: 'Thu Jan  1 02:10:19 2026', line: 'CPU: 0 PID: 18119 Comm: qemu-system-x86 Tainted: G D', process: 'qemu-system-x86', pid: 18119 }] });
    b.alarm(PM, 'SYS_KERNEL_PANIC', { ticketId: '721505' });
    const t = run(b, '721505');
    assert.equal(t.case, 'kernel-panic-pm-fine');
    assertRunbookPlan(t, 'kernel-panic-pm-fine', ['web-2']);
    assert.ok(t.reasons.some((r) => /The one server to recover is web-2/.test(r)), 'the host is not the target');
  });

  it('says plainly when nothing is wrong with the target, and refuses a target it does not know', () => {
    const b = answer(fleetWithDb(), ['web-1', 'web-2', 'api-1', 'orders-db-1']);
    const t = run(b, 'web-1');
    assert.equal(t.case, 'nothing-found');
    assert.ok(t.steps.some((s) => s.command === 'faultline show web-1'));
    assert.equal(t.runbook, null);
    assert.ok(t.reasons.some((r) => /No runbook applies/.test(r)));
    assert.throws(() => run(answer(fleetWithDb(), []), 'no-such-thing'), TriageTargetError);
  });

  it('every runbook is the plan of some triage above', () => {
    assert.deepEqual([...shownRunbooks].sort(), RUNBOOKS.map((r) => r.id).sort());
  });
});
