import { z } from 'zod';
import type { ScanReport } from './model.js';
import { scanReportSchema } from './schema.js';

/**
 * The report as pretty JSON, exactly as built: explanation, remediation,
 * evidence, skipped reasons and the baseline comparison are all there, so a
 * JSON report can be rendered again in any other format or used as a baseline.
 */
export function renderJson(report: ScanReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** JSON Schema (draft 2020-12) of the JSON report, for consumers and editors. */
export function reportJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(scanReportSchema, { target: 'draft-2020-12' });
}
