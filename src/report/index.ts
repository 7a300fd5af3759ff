import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';
import type { ScanReport } from './model.js';
import { renderTable } from './table.js';

export type ReportFormat = 'table' | 'json' | 'markdown' | 'html';

export const REPORT_FORMATS: readonly ReportFormat[] = ['table', 'json', 'markdown', 'html'];

export function isReportFormat(value: string): value is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(value);
}

/** What the caller knows about where the output goes; formats ignore what they do not use. */
export interface RenderOptions {
  /** ANSI colour (table only); decide with {@link shouldUseColor}. */
  readonly color?: boolean;
  /** Terminal columns (table only). */
  readonly width?: number;
}

export type Reporter = (report: ScanReport, opts: RenderOptions) => string;

/** Every report format, by the name `--format` takes. */
export const reporters = {
  table: (report, opts) => renderTable(report, { color: opts.color ?? false, ...(opts.width !== undefined ? { width: opts.width } : {}) }),
  json: (report, _opts) => renderJson(report),
  markdown: (report, _opts) => renderMarkdown(report),
  html: (report, _opts) => renderHtml(report),
} satisfies Record<ReportFormat, Reporter>;

export * from './model.js';
export { applyBaseline, parseBaselineReport } from './baseline.js';
export { ReportError } from '../core/errors.js';
export { renderJson, reportJsonSchema } from './json.js';
export { scanReportSchema, reportResultSchema, reportFindingSchema, findingSchema, collectorOutcomeSchema, incidentSchema, reportIncidentSchema } from './schema.js';
export { renderTable, shouldUseColor, type TableOptions } from './table.js';
export { renderMarkdown, escapeMarkdown } from './markdown.js';
export { renderHtml, escapeHtml, embedJson } from './html.js';
export { showControls, singleLine } from './text.js';
