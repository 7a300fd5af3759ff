import { z } from 'zod';
import type { DataKey } from '../core/data-keys.js';
import type { Evidence, ResourceRef } from '../core/findings.js';
import type { Severity } from '../core/severity.js';
import type { FleetIndex } from '../snapshot/fleet-index.js';
import type { KubernetesKind, Snapshot } from '../snapshot/schema.js';

export type Layer = 'openstack' | 'host' | 'hardware' | 'kubernetes';

export type JudgementScopeKind = 'server' | 'hypervisor';

/** What a detector sees: the snapshot, its index, validated options and the clock. */
export interface DetectContext<O> {
  readonly snapshot: Snapshot;
  readonly index: FleetIndex;
  readonly options: O;
  /** The time the run is judged at; detectors never read the wall clock. */
  readonly now: Date;
}

/** What `detect` returns; the engine renders the message and computes the fingerprint. */
export interface RawFinding<M extends string> {
  readonly messageId: M;
  readonly data?: Readonly<Record<string, string | number>>;
  readonly resource: ResourceRef;
  readonly evidence?: readonly Evidence[];
  /** Overrides the detector's severity for this finding (e.g. prod vs dev). */
  readonly severity?: Severity;
  /** Distinguishes several findings of one message on one resource (e.g. a mount point). */
  readonly key?: string;
}

export interface DetectorSpec<M extends string, S extends z.ZodObject> {
  /** kebab-case; equals the file name under rules/. */
  readonly id: string;
  readonly title: string;
  readonly layer: Layer;
  readonly severity: Severity;
  /** One sentence: what it finds. */
  readonly description: string;
  /** Why it matters, what usually causes it; shown with every finding. */
  readonly explanation: string;
  /** Snapshot sections without which it cannot judge (missing → skipped). */
  readonly requires: readonly DataKey[];
  /** Sections it uses when present to say more, never to decide pass/fail alone. */
  readonly uses?: readonly DataKey[];
  /**
   * The Kubernetes kinds it reads in each cluster: a cluster where one was not
   * listed is left out (and named), and with no such cluster at all it is skipped.
   */
  readonly kubernetesKinds?: readonly KubernetesKind[];
  /**
   * What each finding depends on, so that `faultline watch` can judge only what changed:
   * `server` when every finding is about one server and reads nothing of the fleet but that
   * server, its instance actions, its hypervisor and the sections the watch does not change
   * (regions, inventory, history); `hypervisor` when every finding is about one hypervisor and
   * reads only it and the servers on it. Absent: only a judgement of the whole snapshot is right.
   */
  readonly scope?: JudgementScopeKind;
  /** Message templates by id; `{{name}}` placeholders are filled from the finding's data. */
  readonly messages: Readonly<Record<M, string>>;
  /** Options schema with defaults: gives the type, the config validation and the docs. */
  readonly options: S;
  readonly remediation: { readonly runbook?: string; readonly steps: readonly string[] };
  /** Where in the domain catalog the rule comes from. */
  readonly source: string;
  readonly detect: (ctx: DetectContext<z.output<S>>) => readonly RawFinding<M>[];
}

export type Detector<M extends string = string, S extends z.ZodObject = z.ZodObject> = DetectorSpec<M, S> & {
  readonly kind: 'detector';
};

// Any detector, whatever its message ids and options; used where detectors are only run or listed.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDetector = Detector<string, any>;

export const DETECTOR_ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Declares a detector; message ids and option types flow from the spec into `detect`. */
export function defineDetector<M extends string, S extends z.ZodObject>(spec: DetectorSpec<M, S>): Detector<M, S> {
  if (!DETECTOR_ID.test(spec.id)) throw new Error(`detector id "${spec.id}" must be kebab-case`);
  if (spec.requires.length === 0) throw new Error(`detector ${spec.id} must require at least one snapshot section`);
  // Options must be fully defaulted so a detector runs with an empty config.
  const defaults = spec.options.safeParse({});
  if (!defaults.success) throw new Error(`detector ${spec.id}: every option needs a default`);
  return Object.freeze({ ...spec, kind: 'detector' as const });
}

/** Empty options schema for detectors without options. */
export const noOptions = z.object({});

const PLACEHOLDER = /\{\{\s*(\w+)\s*\}\}/g;

export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1] as string);
}

export function renderMessage(template: string, data: Readonly<Record<string, string | number>> = {}): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => (name in data ? String(data[name]) : whole));
}
