/**
 * The runbook engine's host effects and checks (catalog §4.10, compute agents
 * down), carried out with the remedy commands over SSH. Every command sent comes
 * back in the effect's result for the audit.
 *
 * A run that died while one of these was under way asks the host, not a log,
 * whether it is done: agents Running, swap 0B, kubelet active since a state in
 * which it was not. Only when the host cannot show it is the command sent again;
 * repeating a restart or a swapoff costs seconds of agent time and no server,
 * so "unknown" resolves to sending it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { HostTarget } from '../../collect/host/ssh-collector.js';
import { errorMessage } from '../../core/errors.js';
import type { ActionEffect, Condition } from '../../runbook/define.js';
import type { CheckResult, EffectResult, HostCommandRecord, ItemRef } from '../../runbook/ports.js';
import { describeAgents, describeSwap, readAgentState, type AgentState } from './agents.js';
import type { HostShell, OpenShell } from './remedy.js';
import type { RemedyCommand } from './remedy-commands.js';

export interface HostEffectsOptions {
  readonly open: OpenShell;
  /** Where the hypervisor item is dialled (looked up in Nova by the caller). */
  readonly target: (item: ItemRef) => Promise<HostTarget>;
  /** How long a restart may take to show in the host's state before the try counts as failed (default 60 s). */
  readonly settleMs?: number;
  /** Caps every check's wait, as for the Nova checks. */
  readonly maxWaitMs?: number;
  readonly pollMs?: number;
  readonly now?: () => Date;
}

export interface HostEffects {
  baseline(effect: ActionEffect, item: ItemRef): Promise<string | null>;
  sentSince(effect: ActionEffect, item: ItemRef, baseline: string | null): Promise<boolean>;
  perform(effect: ActionEffect, item: ItemRef, options: { alreadySent: boolean }): Promise<EffectResult>;
  check(condition: Condition, items: readonly ItemRef[], timeoutMs: number): Promise<CheckResult>;
}

/** The part of the host's state a resumed run compares with. */
interface Baseline {
  readonly kubelet: string | null;
}

function parseBaseline(text: string | null): Baseline | null {
  if (text === null) return null;
  try {
    const b = JSON.parse(text) as Partial<Baseline>;
    return { kubelet: typeof b.kubelet === 'string' ? b.kubelet : null };
  } catch {
    return null;
  }
}

const agentsUp = (s: AgentState): boolean => s.runtime !== null && s.down.length === 0;
const swapOff = (s: AgentState): boolean => s.swapBytes === 0;
/** A docker-compose host does not run its agents under kubelet: nothing to restart there. */
const kubeletRunsAgents = (s: AgentState): boolean => s.runtime === 'containerd';

export function hostEffects(o: HostEffectsOptions): HostEffects {
  const now = o.now ?? (() => new Date());
  const poll = o.pollMs ?? 1000;
  const settleMs = Math.min(o.settleMs ?? 60_000, o.maxWaitMs ?? Number.POSITIVE_INFINITY);

  async function withShell<T>(item: ItemRef, fn: (shell: HostShell) => Promise<T>): Promise<T> {
    const shell = await o.open(await o.target(item));
    try {
      return await fn(shell);
    } finally {
      shell.close();
    }
  }

  /** Reads the state until `done` holds or `ms` pass; the last state either way. */
  async function until(shell: HostShell, ms: number, done: (s: AgentState) => boolean): Promise<AgentState> {
    const end = Date.now() + ms;
    for (;;) {
      const state = await readAgentState(shell, now());
      if (done(state) || Date.now() >= end) return state;
      await sleep(Math.min(poll, Math.max(0, end - Date.now())));
    }
  }

  async function perform(effect: ActionEffect, item: ItemRef, alreadySent: boolean): Promise<EffectResult> {
    const sent: HostCommandRecord[] = [];
    const result = (ok: boolean, detail: string): EffectResult => ({ ok, detail, requestIds: [], commands: sent });
    /** Sends one remedy; false when it failed, so the caller stops there. */
    const send = async (shell: HostShell, command: RemedyCommand): Promise<boolean> => {
      const r = await shell.remedy(command);
      sent.push(r);
      return r.exitCode === 0;
    };
    const failedLast = (): string => {
      const last = sent[sent.length - 1];
      return last ? `${last.command} ${last.exitCode === null ? 'did not finish' : `exited ${last.exitCode}`}${last.output ? ` (${last.output})` : ''}` : 'nothing was sent';
    };
    try {
      return await withShell(item, async (shell) => {
        const before = await readAgentState(shell, now());
        switch (effect) {
          case 'host.restart-runtime': {
            if (before.runtime === null) return result(false, `${item.name}: ${describeAgents(before)}; nothing to restart`);
            // Idempotent: agents that all run are not restarted (a second run, or one resumed after the host recovered).
            if (agentsUp(before)) return result(true, `${describeAgents(before)}; nothing sent`);
            if (!alreadySent) {
              if (before.runtime === 'docker-compose') {
                if (!(await send(shell, { kind: 'restart-unit', unit: 'docker' }))) return result(false, failedLast());
                // Docker brings back what its restart policy covers; a project still down is restarted on its own (§4.10).
                const after = await readAgentState(shell, now());
                for (const project of after.failingProjects) if (!(await send(shell, { kind: 'compose-restart', project, compose: after.compose }))) return result(false, failedLast());
              } else {
                if (!(await send(shell, { kind: 'restart-unit', unit: 'containerd' }))) return result(false, failedLast());
                if (!(await send(shell, { kind: 'restart-unit', unit: 'kubelet' }))) return result(false, failedLast());
                const after = await readAgentState(shell, now());
                // Stopped, kubelet starts them fresh against the restarted runtime.
                for (const id of after.runningAgentIds) if (!(await send(shell, { kind: 'crictl-stop', containerId: id }))) return result(false, failedLast());
              }
            }
            const state = await until(shell, settleMs, agentsUp);
            return result(agentsUp(state), describeAgents(state));
          }
          case 'host.swapoff': {
            if (swapOff(before)) return result(true, `${describeSwap(before)} already; nothing sent`);
            if (!alreadySent && !(await send(shell, { kind: 'swapoff' }))) return result(false, failedLast());
            const state = await until(shell, Math.min(settleMs, 10_000), swapOff);
            return result(swapOff(state), describeSwap(state));
          }
          case 'host.restart-kubelet': {
            if (!kubeletRunsAgents(before)) return result(true, `${item.name} runs its agents under ${before.runtime ?? 'no runtime'}, not kubelet; kubelet not restarted`);
            if (!alreadySent && !(await send(shell, { kind: 'restart-unit', unit: 'kubelet' }))) return result(false, failedLast());
            const state = await until(shell, settleMs, (s) => s.units['kubelet'] === 'active');
            return result(state.units['kubelet'] === 'active', `kubelet ${state.units['kubelet'] ?? 'unknown'}; ${describeSwap(state)}`);
          }
          default:
            return result(false, `${effect} is not a host effect`);
        }
      });
    } catch (err) {
      // No session, a refused command, a host that stopped answering: the try failed, with what was sent so far.
      return result(false, `${item.name}: ${errorMessage(err)}`);
    }
  }

  return {
    async baseline(effect, item) {
      if (effect !== 'host.restart-kubelet') return null;
      const state = await withShell(item, (shell) => readAgentState(shell, now()));
      return JSON.stringify({ kubelet: state.units['kubelet'] ?? null } satisfies Baseline);
    },

    async sentSince(effect, item, baseline) {
      const state = await withShell(item, (shell) => readAgentState(shell, now()));
      switch (effect) {
        case 'host.restart-runtime':
          return agentsUp(state);
        case 'host.swapoff':
          return swapOff(state);
        case 'host.restart-kubelet': {
          if (!kubeletRunsAgents(state)) return true;
          // Active now after not being active before is a restart that happened; active both times proves nothing.
          const before = parseBaseline(baseline);
          return state.units['kubelet'] === 'active' && before !== null && before.kubelet !== 'active';
        }
        default:
          return false;
      }
    },

    perform: (effect, item, { alreadySent }) => perform(effect, item, alreadySent),

    async check(condition, items, declaredMs) {
      const timeoutMs = Math.min(declaredMs, o.maxWaitMs ?? declaredMs);
      const failing: string[] = [];
      const words: string[] = [];
      for (const item of items) {
        try {
          const test = condition === 'host.agents-up' ? agentsUp : swapOff;
          const state = await withShell(item, (shell) => until(shell, timeoutMs, test));
          words.push(`${item.name}: ${condition === 'host.agents-up' ? describeAgents(state) : describeSwap(state)}`);
          if (!test(state)) failing.push(item.id);
        } catch (err) {
          words.push(`${item.name}: ${errorMessage(err)}`);
          failing.push(item.id);
        }
      }
      return { ok: failing.length === 0, failing, detail: words.join('; ') };
    },
  };
}
