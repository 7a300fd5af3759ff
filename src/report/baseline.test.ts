import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyBaseline, parseBaselineReport } from './baseline.js';
import { ReportError } from '../core/errors.js';
import { previousSampleReport, sampleReport } from './fixtures.js';
import { renderJson } from './json.js';
import { allFindings, type ScanReport } from './model.js';

function byName(report: ScanReport): Map<string, string | undefined> {
  return new Map(allFindings(report).map((f) => [`${f.detectorId}/${f.resource.name}`, f.baseline]));
}

describe('applyBaseline', () => {
  const previous = previousSampleReport();
  const compared = applyBaseline(sampleReport(), previous, 'yesterday.json');

  it('marks findings seen in the baseline unchanged and the others new', () => {
    assert.deepEqual(
      byName(compared),
      new Map([
        ['server-stuck-task/db-1', 'unchanged'],
        ['server-error/web-1', 'unchanged'],
        ['server-error/dev-1', 'new'],
        ['server-stuck-task/dev-2', 'new'],
      ]),
    );
    assert.equal(compared.summary.new, 2);
    assert.equal(compared.summary.unchanged, 2);
  });

  it('matches by fingerprint, not by wording', () => {
    const reworded: ScanReport = {
      ...previous,
      results: previous.results.map((r) => ({ ...r, findings: r.findings.map((f) => ({ ...f, message: `old wording: ${f.message}` })) })),
    };
    assert.equal(byName(applyBaseline(sampleReport(), reworded, 'x.json')).get('server-error/web-1'), 'unchanged');
  });

  it('lists findings gone from a detector that ran as resolved, without a baseline mark', () => {
    const resolved = compared.baseline?.resolved ?? [];
    assert.deepEqual(
      resolved.map((f) => `${f.detectorId}/${f.resource.name}`),
      ['server-error/old-1'],
    );
    assert.equal(compared.summary.resolved, 1);
    assert.ok(resolved.every((f) => !('baseline' in f)));
  });

  it('does not call findings of a detector skipped this time resolved: nobody looked', () => {
    assert.ok(allFindings(previous).some((f) => f.detectorId === 'disk-smart-failing'), 'fixture: the baseline has a disk finding');
    assert.equal(compared.results.find((r) => r.detectorId === 'disk-smart-failing')?.status, 'skipped');
    assert.ok(!(compared.baseline?.resolved ?? []).some((f) => f.detectorId === 'disk-smart-failing'));
  });

  it('does not call findings of a detector that errored this time resolved', () => {
    const stale = allFindings(previous)[0];
    assert.ok(stale);
    const withAlarmFinding: ScanReport = {
      ...previous,
      results: previous.results.map((r) =>
        r.detectorId === 'alarm-storm' ? { ...r, status: 'fail', findings: [{ ...stale, detectorId: 'alarm-storm', fingerprint: 'alarm-finding' }] } : r,
      ),
    };
    const result = applyBaseline(sampleReport(), withAlarmFinding, 'x.json');
    assert.equal(result.results.find((r) => r.detectorId === 'alarm-storm')?.status, 'error');
    assert.ok(!(result.baseline?.resolved ?? []).some((f) => f.fingerprint === 'alarm-finding'));
  });

  it('records where the baseline came from and when it was generated', () => {
    assert.equal(compared.baseline?.source, 'yesterday.json');
    assert.equal(compared.baseline?.generatedAt, previous.generatedAt);
  });

  it('against itself: everything unchanged, nothing resolved', () => {
    const report = sampleReport();
    const same = applyBaseline(report, report, 'same.json');
    assert.equal(same.summary.new, 0);
    assert.equal(same.summary.unchanged, report.summary.findings);
    assert.deepEqual(same.baseline?.resolved, []);
  });

  it('leaves the report it was given untouched', () => {
    const report = sampleReport();
    const before = JSON.stringify(report);
    applyBaseline(report, previous, 'x.json');
    assert.equal(JSON.stringify(report), before);
  });
});

describe('parseBaselineReport', () => {
  it('reads back a JSON report', () => {
    const report = sampleReport();
    assert.deepEqual(parseBaselineReport(renderJson(report), 'r.json'), report);
  });

  const rejects: readonly (readonly [string, string, RegExp])[] = [
    ['text that is not JSON', 'faultline: 3 findings', /baseline old\.txt is not JSON/],
    ['a snapshot instead of a report', JSON.stringify({ schemaVersion: 1, collectedAt: '2026-01-01T00:00:00Z', servers: [] }), /not a faultline JSON report \(write one with --format json\)/],
    ['a report of another version', JSON.stringify({ ...sampleReport(), reportVersion: 99 }), /not a faultline JSON report/],
    ['a report without results', JSON.stringify({ reportVersion: 1 }), /not a faultline JSON report/],
    ['JSON null', 'null', /not a faultline JSON report/],
    ['a JSON array', '[]', /not a faultline JSON report/],
  ];
  const damaged = (edit: (finding: Record<string, unknown>) => void): string => {
    const doc = JSON.parse(renderJson(sampleReport())) as { results: { findings: Record<string, unknown>[] }[] };
    const finding = doc.results[0]?.findings[0];
    assert.ok(finding);
    edit(finding);
    return JSON.stringify(doc);
  };
  const damages: readonly (readonly [string, (f: Record<string, unknown>) => void, RegExp])[] = [
    ['an unknown severity (it would reach HTML attributes)', (f) => (f.severity = '"><script>alert(1)</script>'), /results\[0\]\.findings\[0\]\.severity/],
    ['a finding without a fingerprint', (f) => delete f.fingerprint, /results\[0\]\.findings\[0\]\.fingerprint/],
    ['a finding without a resource', (f) => delete f.resource, /results\[0\]\.findings\[0\]\.resource/],
  ];
  for (const [name, edit, path] of damages) {
    it(`rejects a report with ${name}, naming the place`, () => {
      assert.throws(
        () => parseBaselineReport(damaged(edit), 'old.json'),
        (err: unknown) => err instanceof ReportError && /baseline old\.json is a damaged faultline JSON report/.test(err.message) && path.test(err.message),
      );
    });
  }

  it('accepts a report carrying fields this version does not know', () => {
    const doc = { ...JSON.parse(renderJson(sampleReport())), futureField: { x: 1 } };
    assert.equal(parseBaselineReport(JSON.stringify(doc), 'new.json').results.length, sampleReport().results.length);
  });

  for (const [name, text, message] of rejects) {
    it(`rejects ${name} with a ReportError naming the file`, () => {
      const source = name.startsWith('text') ? 'old.txt' : 'old.json';
      assert.throws(
        () => parseBaselineReport(text, source),
        (err: unknown) => err instanceof ReportError && message.test(err.message) && err.message.includes(source),
      );
    });
  }
});
