/**
 * Runbooks as data. A runbook declares its steps and how they follow each
 * other; it never waits, retries, records or calls anything itself: the engine
 * (engine.ts) owns all of that, so every runbook gets the same durability,
 * gates and audit without writing a line of it.
 */

/** How often a failed step is tried again before its `failed` jump is taken. */
export interface RetryPolicy {
  readonly tries: number;
  readonly intervalMs: number;
}

/** Where the run goes after a step: a step id, the end (done), the escalation, or a failed run. */
export type Jump = { readonly goto: string } | 'finish' | 'escalate' | 'fail';

/**
 * What a step acts on. `server`: the run's server; `hypervisor`: the run's
 * hypervisor; `each-server`: every server the run holds (one by one, each
 * with its own idempotency key); `stragglers`: the servers the step named in
 * `of` found failing.
 */
export type StepScope = 'server' | 'hypervisor' | 'each-server' | { readonly stragglersOf: string };

export type ActionEffect =
  | 'server.stop'
  | 'server.start'
  | 'server.restart'
  | 'hypervisor.power-cycle'
  /** Out of band: power the hypervisor off and wait until the BMC reads Off (the servers were stopped before). */
  | 'hypervisor.power-off'
  /** Out of band: power the hypervisor on and wait until the BMC reads On. */
  | 'hypervisor.power-on'
  /** Over SSH: restart the agents' runtime (docker and the failing compose projects, or containerd, kubelet and the agent containers). */
  | 'host.restart-runtime'
  /** Over SSH: `swapoff -a`, unless swap is already 0B. */
  | 'host.swapoff'
  /** Over SSH: restart kubelet where it runs the agents (containerd hosts). */
  | 'host.restart-kubelet';

/** Effects sent to the hypervisor's own shell (act/host), not to Nova or the BMC. */
export const HOST_EFFECTS: readonly ActionEffect[] = ['host.restart-runtime', 'host.swapoff', 'host.restart-kubelet'];

export function isHostEffect(effect: ActionEffect): boolean {
  return HOST_EFFECTS.includes(effect);
}

/**
 * Whether a step can hurt a server on the hypervisor, so a DB server that still serves
 * waits for the DBA (§4.1). Restarting the agents' runtime or kubelet stops no guest;
 * `swapoff -a` can: it pulls every swapped page back into RAM, and on a host short of
 * memory the OOM killer then picks a guest.
 */
export function touchesServers(step: RunbookStep): boolean {
  return !(step.kind === 'action' && (step.effect === 'host.restart-runtime' || step.effect === 'host.restart-kubelet'));
}

export type Condition =
  /** The server stopped answering ICMP (after a stop: it really is off). */
  | 'server.no-ping'
  /** Ping answered and SSH greeted (or the server is ping-only). */
  | 'server.reachable'
  /** The hypervisor's BMC says On and Nova's compute service on it reports up. */
  | 'hypervisor.up'
  /** Nova lists the server SHUTOFF or ACTIVE again, no task running: the power sync after a host reboot has settled. */
  | 'server.settled'
  /** On the hypervisor: nova (1), neutron (3) and route agent containers all Running, as the compute-agents-down detector counts them. */
  | 'host.agents-up'
  /** On the hypervisor: `free` shows 0B of swap. */
  | 'host.swap-off'
  /** The hypervisor's part tickets, summed over time in the store, reach the count of §4.7 (10). A one-look decision, not a wait. */
  | 'hypervisor.ticket-count-reached'
  /** This hypervisor needed part work 3 times within a month (this run counted): replace the whole box (§4.7). A one-look decision. */
  | 'hypervisor.part-work-repeated';

export const HOST_CONDITIONS: readonly Condition[] = ['host.agents-up', 'host.swap-off'];

/**
 * What a person approves. `part-swapped`: the part (or the box, from the spare pool) is
 * swapped; `disk-swapped`: the failed disk is; `os-reinstalled`: the OS is reinstalled
 * from the prescribed template and the host checked.
 */
export const GATE_IDS = ['db-servers', 'fault-notice', 'operator', 'part-swapped', 'disk-swapped', 'os-reinstalled'] as const;
export type GateId = (typeof GATE_IDS)[number];

/** The gates that stand for hands-on work at the box: their wait names the spare the pool offers. */
export const HARDWARE_GATES: readonly GateId[] = ['part-swapped', 'disk-swapped'];

interface StepBase {
  /** kebab-case, unique in the runbook: part of every idempotency key. */
  readonly id: string;
  /** What the step does, in the operator's words (the plan and the audit show it). */
  readonly text: string;
  readonly next?: { readonly ok?: Jump; readonly failed?: Jump };
}

export interface ActionStep extends StepBase {
  readonly kind: 'action';
  readonly effect: ActionEffect;
  readonly on: StepScope;
  readonly retry?: RetryPolicy;
}

export interface WaitForStep extends StepBase {
  readonly kind: 'waitFor';
  readonly condition: Condition;
  readonly on: StepScope;
  /** How long one try may wait for the condition. */
  readonly timeoutMs: number;
  readonly retry?: RetryPolicy;
}

export interface ApprovalStep extends StepBase {
  readonly kind: 'approval';
  readonly gate: GateId;
  /**
   * `db-serving`: only when a DB server this run touches still serves (catalog §4.1:
   * a DB not yet impacted waits for the DBA). Absent: always.
   */
  readonly when?: 'db-serving';
}

/**
 * `fault`: the fault notice; `announce`: planned work announced to the owners; `data-loss`:
 * the fixed data-loss notice (§4.9). Each of these must be out before the host is touched.
 * `recovery`, `completion` (planned work done) and `owners` (the owners told what was done)
 * follow the work and never hold a run.
 */
export type NoticeKind = 'fault' | 'announce' | 'data-loss' | 'recovery' | 'completion' | 'owners';

/** Notices that announce the work: a whole-host action waits for one of them. */
export const ANNOUNCING_NOTICES: readonly NoticeKind[] = ['fault', 'announce', 'data-loss'];

export function announces(kind: NoticeKind): boolean {
  return ANNOUNCING_NOTICES.includes(kind);
}

export interface NoticeStep extends StepBase {
  readonly kind: 'notice';
  readonly notice: NoticeKind;
}

export interface EscalateStep extends StepBase {
  readonly kind: 'escalate';
}

/**
 * A time gate the engine owns. `business-hours`: until the configured business hours are open
 * (daytime work, no notice at night). `{ after, delay }`: until the delay has passed since the
 * step `after` finished (`run-start`: since the run was created), judged from the ledger's own
 * times so a process killed while it waits resumes to the same deadline. The delays are
 * configured: `advance-notice` (runbooks.advanceNoticeHours, 4 h), `monitor` (runbooks.monitorHours, 24 h).
 */
export type HoldUntil = 'business-hours' | { readonly after: string; readonly delay: HoldDelay };
export type HoldDelay = 'advance-notice' | 'monitor';

export interface HoldStep extends StepBase {
  readonly kind: 'hold';
  readonly until: HoldUntil;
}

export type RunbookStep = ActionStep | WaitForStep | ApprovalStep | NoticeStep | EscalateStep | HoldStep;

export type RunbookTargetKind = 'server' | 'hypervisor';

export interface RunbookMeta {
  /** kebab-case, equal to the file name under runbooks/. */
  readonly id: string;
  readonly title: string;
  /** The catalog section it follows, e.g. "§4.2". */
  readonly section: string;
  readonly description: string;
  readonly target: RunbookTargetKind;
}

export interface Runbook extends RunbookMeta {
  readonly steps: readonly RunbookStep[];
}

export class RunbookDefinitionError extends Error {}

/**
 * Effects that touch a whole hypervisor, or every server on it: the fault notice must be out first (catalog §4, notices).
 * Restarting the agents' runtime or kubelet, or turning swap off, leaves every server running, and §4.10 posts no notice for it.
 */
export function touchesHost(step: RunbookStep): boolean {
  return step.kind === 'action' && !isHostEffect(step.effect) && (isPowerEffect(step.effect) || step.on === 'hypervisor' || (step.on === 'each-server' && step.effect === 'server.stop'));
}

/** Effects on the hypervisor's power, through its BMC. */
export function isPowerEffect(effect: ActionEffect): boolean {
  return effect === 'hypervisor.power-cycle' || effect === 'hypervisor.power-off' || effect === 'hypervisor.power-on';
}

export function isDisruptive(step: RunbookStep): boolean {
  return step.kind === 'action';
}

/**
 * Checks a runbook's shape once, where it is defined, so a mistake is a failed
 * test rather than a half-run at night: unique kebab-case ids, jumps to steps
 * that exist, stragglers of a step that comes earlier, exactly one escalation
 * when anything escalates, and the fault notice before any whole-host action.
 */
export function defineRunbook(runbook: Runbook): Runbook {
  const fail = (why: string): never => {
    throw new RunbookDefinitionError(`runbook ${runbook.id}: ${why}`);
  };
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(runbook.id)) fail('the id must be kebab-case');
  const ids = new Set<string>();
  for (const step of runbook.steps) {
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(step.id)) fail(`step id "${step.id}" must be kebab-case`);
    if (ids.has(step.id)) fail(`step id "${step.id}" is used twice`);
    ids.add(step.id);
  }
  const escalations = runbook.steps.filter((s) => s.kind === 'escalate');
  let noticeSeen = false;
  runbook.steps.forEach((step, i) => {
    for (const jump of [step.next?.ok, step.next?.failed]) {
      if (jump && typeof jump === 'object' && !ids.has(jump.goto)) fail(`step ${step.id} jumps to unknown step "${jump.goto}"`);
      // Forward only: every step then runs at most once per run, so its idempotency keys never repeat.
      if (jump && typeof jump === 'object' && runbook.steps.findIndex((s) => s.id === jump.goto) <= i) fail(`step ${step.id} jumps back to "${jump.goto}"; jumps go forward only`);
      if (jump === 'escalate' && escalations.length !== 1) fail(`step ${step.id} escalates, so the runbook needs exactly one escalate step`);
    }
    if ((step.kind === 'action' || step.kind === 'waitFor') && typeof step.on === 'object') {
      const of = runbook.steps.findIndex((s) => s.id === (step.on as { stragglersOf: string }).stragglersOf);
      if (of < 0 || of >= i) fail(`step ${step.id} takes the stragglers of "${step.on.stragglersOf}", which must be an earlier waitFor step`);
      if (runbook.steps[of]?.kind !== 'waitFor') fail(`step ${step.id}: stragglers come from a waitFor step`);
    }
    if ((step.kind === 'action' || step.kind === 'waitFor') && step.retry && (step.retry.tries < 1 || step.retry.intervalMs < 0)) fail(`step ${step.id}: retry needs tries ≥ 1 and a non-negative interval`);
    if (step.kind === 'notice' && announces(step.notice)) noticeSeen = true;
    if (step.kind === 'hold' && typeof step.until === 'object' && step.until.after !== 'run-start') {
      const after = runbook.steps.findIndex((s) => s.id === (step.until as { after: string }).after);
      if (after < 0 || after >= i) fail(`step ${step.id} holds after "${step.until.after}", which must be an earlier step (or run-start)`);
    }
    if (touchesHost(step) && !noticeSeen) fail(`step ${step.id} acts on the whole hypervisor before any fault notice step`);
    if (step.kind === 'notice' && step.notice === 'recovery' && runbook.steps.some((s) => s.kind === 'notice' && s.notice === 'data-loss')) fail(`step ${step.id}: a data-loss runbook never posts a recovery notice (nothing was recovered)`);
    if (runbook.target === 'server' && step.kind === 'action' && (step.on === 'hypervisor' || isPowerEffect(step.effect))) fail(`step ${step.id} acts on a hypervisor in a server runbook`);
    // A host's shell is the hypervisor's: these run on it and nowhere else.
    if (step.kind === 'action' && isHostEffect(step.effect) && step.on !== 'hypervisor') fail(`step ${step.id}: ${step.effect} runs on the hypervisor (on: 'hypervisor')`);
    if (step.kind === 'waitFor' && HOST_CONDITIONS.includes(step.condition) && step.on !== 'hypervisor') fail(`step ${step.id}: ${step.condition} is checked on the hypervisor (on: 'hypervisor')`);
  });
  return runbook;
}

/** The step a jump leads to, as an index; `steps.length` is the end of the run. */
export function stepIndex(runbook: Runbook, id: string): number {
  const i = runbook.steps.findIndex((s) => s.id === id);
  if (i < 0) throw new RunbookDefinitionError(`runbook ${runbook.id} has no step ${id}`);
  return i;
}
