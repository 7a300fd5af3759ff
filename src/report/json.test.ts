import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanReport, pmHangReport, sampleReport } from './fixtures.js';
import { renderJson, reportJsonSchema } from './json.js';
import type { ScanReport } from './model.js';
import { scanReportSchema } from './schema.js';

const reports: readonly (readonly [string, ScanReport])[] = [
  ['a report with every kind of result', sampleReport()],
  ['a report compared with a baseline', sampleReport({ baseline: true })],
  ['a report of a healthy fleet', cleanReport()],
  ['a report with a PM incident and a DB server', pmHangReport()],
  ['a report with hostile names', sampleReport({ server: '</script><script>alert(1)</script>', hypervisors: ['@here', 'com2\u001b[2J'], fault: 'line1\nline2' })],
];

describe('renderJson', () => {
  it('is lossless: parsing the output gives the report back', () => {
    for (const [name, report] of reports) assert.deepEqual(JSON.parse(renderJson(report)), report, name);
  });

  it('keeps what operators act on: explanation, remediation, evidence, skipped reasons, baseline', () => {
    const doc = JSON.parse(renderJson(sampleReport({ baseline: true }))) as ScanReport;
    const failing = doc.results.find((r) => r.detectorId === 'server-error');
    const finding = failing?.findings[0];
    assert.match(finding?.explanation ?? '', /Nova puts a server in ERROR/);
    assert.equal(finding?.remediation.runbook, 'vm-hang');
    assert.ok((finding?.remediation.steps.length ?? 0) > 0);
    assert.ok(finding?.evidence.some((e) => e.label === 'fault'));
    const skipped = doc.results.find((r) => r.status === 'skipped');
    assert.match(skipped?.reason ?? '', /disks collector failed/);
    assert.deepEqual(skipped?.missing, ['disks']);
    assert.equal(doc.baseline?.resolved.length, 1);
  });

  it('carries the incidents at the top level with id, title, case, severity, root, chain, blast radius and findings as fingerprints', () => {
    const doc = JSON.parse(renderJson(pmHangReport())) as ScanReport;
    assert.equal(doc.incidents.length, 1);
    const inc = doc.incidents[0]!;
    assert.match(inc.id, /^inc-[0-9a-f]{16}$/);
    assert.equal(inc.case, 'pm-hang');
    assert.equal(inc.severity, 'critical');
    assert.equal(inc.root.detectorId, 'hypervisor-down');
    assert.equal(inc.root.resource.name, 'krane-pg1-com009');
    assert.ok(inc.chain.length >= 5);
    assert.deepEqual(inc.blastRadius.dbServers, ['orders-db-1']);
    const fingerprints = new Set(doc.results.flatMap((r) => r.findings.map((f) => f.fingerprint)));
    assert.ok(inc.findings.every((fp) => fingerprints.has(fp)), 'every incident finding is a finding of the report');
    assert.equal(inc.findings.length, fingerprints.size);
    assert.deepEqual(inc.tickets, ['721440']);
  });

  it('is indented and ends with a newline', () => {
    const text = renderJson(cleanReport());
    assert.match(text, /^\{\n {2}"reportVersion": 1,/);
    assert.ok(text.endsWith('}\n'));
  });
});

describe('scanReportSchema', () => {
  for (const [name, report] of reports) {
    it(`accepts ${name}`, () => {
      const parsed = scanReportSchema.safeParse(JSON.parse(renderJson(report)));
      assert.ok(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues, null, 2));
      assert.deepEqual(parsed.data, report);
    });
  }

  it('rejects a result without its title', () => {
    const report = sampleReport();
    const { title: _t, ...untitled } = report.results[0] as ScanReport['results'][number];
    assert.equal(scanReportSchema.safeParse({ ...report, results: [untitled] }).success, false);
  });

  it('rejects an unknown severity', () => {
    const report = sampleReport();
    const bad = { ...report, summary: { ...report.summary, bySeverity: { ...report.summary.bySeverity, urgent: 1 } } };
    assert.equal(scanReportSchema.safeParse(bad).success, false);
  });

  it('rejects fields the report does not have, so the schema cannot silently lag the model', () => {
    assert.equal(scanReportSchema.safeParse({ ...sampleReport(), extra: true }).success, false);
  });
});

describe('reportJsonSchema', () => {
  const schema = reportJsonSchema() as {
    $schema: string;
    required: string[];
    additionalProperties: boolean;
    properties: { results: { items: { required: string[]; properties: { status: { enum: string[] } } } } };
  };

  it('is JSON Schema draft 2020-12', () => {
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  });

  it('describes the report: required top-level fields, closed objects, result statuses', () => {
    assert.deepEqual(
      [...schema.required].sort(),
      ['collection', 'evaluatedAt', 'generatedAt', 'incidents', 'reportVersion', 'results', 'snapshot', 'summary', 'tool'],
    );
    assert.equal(schema.additionalProperties, false);
    assert.ok(schema.properties.results.items.required.includes('findings'));
    assert.deepEqual(schema.properties.results.items.properties.status.enum, ['pass', 'fail', 'skipped', 'error']);
  });

  it('survives a JSON round trip (it is what `faultline schema report` prints)', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(schema)), schema);
  });
});
