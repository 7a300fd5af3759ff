/**
 * One SSH session to a hypervisor that can read its state (the collector's
 * read-only commands) and send the remedy commands, and nothing else. Every
 * remedy sent comes back as a record (command, exit code, trimmed output, when)
 * for the run's audit; one refused never reaches the host.
 */
import type { CommandSpec } from '../../collect/host/commands.js';
import { render, isAllowedCommand } from '../../collect/host/commands.js';
import type { CommandOutput } from '../../collect/host/facts.js';
import { execAllowed, openHostSession, type HostSessionSettings, type HostTarget } from '../../collect/host/ssh-collector.js';
import { isAllowedRemedy, renderRemedy, type RemedyCommand } from './remedy-commands.js';

/** What the audit keeps of one remedy command. */
export interface RemedyRecord {
  readonly host: string;
  readonly command: string;
  /** null when it did not finish (timed out, connection lost): its outcome is unknown. */
  readonly exitCode: number | null;
  /** stdout then stderr, trimmed and cut to OUTPUT_KEPT characters. */
  readonly output: string;
  readonly at: string;
}

/** Enough of a remedy's answer to say what happened, little enough for an audit line. */
export const OUTPUT_KEPT = 400;

export function trimOutput(stdout: string, stderr: string): string {
  const text = [stdout.trim(), stderr.trim()].filter((t) => t.length > 0).join('\n');
  return text.length > OUTPUT_KEPT ? `${text.slice(0, OUTPUT_KEPT - 1)}…` : text;
}

export interface HostShell {
  readonly host: string;
  /** Read-only commands, by spec id. */
  read(specs: readonly CommandSpec[]): Promise<Map<string, CommandOutput>>;
  remedy(command: RemedyCommand): Promise<RemedyRecord>;
  close(): void;
}

/** How a shell is opened; the effects take one so tests can count what is sent. */
export type OpenShell = (target: HostTarget) => Promise<HostShell>;

/** Opens shells over faultline's SSH transport (known_hosts checked, jump host, sudo, deadlines per command). */
export function sshShells(settings: HostSessionSettings, now: () => Date = () => new Date()): OpenShell {
  return async (target) => {
    const controller = new AbortController();
    const session = await openHostSession(target, settings, controller.signal);
    return {
      host: target.host,
      async read(specs) {
        const out = new Map<string, CommandOutput>();
        // One after the other: a handful of short commands, and the order keeps the host's answers comparable.
        for (const s of specs) out.set(s.id, await execAllowed(session.client, render(s, settings.sudo), isAllowedCommand, settings, controller.signal));
        return out;
      },
      async remedy(command) {
        // Rendering validates the arguments: a bad one throws here, before the session sees anything.
        const line = renderRemedy(command, settings.sudo);
        const at = now().toISOString();
        const result = await execAllowed(session.client, line, isAllowedRemedy, settings, controller.signal);
        return { host: target.host, command: line, exitCode: result.exitCode, output: trimOutput(result.stdout, result.stderr), at };
      },
      close() {
        controller.abort();
        session.close();
      },
    };
  };
}
