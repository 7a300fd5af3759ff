import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { SqlRunner } from '../store/engine.js';
import { storeGauges } from '../store/lists.js';
import type { CollectorOutcome } from '../core/findings.js';

/**
 * /metrics. What the store holds (open incidents and findings, runs, gates,
 * alerts, the newest scan's collectors) is read at each scrape, so every
 * faultline serve on one store reports the same numbers; what only this
 * process sees (scans it ran, collector failures, alerts it received) is counted
 * here. Notices sent are the outbox's delivered rows, so they too are the
 * store's count, whichever process sent them.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly openIncidents = new Gauge({ name: 'faultline_open_incidents', help: 'Open incidents in the store, by severity and runbook case.', labelNames: ['severity', 'case'], registers: [this.registry] });
  private readonly openFindings = new Gauge({ name: 'faultline_open_findings', help: 'Open findings in the store, by detector and severity.', labelNames: ['detector', 'severity'], registers: [this.registry] });
  private readonly runs = new Gauge({ name: 'faultline_runbook_runs', help: 'Runbook runs in the store, by state.', labelNames: ['state'], registers: [this.registry] });
  private readonly gates = new Gauge({ name: 'faultline_gates_waiting', help: 'Runs waiting for an approval, by gate.', labelNames: ['gate'], registers: [this.registry] });
  private readonly alerts = new Gauge({ name: 'faultline_alerts', help: 'Alertmanager alerts in the store, by status.', labelNames: ['status'], registers: [this.registry] });
  private readonly collectorSeconds = new Gauge({
    name: 'faultline_collector_duration_seconds',
    help: "How long each collector took in the newest recorded scan, with how it ended.",
    labelNames: ['collector', 'status'],
    registers: [this.registry],
  });
  // A counter read from the store: delivered rows are final and the outbox is never pruned, so the count only rises
  // (a store restored from an older export lowers it, which Prometheus takes as a counter reset).
  private readonly noticesSent = new Counter({
    name: 'faultline_notices_sent_total',
    help: 'Notices and pages delivered, as the outbox in the store records them, by sink (slack, pagerduty) and kind (fault, recovery, data-loss, page, mention).',
    labelNames: ['sink', 'kind'],
    registers: [this.registry],
  });
  private readonly lastScan = new Gauge({ name: 'faultline_last_scan_timestamp_seconds', help: 'When the newest recorded scan was judged (Unix time).', registers: [this.registry] });
  private readonly collectorFailures = new Counter({
    name: 'faultline_collector_failures_total',
    help: 'Collector runs by this process that did not end ok (failed, timed out or partial), by collector.',
    labelNames: ['collector', 'status'],
    registers: [this.registry],
  });
  private readonly scans = new Counter({ name: 'faultline_scans_total', help: 'Scans this process ran, by result (recorded or failed).', labelNames: ['result'], registers: [this.registry] });
  private readonly alertsReceived = new Counter({ name: 'faultline_alerts_received_total', help: 'Alerts this process received from Alertmanager and stored, by status.', labelNames: ['status'], registers: [this.registry] });

  constructor(private readonly db: SqlRunner) {
    collectDefaultMetrics({ register: this.registry, prefix: 'faultline_process_' });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  scanDone(collection: readonly CollectorOutcome[]): void {
    this.scans.inc({ result: 'recorded' });
    for (const c of collection) if (c.status !== 'ok') this.collectorFailures.inc({ collector: c.collector, status: c.status });
  }

  scanFailed(): void {
    this.scans.inc({ result: 'failed' });
  }

  alertsStored(alerts: readonly { status: string }[]): void {
    for (const a of alerts) this.alertsReceived.inc({ status: a.status });
  }

  async render(): Promise<string> {
    const g = await storeGauges(this.db);
    // Reset first: a case with no open incident left must drop out, not keep its last count.
    for (const m of [this.openIncidents, this.openFindings, this.runs, this.gates, this.alerts, this.collectorSeconds, this.lastScan, this.noticesSent]) m.reset();
    for (const r of g.openIncidents) this.openIncidents.set({ severity: r.severity, case: r.case }, r.n);
    for (const r of g.openFindings) this.openFindings.set({ detector: r.detector, severity: r.severity }, r.n);
    for (const r of g.runs) this.runs.set({ state: r.status }, r.n);
    for (const r of g.gatesWaiting) this.gates.set({ gate: r.gate }, r.n);
    for (const r of g.alerts) this.alerts.set({ status: r.status }, r.n);
    for (const r of g.noticesSent) this.noticesSent.inc({ sink: r.sink, kind: r.kind }, r.n);
    if (g.lastScan) {
      this.lastScan.set(Date.parse(g.lastScan.at) / 1000);
      for (const c of g.lastScan.collectors) this.collectorSeconds.set({ collector: c.collector, status: c.status }, c.durationMs / 1000);
    }
    return this.registry.metrics();
  }
}
