import type { Evidence, ResourceRef } from '../core/findings.js';

/*
 * Text helpers shared by the renderers. Names, messages and evidence come from
 * cloud APIs and hosts, so every renderer treats them as untrusted: control
 * characters are made visible instead of being passed through, and bidi
 * overrides (which can make a name read differently from what it is) likewise.
 */

// C0 controls except tab/newline/CR, DEL, C1 controls, and the bidi marks/overrides/isolates.
// Matching control characters is the point here.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const LINE_BREAKS = /[\t\n\r\u2028\u2029]+/g;

function visible(ch: string): string {
  const code = ch.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Replaces control characters with a visible `\xNN` / `\uNNNN` spelling; keeps tabs and line breaks. */
export function showControls(text: string): string {
  return text.replace(CONTROL, visible);
}

/** One line of text: line breaks and tabs become single spaces, other controls become visible. */
export function singleLine(text: string): string {
  return showControls(text.replace(LINE_BREAKS, ' ').replace(/ {2,}/g, ' ').trim());
}

/** Cuts text to `width` characters, marking the cut with an ellipsis. */
export function truncate(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 0) return '';
  if (width === 1) return '…';
  return `${chars.slice(0, width - 1).join('').trimEnd()}…`;
}

/** Length in code points, which is what the terminal table pads by. */
export function textWidth(text: string): number {
  return [...text].length;
}

export function resourceName(resource: Pick<ResourceRef, 'id' | 'name'>): string {
  return resource.name ?? resource.id;
}

/** "web-1 on com1": a resource and the hypervisor (or host) it sits on. */
export function resourceLabel(resource: ResourceRef): string {
  const name = resourceName(resource);
  return resource.parent ? `${name} on ${resourceName(resource.parent)}` : name;
}

export function evidenceText(value: Evidence['value']): string {
  return value === null ? '(none)' : String(value);
}

/** The runbook case in the operator's words, as every format names it. */
export const CASE_LABEL: Readonly<Record<string, string>> = {
  'vm-hang': 'VM hang',
  'pm-hang': 'PM hang',
  'kernel-panic-pm-fine': 'kernel panic, PM fine',
  'part-non-urgent': 'non-urgent part',
  'part-needs-judgement': 'part that needs judgement',
  'part-urgent': 'urgent part',
  'disk-data-loss': 'disk failure / data loss',
  'compute-agents-down': 'compute agents down',
  'host-stopped-server': 'server stopped by its host',
  'node-not-ready': 'node not ready',
  'node-never-joined': 'node never joined',
  'system-pod-unhealthy': 'system pods unhealthy',
  other: 'other',
};

export function caseLabel(id: string): string {
  return CASE_LABEL[id] ?? id;
}

/** "7 servers (7 impacted), 1 DB ⚠ orders-db-1, 2 clusters, 3 owners": an incident's reach on one line. */
export function blastRadiusText(radius: {
  readonly dbServers: readonly string[];
  readonly counts: { readonly servers: number; readonly impactedServers: number; readonly clusters: number; readonly projects: number; readonly owners: number };
}): string {
  const c = radius.counts;
  const parts = [`${c.servers} server${c.servers === 1 ? '' : 's'} (${c.impactedServers} impacted)`];
  if (radius.dbServers.length > 0) parts.push(`${radius.dbServers.length} DB ⚠ ${radius.dbServers.join(', ')}`);
  if (c.clusters > 0) parts.push(`${c.clusters} cluster${c.clusters === 1 ? '' : 's'}`);
  if (c.projects > 0) parts.push(`${c.projects} project${c.projects === 1 ? '' : 's'}`);
  if (c.owners > 0) parts.push(`${c.owners} owner${c.owners === 1 ? '' : 's'}`);
  return parts.join(', ');
}
