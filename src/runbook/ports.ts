import type { ActionEffect, Condition, GateId, NoticeKind } from './define.js';

/**
 * What the engine needs from the world, as interfaces: the store keeps the run
 * (RunLedger), the effects layer talks to Nova, the BMC, the probes and the chat
 * (Effects). The runbook layer may not import either (layers.test.ts), and this
 * seam is also what lets a resumed run ask the real world what already happened.
 */

export interface RunServer {
  readonly id: string;
  readonly name: string;
  /** By the inventory (metadata role=db). */
  readonly db: boolean;
  /** Answered ping and SSH when the run was created; null when not probed. */
  readonly serving: boolean | null;
}

export interface RunContext {
  readonly target: { readonly kind: 'server' | 'hypervisor'; readonly id: string; readonly name: string };
  readonly region?: string;
  readonly hypervisor?: { readonly id: string; readonly name: string; readonly host: string };
  /** The server for a server runbook; every server on the hypervisor for a hypervisor runbook. */
  readonly servers: readonly RunServer[];
  readonly zone?: 'prod' | 'dev';
  /** The spare pool's choice for the hypervisor when the run was created (§5), as a sentence; a swap gate names it. */
  readonly spare?: string;
}

export type RunStatus = 'running' | 'waiting' | 'halted' | 'done' | 'escalated' | 'failed' | 'aborted' | 'storm';

export const FINAL_STATUSES: ReadonlySet<RunStatus> = new Set(['done', 'escalated', 'failed', 'aborted', 'storm']);

export interface RunRecord {
  readonly id: string;
  readonly runbook: string;
  readonly context: RunContext;
  readonly status: RunStatus;
  /** Index of the next step to run; the runbook's length when finished. */
  readonly cursor: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly createdBy: string;
  /** Why it waits, stopped or ended the way it did. */
  readonly reason: string | null;
}

export type StepStatus = 'started' | 'ok' | 'failed';

/** One try of one step on one item (a server or the hypervisor), as the store keeps it. */
export interface StepRecord {
  /** `<run>/<step>/<item>/<try>`: unique, so a resumed run finds what it began. */
  readonly key: string;
  readonly runId: string;
  readonly stepId: string;
  /** The server or hypervisor id, or `-` for a step about the run as a whole. */
  readonly item: string;
  readonly attempt: number;
  readonly status: StepStatus;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  /** Nova's newest instance action for the item before acting: what "sent since" is judged against. */
  readonly baseline: string | null;
  readonly detail: string;
  readonly requestIds: readonly string[];
  /** For a check: the items that did not pass (the stragglers). */
  readonly failing: readonly string[];
}

export interface AuditEntry {
  readonly runId: string;
  readonly at: string;
  readonly actor: string;
  readonly stepId: string | null;
  /** What was done, e.g. `stop web-01 (0b6…)`. */
  readonly what: string;
  /** Why: the runbook step's text, or the gate that stopped it. */
  readonly why: string;
  readonly result: string;
  readonly requestIds: readonly string[];
}

export interface Approval {
  readonly gate: GateId;
  readonly by: string;
  readonly at: string;
  readonly note: string | null;
}

export interface RunLedger {
  run(runId: string): Promise<RunRecord>;
  steps(runId: string): Promise<StepRecord[]>;
  /** Written before the step acts; a record that stays `started` is a step whose outcome is unknown. */
  begin(record: StepRecord): Promise<void>;
  finish(key: string, result: { status: 'ok' | 'failed'; finishedAt: string; detail: string; requestIds: readonly string[]; failing: readonly string[] }): Promise<void>;
  /** Moves the run on, and renews its leases while it still runs. */
  advance(runId: string, cursor: number, status: RunStatus, reason: string | null, at: string): Promise<void>;
  approval(runId: string, gate: GateId): Promise<Approval | undefined>;
  /** The global kill switch: set, nothing disruptive starts anywhere. */
  halted(): Promise<{ readonly by: string; readonly why: string } | undefined>;
  audit(entry: AuditEntry): Promise<void>;
}

export interface ItemRef {
  readonly kind: 'server' | 'hypervisor';
  readonly id: string;
  readonly name: string;
}

/** One command sent to a host's shell by an effect, as the audit keeps it. */
export interface HostCommandRecord {
  readonly host: string;
  readonly command: string;
  /** null: it did not finish (timed out, connection lost), so its outcome is unknown. */
  readonly exitCode: number | null;
  /** Trimmed and cut short by the effect. */
  readonly output: string;
  readonly at: string;
}

export interface EffectResult {
  readonly ok: boolean;
  readonly detail: string;
  readonly requestIds: readonly string[];
  /** The commands a host effect sent, in order; each gets its own audit entry. */
  readonly commands?: readonly HostCommandRecord[];
}

export interface CheckResult {
  readonly ok: boolean;
  readonly detail: string;
  /** Ids of the items that failed the check. */
  readonly failing: readonly string[];
}

export interface Effects {
  /** Nova's newest instance action (or the BMC's power-on time, or the host's state for a host effect) for the item, before acting. */
  baseline(effect: ActionEffect, item: ItemRef): Promise<string | null>;
  /** Whether the effect reached Nova (or the BMC) after `baseline`, or the host already shows it done: the answer for a step whose outcome is unknown. */
  sentSince(effect: ActionEffect, item: ItemRef, baseline: string | null): Promise<boolean>;
  /** Acts, or with `alreadySent` only waits for the effect sent before; never throws for the item's own failure. */
  perform(effect: ActionEffect, item: ItemRef, options: { alreadySent: boolean }): Promise<EffectResult>;
  check(condition: Condition, items: readonly ItemRef[], timeoutMs: number): Promise<CheckResult>;
  /** Posts a notice; `posted: false` when nowhere to post is configured (the operator then posts it and approves the gate). */
  notice(kind: NoticeKind, run: RunRecord, text: string): Promise<{ readonly posted: boolean; readonly detail: string }>;
  /** `page`: the on-call is paged (prod); `mention`: a chat mention of the on-call, no page (a dev zone, in the daytime). */
  escalate(run: RunRecord, text: string, kind: 'page' | 'mention'): Promise<{ readonly paged: boolean; readonly detail: string }>;
  /** Too much of the fleet unreachable at once: then nothing disruptive is done (Masakari, medik8s NHC). */
  storm(run: RunRecord): Promise<{ readonly storm: boolean; readonly detail: string }>;
}

export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}
