import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sampleReport } from './fixtures.js';
import { REPORT_FORMATS, isReportFormat, renderHtml, renderJson, renderMarkdown, renderTable, reporters } from './index.js';

describe('reporters', () => {
  const report = sampleReport();

  it('has one reporter per format and nothing else', () => {
    assert.deepEqual(Object.keys(reporters).sort(), [...REPORT_FORMATS].sort());
  });

  it('renders every format through the same call the CLI makes', () => {
    assert.equal(reporters.json(report, {}), renderJson(report));
    assert.equal(reporters.markdown(report, {}), renderMarkdown(report));
    assert.equal(reporters.html(report, {}), renderHtml(report));
    assert.equal(reporters.table(report, { color: true, width: 80 }), renderTable(report, { color: true, width: 80 }));
  });

  it('defaults the table to no colour and no width limit', () => {
    assert.equal(reporters.table(report, {}), renderTable(report, { color: false }));
  });

  it('recognises format names', () => {
    assert.ok(REPORT_FORMATS.every(isReportFormat));
    assert.equal(isReportFormat('yaml'), false);
  });
});
