/**
 * The hypervisors' baseboard management controllers as power switches: per BMC an
 * address, a login, a power state, the reset in progress and a log of every request.
 *
 * A BMC answers a reset at once and carries it out later (`powerDelayMs` on the lab
 * clock), so `PowerState` reads `PoweringOff`/`PoweringOn` in between, and a forced
 * restart still reads `On` until the power is actually cut; only `LastResetTime`
 * moving tells a caller that it happened. A hung operating system ignores the ACPI
 * requests behind the graceful resets: they are accepted and nothing happens.
 */
import { randomBytes } from 'node:crypto';
import type { LabHypervisor } from '../fleet/types.js';
import { loopbackAddress } from '../fleet/generate.js';
import type { LabFaults } from '../scenarios/faults.js';

export const RESET_TYPES = ['On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart'] as const;
export type ResetType = (typeof RESET_TYPES)[number];
export type RedfishPowerState = 'On' | 'Off' | 'PoweringOn' | 'PoweringOff';

/** BMCs live at 127.252.0.1 up, clear of the hypervisors (127.250/15) and the servers. */
const BMC_ADDRESS_BASE = 0xfc0000;
/** The login every lab BMC has; the password differs per BMC. */
export const LAB_BMC_USER = 'admin';
export const DEFAULT_POWER_DELAY_MS = 2_000;

export interface LabBmc {
  readonly hostname: string;
  readonly address: string;
  readonly username: string;
  readonly password: string;
  readonly hypervisor: LabHypervisor;
}

interface PendingReset {
  readonly resetType: ResetType;
  readonly effect: 'off' | 'on' | 'restart';
  /** When the power changes (for a restart: when it is cut). */
  readonly dueAt: number;
  /** A restart's power comes back at this time. */
  readonly backAt: number | null;
  cut: boolean;
}

export interface BmcLogEntry {
  readonly at: string;
  readonly bmc: string;
  readonly address: string;
  /** The user name sent, whether or not it was accepted; null without credentials. */
  readonly user: string | null;
  readonly method: string;
  readonly path: string;
  readonly resetType: string | null;
  readonly status: number;
  readonly result: string;
}

export type ResetOutcome = { accepted: true; result: string } | { accepted: false; status: 400 | 409; messageId: string; message: string };

export interface LabBmcsOptions {
  /** How long a reset takes to change the power, on the lab clock (default 2 s). */
  powerDelayMs?: number;
}

export class LabBmcs {
  readonly powerDelayMs: number;
  private readonly byHost = new Map<string, LabBmc>();
  private readonly byAddr = new Map<string, LabBmc>();
  private readonly pending = new Map<string, PendingReset>();
  private readonly lastResetAt = new Map<string, number>();
  private readonly entries: { atMs: number; entry: BmcLogEntry }[] = [];
  private settling = false;
  private readonly unhook: () => void;

  constructor(
    readonly faults: LabFaults,
    options: LabBmcsOptions = {},
  ) {
    this.powerDelayMs = options.powerDelayMs ?? DEFAULT_POWER_DELAY_MS;
    faults.state.hypervisors.forEach((hv, index) => {
      const bmc: LabBmc = { hostname: hv.hostname, address: loopbackAddress(index, BMC_ADDRESS_BASE), username: LAB_BMC_USER, password: randomBytes(15).toString('base64url'), hypervisor: hv };
      this.byHost.set(hv.hostname, bmc);
      this.byAddr.set(bmc.address, bmc);
    });
    this.unhook = faults.onTick(() => this.settle());
  }

  list(): LabBmc[] {
    return [...this.byHost.values()];
  }

  ofHost(hostname: string): LabBmc | undefined {
    return this.byHost.get(hostname);
  }

  atAddress(address: string): LabBmc | undefined {
    return this.byAddr.get(address);
  }

  powerState(hostname: string): RedfishPowerState {
    this.settle();
    const p = this.pending.get(hostname);
    if (p?.effect === 'off') return 'PoweringOff';
    if (p?.effect === 'on') return 'PoweringOn';
    if (p?.effect === 'restart') return p.cut ? 'PoweringOn' : 'On';
    return this.faults.isPoweredOff(hostname) ? 'Off' : 'On';
  }

  /** When the power last actually changed because of a reset; null if never. */
  lastResetTime(hostname: string): number | null {
    this.settle();
    return this.lastResetAt.get(hostname) ?? null;
  }

  reset(hostname: string, resetType: ResetType): ResetOutcome {
    const power = this.powerState(hostname);
    if (this.pending.has(hostname)) return { accepted: false, status: 409, messageId: 'Base.1.8.ResourceInUse', message: `A power transition is in progress (PowerState ${power}); wait until it ends.` };
    const on = power === 'On';
    const now = this.faults.state.now();
    const due = now + this.powerDelayMs;
    const refuse = (): ResetOutcome => ({ accepted: false, status: 409, messageId: 'Base.1.8.ActionNotSupported', message: `ResetType ${resetType} is not possible while PowerState is ${power}.` });
    const start = (effect: PendingReset['effect']): ResetOutcome => {
      this.pending.set(hostname, { resetType, effect, dueAt: due, backAt: effect === 'restart' ? due + this.powerDelayMs : null, cut: false });
      return { accepted: true, result: `accepted: power ${effect} in ${this.powerDelayMs} ms` };
    };
    switch (resetType) {
      case 'On':
        return on ? refuse() : start('on');
      case 'ForceOff':
        return on ? start('off') : refuse();
      case 'ForceRestart':
        return on ? start('restart') : refuse();
      case 'GracefulShutdown':
      case 'GracefulRestart':
        if (!on) return refuse();
        // The BMC only presses the ACPI button; a hung kernel never hears it.
        if (this.faults.hypervisorHung(hostname)) return { accepted: true, result: 'accepted: the operating system did not respond; power unchanged' };
        return start(resetType === 'GracefulShutdown' ? 'off' : 'restart');
    }
  }

  /** Carries out the resets whose time has come. */
  settle(): void {
    if (this.settling || this.pending.size === 0) return;
    this.settling = true;
    try {
      const now = this.faults.state.now();
      for (const [host, p] of [...this.pending]) {
        if (now < p.dueAt) continue;
        if (p.effect === 'off') {
          this.faults.powerOffHypervisor(host);
          this.finish(host, p.dueAt);
        } else if (p.effect === 'on') {
          this.faults.powerOnHypervisor(host);
          this.finish(host, p.dueAt);
        } else {
          if (!p.cut) {
            p.cut = true;
            this.faults.powerOffHypervisor(host);
            this.lastResetAt.set(host, p.dueAt);
          }
          if (p.backAt !== null && now >= p.backAt) {
            this.faults.powerOnHypervisor(host);
            this.pending.delete(host);
          }
        }
      }
    } finally {
      this.settling = false;
    }
  }

  private finish(host: string, at: number): void {
    this.lastResetAt.set(host, at);
    this.pending.delete(host);
  }

  record(entry: Omit<BmcLogEntry, 'at'>): void {
    const atMs = this.faults.state.now();
    this.entries.push({ atMs, entry: { at: new Date(atMs).toISOString(), ...entry } });
  }

  /** Every request since `sinceMs` (lab clock), oldest first. */
  log(sinceMs = 0): BmcLogEntry[] {
    return this.entries.filter((e) => e.atMs >= sinceMs).map((e) => e.entry);
  }

  close(): void {
    this.unhook();
  }
}
