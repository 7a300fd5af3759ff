import type { ResourceRef } from '../core/findings.js';
import type { History, Snapshot } from '../snapshot/schema.js';

/**
 * Helpers for the rules that need memory. They read `snapshot.history`, which the
 * store fills before they run; a rule that requires `history` is skipped when no
 * store is configured, so an absent section here only means "nothing remembered".
 */
export function historyOf(snapshot: Snapshot): History {
  return snapshot.history ?? { since: snapshot.collectedAt, scans: 0, firstScanAt: null, alarmTickets: [], findingEpisodes: [], hostStops: [], recurrences: [] };
}

const RESOURCE_KINDS: ReadonlySet<string> = new Set<ResourceRef['kind']>(['server', 'hypervisor', 'service', 'agent', 'disk', 'host', 'alarm', 'node', 'pod', 'cluster']);

/** A resource as the store wrote it down, back as a finding's resource; an unknown kind reads as a host. */
export function storedResource(kind: string, id: string, name: string | null | undefined, parent?: { id: string | null | undefined; name: string | null | undefined }): ResourceRef {
  const k = (RESOURCE_KINDS.has(kind) ? kind : 'host') as ResourceRef['kind'];
  return {
    kind: k,
    id,
    ...(name ? { name } : {}),
    ...(parent?.id ? { parent: { kind: k === 'server' ? 'hypervisor' : 'host', id: parent.id, ...(parent.name ? { name: parent.name } : {}) } } : {}),
  };
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
