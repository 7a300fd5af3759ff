import type { DataKey } from './data-keys.js';
import type { Severity } from './severity.js';

/** What a finding is about, in the operator's terms. `parent` places it in the fleet. */
export interface ResourceRef {
  readonly kind: 'server' | 'hypervisor' | 'service' | 'agent' | 'disk' | 'host' | 'alarm' | 'node' | 'pod' | 'cluster' | 'workload' | 'kubernetes-service' | 'volume-claim' | 'ingress' | 'webhook' | 'api';
  readonly id: string;
  readonly name?: string;
  /** e.g. the hypervisor a server runs on, the host a disk sits in. */
  readonly parent?: { readonly kind: ResourceRef['kind']; readonly id: string; readonly name?: string };
  readonly region?: string;
}

/** A fact that supports a finding, shown to the operator as label: value. */
export interface Evidence {
  readonly label: string;
  readonly value: string | number | boolean | null;
  /** Where the fact came from (API call, command, log file). */
  readonly source?: string;
}

export interface Finding {
  readonly detectorId: string;
  readonly messageId: string;
  readonly message: string;
  readonly severity: Severity;
  readonly resource: ResourceRef;
  readonly evidence: readonly Evidence[];
  /** Why this matters and what usually causes it. */
  readonly explanation: string;
  /** Runbook that answers it, and the short human steps. */
  readonly remediation: { readonly runbook?: string; readonly steps: readonly string[] };
  readonly fingerprint: string;
}

export type ResultStatus = 'pass' | 'fail' | 'skipped' | 'error';

export interface DetectorResult {
  readonly detectorId: string;
  readonly status: ResultStatus;
  readonly durationMs: number;
  /** For skipped: which input was missing and why; for error: the error message. */
  readonly reason?: string;
  readonly missing?: readonly DataKey[];
  /** Inputs that were only partly collected; a pass over them is a partial pass. */
  readonly partialInputs?: readonly DataKey[];
  readonly findings: readonly Finding[];
  /** Findings hidden by a suppression in config, counted so nothing disappears silently. */
  readonly suppressed: number;
}

export type CollectorStatus = 'ok' | 'partial' | 'failed';

export interface CollectorOutcome {
  readonly collector: string;
  readonly status: CollectorStatus;
  readonly produces: readonly DataKey[];
  readonly startedAt: string;
  readonly durationMs: number;
  readonly error?: string;
  readonly warnings: readonly string[];
}
