/**
 * Test-only: builds scan reports the way a real scan does (snapshot builder →
 * detectors → engine → buildReport), so renderer tests see the shapes the
 * product produces. Not part of the reporters' API.
 */
import { defineDetector, noOptions, type AnyDetector, type RawFinding } from '../detect/define.js';
import { runDetectors } from '../detect/engine.js';
import { serverEvidence, serverRef } from '../detect/resources.js';
import serverError from '../detect/rules/server-error.js';
import { detectors as allDetectors } from '../detect/rules/index.js';
import type { DataKey } from '../core/data-keys.js';
import { fleet } from '../snapshot/builders.js';
import type { Snapshot } from '../snapshot/schema.js';
import { applyBaseline } from './baseline.js';
import { buildReport, type ScanReport } from './model.js';

/** Text that reaches the report from outside faultline; tests override it with hostile values. */
export interface FixtureText {
  /** The two hypervisors (the first in a prod region, the second in a dev region). */
  readonly hypervisors?: readonly [string, string];
  /** The prod server in ERROR on the first hypervisor. */
  readonly server?: string;
  /** Its Nova fault: lands in the finding's message and evidence. */
  readonly fault?: string;
  /** Error of the failed disk collector: lands in the skipped reason and the collection outcomes. */
  readonly collectorError?: string;
  /** What the broken detector throws: the error result's reason. */
  readonly detectorError?: string;
}

export interface FixtureOptions extends FixtureText {
  /** Compare with {@link previousSampleReport} (new / unchanged / resolved marks). */
  readonly baseline?: boolean;
}

export const FIXTURE_TIME = '2026-01-01T00:00:00.000Z';
export const FIXTURE_BASELINE_SOURCE = 'reports/2025-12-31.json';

const COLLECTORS: Readonly<Partial<Record<DataKey, string>>> = {
  regions: 'inventory-regions',
  hypervisors: 'nova-hypervisors',
  servers: 'nova-servers',
  computeServices: 'nova-services',
  hostFacts: 'host-facts',
  disks: 'host-smart',
  alarms: 'alarm-feed',
};

type StuckMessages = 'stuckTask';

/** Fails with a critical finding in prod and a low one in dev. */
const serverStuckTask = defineDetector({
  id: 'server-stuck-task',
  title: 'Server stuck in a task',
  layer: 'openstack',
  severity: 'high',
  description: 'Finds servers whose Nova task state has not cleared.',
  explanation: 'A task state that never clears blocks every other action on the server; the compute service usually lost the operation.',
  requires: ['servers'],
  messages: { stuckTask: 'Server {{name}} is stuck in task {{task}} on {{host}}' },
  options: noOptions,
  remediation: {
    runbook: 'stuck-task',
    steps: ['Check the nova-compute log on the hypervisor for the request id.', 'Reset the task state with `faultline act reset-state <server>` once the operation is known dead.'],
  },
  source: 'report fixtures',
  detect({ snapshot, index }) {
    const out: RawFinding<StuckMessages>[] = [];
    for (const server of snapshot.servers) {
      if (!server.taskState) continue;
      out.push({
        messageId: 'stuckTask',
        data: { name: server.name, task: server.taskState, host: server.host ?? 'no host' },
        resource: serverRef(index, server),
        severity: index.isProd(server) ? 'critical' : 'low',
        evidence: serverEvidence(index, server),
      });
    }
    return out;
  },
});

const computeServiceDown = defineDetector({
  id: 'compute-service-down',
  title: 'nova-compute down',
  layer: 'openstack',
  severity: 'high',
  description: 'Finds nova-compute services reported down.',
  explanation: 'A down compute service cannot start, stop or migrate servers on its hypervisor.',
  requires: ['computeServices'],
  messages: { down: 'nova-compute on {{host}} is down' },
  options: noOptions,
  remediation: { steps: ['Restart nova-compute on the hypervisor.'] },
  source: 'report fixtures',
  detect: ({ snapshot }) =>
    snapshot.computeServices
      .filter((s) => s.state === 'down')
      .map((s) => ({ messageId: 'down' as const, data: { host: s.host }, resource: { kind: 'service' as const, id: s.id, name: s.host } })),
});

const diskSmartFailing = defineDetector({
  id: 'disk-smart-failing',
  title: 'Disk failing SMART',
  layer: 'hardware',
  severity: 'high',
  description: 'Finds disks whose SMART self-assessment failed.',
  explanation: 'A disk that fails its own health check is likely to fail outright soon.',
  requires: ['disks'],
  messages: { failing: 'Disk {{device}} on {{host}} fails SMART' },
  options: noOptions,
  remediation: { runbook: 'disk-replace', steps: ['Evacuate the hypervisor and open a hardware ticket.'] },
  source: 'report fixtures',
  detect: ({ snapshot }) =>
    snapshot.disks
      .filter((d) => d.smartPassed === false)
      .map((d) => ({
        messageId: 'failing' as const,
        data: { device: d.device, host: d.host },
        resource: { kind: 'disk' as const, id: `${d.host}:${d.device}`, name: d.device, parent: { kind: 'hypervisor' as const, id: d.host, name: d.host } },
        evidence: [{ label: 'smart', value: 'FAILED', source: 'smartctl -H' }],
      })),
});

function alarmStorm(message: string): AnyDetector {
  return defineDetector({
    id: 'alarm-storm',
    title: 'Alarm storm',
    layer: 'hardware',
    severity: 'medium',
    description: 'Finds hosts raising many hardware alarms at once.',
    explanation: 'Many alarms at once usually share one cause.',
    requires: ['alarms'],
    messages: { storm: 'Host {{host}} raised {{count}} alarms' },
    options: noOptions,
    remediation: { steps: ['Read the alarms together before acting on any.'] },
    source: 'report fixtures',
    detect() {
      throw new Error(message);
    },
  });
}

const hostClockDrift = defineDetector({
  id: 'host-clock-drift',
  title: 'Host clock drift',
  layer: 'host',
  severity: 'low',
  description: 'Finds hosts whose clock has drifted.',
  explanation: 'Drifting clocks break token validation and log correlation.',
  requires: ['hostFacts'],
  messages: { drift: 'Clock on {{host}} is off' },
  options: noOptions,
  remediation: { steps: ['Restart chronyd.'] },
  source: 'report fixtures',
  detect: () => [],
});

interface FleetShape {
  readonly text: FixtureText;
  /** The previous run: one more broken server, failing disk data, and the dev problems not yet there. */
  readonly previous: boolean;
}

function sampleSnapshot({ text, previous }: FleetShape): Snapshot {
  const [hv1, hv2] = text.hypervisors ?? ['com1.pg1', 'com2.hn1dev'];
  const b = fleet()
    .at(previous ? '2025-12-31T00:00:00.000Z' : FIXTURE_TIME)
    .region('pg1', 'prod')
    .region('hn1dev', 'dev')
    .hypervisor(hv1, { id: 'hv-0001', region: 'pg1' })
    .hypervisor(hv2, { id: 'hv-0002', region: 'hn1dev' })
    .server(text.server ?? 'web-1', {
      id: 'srv-web-1',
      on: hv1,
      status: 'ERROR',
      vmState: 'error',
      fault: { code: 500, message: text.fault ?? 'No valid host was found. There are not enough hosts available.' },
    })
    .server('db-1', { id: 'srv-db-1', on: hv1, taskState: 'migrating' })
    .server('web-2', { id: 'srv-web-2', on: hv1 })
    .computeService(hv1, { id: 'svc-0001' })
    .computeService(hv2, { id: 'svc-0002' })
    .hostFacts(hv1)
    .alarm(hv2, 'PSU_REDUNDANCY_LOST');
  if (previous) {
    b.server('old-1', { id: 'srv-old-1', on: hv1, status: 'ERROR', vmState: 'error' });
    b.server('dev-1', { id: 'srv-dev-1', on: hv2 });
    b.disk(hv1, { device: '/dev/nvme1n1', smartPassed: false });
  } else {
    b.server('dev-1', { id: 'srv-dev-1', on: hv2, status: 'ERROR', vmState: 'error', fault: { code: 500, message: 'Build of instance aborted: Volume attach failed.' } });
    b.server('dev-2', { id: 'srv-dev-2', on: hv2, taskState: 'deleting' });
  }
  const snapshot = b.build(previous ? {} : { failed: ['disks'], partial: ['hostFacts'] });
  // Give the collection outcomes the names and errors a real run has.
  return {
    ...snapshot,
    collection: snapshot.collection.map((o) => {
      const key = o.produces[0] as DataKey;
      const named = { ...o, collector: COLLECTORS[key] ?? o.collector, durationMs: 120 + o.produces.length * 30 };
      if (o.status === 'failed') return { ...named, error: text.collectorError ?? `ssh to ${hv1} timed out after 30s` };
      if (o.status === 'partial') return { ...named, warnings: [`${hv2}: facts not collected (ssh refused)`] };
      return named;
    }),
  };
}

function reportFor(shape: FleetShape, generatedAt: string): ScanReport {
  const snapshot = sampleSnapshot(shape);
  const detectors: AnyDetector[] = [
    serverError,
    serverStuckTask,
    computeServiceDown,
    diskSmartFailing,
    alarmStorm(shape.text.detectorError ?? 'alarm feed returned a ticket without a host'),
    hostClockDrift,
  ];
  const now = new Date(snapshot.collectedAt);
  const results = runDetectors(snapshot, detectors, { now });
  return buildReport({ snapshot, detectors, results, version: '0.1.0', generatedAt: new Date(generatedAt), evaluatedAt: now });
}

/**
 * The previous day's report: `old-1` was broken (resolved today), a disk was
 * failing (today the disk collector failed, so it is not resolved), and the dev
 * problems had not happened yet (new today).
 */
export function previousSampleReport(text: FixtureText = {}): ScanReport {
  return reportFor({ text, previous: true }, '2025-12-31T00:05:00.000Z');
}

/**
 * Today's report. Results: server-error fail (high web-1 in prod, medium dev-1),
 * server-stuck-task fail (critical db-1, low dev-2), compute-service-down pass,
 * disk-smart-failing skipped (disk collector failed), alarm-storm error,
 * host-clock-drift pass over partial host facts.
 */
export function sampleReport(options: FixtureOptions = {}): ScanReport {
  const { baseline, ...text } = options;
  const report = reportFor({ text, previous: false }, '2026-01-01T00:05:00.000Z');
  return baseline ? applyBaseline(report, previousSampleReport(text), FIXTURE_BASELINE_SOURCE) : report;
}

/** A healthy fleet: every detector passes. */
export function cleanReport(): ScanReport {
  const snapshot = fleet().at(FIXTURE_TIME).region('pg1').hypervisor('com1', { id: 'hv-0001', region: 'pg1' }).server('web-1', { id: 'srv-web-1', on: 'com1' }).build();
  const results = runDetectors(snapshot, [serverError], { now: new Date(FIXTURE_TIME) });
  return buildReport({ snapshot, detectors: [serverError], results, version: '0.1.0', generatedAt: new Date(FIXTURE_TIME), evaluatedAt: new Date(FIXTURE_TIME) });
}

/** Script-injection payloads; each sets `window.__xss` and opens a dialog if it ever runs. */
export const XSS = {
  img: `<img src=x onerror="window.__xss='img';alert(1)">`,
  script: `</script><script>window.__xss='script';alert(1)</script>`,
  svg: `"><svg onload="window.__xss='svg';alert(1)">`,
} as const;

/** A report (with a baseline) whose API-sourced text is all hostile: names, messages, evidence, reasons. */
export function hostileReport(): ScanReport {
  return sampleReport({
    baseline: true,
    hypervisors: [`hv-${XSS.img}`, `hv-${XSS.svg}`],
    server: `srv-${XSS.script}`,
    fault: `fault ${XSS.img} ${XSS.script} \u2028 ${XSS.svg}`,
    collectorError: `collector ${XSS.svg} ${XSS.img}`,
    detectorError: `detector ${XSS.script}`,
  });
}

/**
 * A hung prod hypervisor (no ping, no ssh) with four servers on it, one a DB
 * server by the inventory; `names` overrides the hypervisor and the DB server's
 * name (hostile in some tests). Real detectors, real correlation: one PM incident.
 */
export function pmHangReport(names: { readonly hypervisor?: string; readonly db?: string } = {}): ScanReport {
  const hv = names.hypervisor ?? 'krane-pg1-com009';
  const db = names.db ?? 'orders-db-1';
  const b = fleet().at(FIXTURE_TIME).region('pg1', 'prod').hypervisor(hv, { id: 'hv-0009', region: 'pg1', hostIp: '10.0.0.9' }).computeService(hv, { id: 'svc-0009' });
  for (const [i, name] of ['web-1', 'web-2', 'api-1', db].entries()) {
    b.server(name, { id: `srv-${i + 1}`, on: hv, region: 'pg1', projectName: i === 3 ? 'orders' : 'shop', ip: `10.1.0.${i + 1}` });
    b.reach(name, false, 'timeout');
  }
  b.probe({ targetKind: 'hypervisor', targetId: hv, address: '10.0.0.9', probedAt: FIXTURE_TIME, ping: { ok: false }, ssh: { state: 'timeout' } });
  b.inventory({ match: { serverName: db }, roles: ['db'], owners: ['dba.oncall'] });
  b.alarm(hv, 'PING_FAIL', { ticketId: '721440', location: 'PG1-024-22-14-33', ips: ['10.0.0.9'], message: 'CRITICAL - Plugin timed out' });
  const snapshot = b.build({ collected: ['networkAgents', 'instanceActions'] });
  const now = new Date(FIXTURE_TIME);
  const chosen = allDetectors.filter((d) => ['hypervisor-down', 'server-unreachable', 'hypervisor-mass-impact'].includes(d.id));
  const results = runDetectors(snapshot, chosen, { now });
  return buildReport({ snapshot, detectors: chosen, results, version: '0.1.0', generatedAt: now, evaluatedAt: now });
}
