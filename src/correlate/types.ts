import type { ResourceRef } from '../core/findings.js';
import type { Severity } from '../core/severity.js';

/**
 * The response cases of the runbook (catalog §4), as triage and incidents name them.
 * The order is the manual's; `node-*` are the Kubernetes causes that stop at the VM.
 */
export const INCIDENT_CASES = [
  'vm-hang',
  'pm-hang',
  'kernel-panic-pm-fine',
  'part-non-urgent',
  'part-needs-judgement',
  'part-urgent',
  'disk-data-loss',
  'compute-agents-down',
  'host-stopped-server',
  'node-not-ready',
  'node-never-joined',
  'system-pod-unhealthy',
  'other',
] as const;
export type IncidentCase = (typeof INCIDENT_CASES)[number];

/** One link of the causal chain, from the root cause (first) to the last symptom. */
export interface ChainLink {
  readonly resource: ResourceRef;
  /** The detector whose finding puts this resource in the chain, when one did. */
  readonly detectorId?: string;
  /** One line in the operator's words: what is wrong with this resource. */
  readonly summary: string;
}

/** A server the incident touches, with what the operator needs to decide. */
export interface AffectedServer {
  readonly id: string;
  readonly name: string;
  readonly hypervisor?: string;
  readonly region?: string;
  readonly project?: string;
  readonly ips: readonly string[];
  readonly owners: readonly string[];
  readonly db: boolean;
  /** Already hit by the fault (unreachable, stopped, panicked), not only at risk. */
  readonly impacted: boolean;
}

export interface BlastRadius {
  readonly servers: readonly AffectedServer[];
  readonly dbServers: readonly string[];
  readonly clusters: readonly string[];
  readonly projects: readonly string[];
  readonly owners: readonly string[];
  readonly counts: {
    readonly servers: number;
    readonly impactedServers: number;
    readonly dbServers: number;
    readonly clusters: number;
    readonly projects: number;
    readonly owners: number;
  };
}

/** One root cause and everything it explains. */
export interface Incident {
  /** Stable across scans: derived from the case and the root resource only. */
  readonly id: string;
  readonly title: string;
  readonly case: IncidentCase;
  readonly severity: Severity;
  readonly region?: string;
  /** prod unless the region is known to be a dev zone. */
  readonly zone: 'prod' | 'dev';
  readonly root: {
    readonly resource: ResourceRef;
    readonly detectorId: string;
    readonly fingerprint: string;
  };
  readonly chain: readonly ChainLink[];
  readonly blastRadius: BlastRadius;
  /** Fingerprints of every finding the incident explains, the root's first. */
  readonly findings: readonly string[];
  /** Alarm-feed tickets about the root or its servers. */
  readonly tickets: readonly string[];
}
