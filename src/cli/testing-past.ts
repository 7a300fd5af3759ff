import { spawn } from 'node:child_process';
import { MAIN, type CliRun } from './testing.js';

/**
 * Replays a lab scenario's past into a store, for tests: the lab clock is moved
 * to each moment of the past, the operator commands of that moment run as real
 * `faultline` processes whose clock reads the lab's time (libfaketime, Debian's
 * `faketime`), and a real `faultline scan --record --now <lab time>` records the
 * moment. The store only ever learns the past by faultline recording it.
 */

export interface PastMomentView {
  readonly at: string;
  readonly ago: string;
  readonly note: string | null;
  readonly scan: boolean;
  readonly operator: readonly { readonly command: string; readonly fault: string }[];
}

export interface ReplayedMoment {
  readonly moment: PastMomentView;
  /** The lab's time the scan judged at (its --now). */
  readonly at: string;
  readonly commands: readonly CliRun[];
  readonly scan?: CliRun;
}

export interface Lab {
  readonly admin: string;
  readonly token: string;
}

async function admin<T>(lab: Lab, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${lab.admin}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'x-lab-admin': lab.token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`lab admin ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Moves the lab clock forward to `at` (never back); returns the lab's time after. */
export async function advanceLabTo(lab: Lab, at: number): Promise<number> {
  const { now } = await admin<{ now: string }>(lab, '/past');
  const seconds = (at - Date.parse(now)) / 1000;
  if (seconds <= 0) return Date.parse(now);
  const after = await admin<{ now: string }>(lab, '/clock/advance', { seconds });
  return Date.parse(after.now);
}

/** faketime's absolute form, in UTC. */
const fakeTime = (at: number): string => `@${new Date(at).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '')}`;

/** `faultline <args>` as a process whose wall clock starts at `at`. */
export function runFaultlineAt(args: readonly string[], options: { cwd: string; at: number; env?: NodeJS.ProcessEnv }): Promise<CliRun> {
  return new Promise((res, rej) => {
    const child = spawn('faketime', ['-f', fakeTime(options.at), process.execPath, MAIN, ...args], {
      cwd: options.cwd,
      // Timers run on the monotonic clock, which stays true: only the date is moved. fping times its
      // replies with the wall clock and reads a moved one as no reply, so it keeps the true time.
      env: { PATH: process.env['PATH'], HOME: options.cwd, NO_COLOR: '1', TZ: 'UTC', FAKETIME_DONT_FAKE_MONOTONIC: '1', FAKETIME_SKIP_CMDS: 'fping,ping', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

export async function replayPast(
  lab: Lab,
  options: {
    readonly dir: string;
    readonly env?: NodeJS.ProcessEnv;
    /** Arguments every scan of the past gets besides --record --now (e.g. --only, --store). */
    readonly scanArgs: readonly string[];
    readonly run: (args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) => Promise<CliRun>;
  },
): Promise<{ moments: ReplayedMoment[]; present: number }> {
  const plan = await admin<{ present: string; moments: PastMomentView[] }>(lab, '/past');
  const out: ReplayedMoment[] = [];
  for (const moment of plan.moments) {
    const now = await advanceLabTo(lab, Date.parse(moment.at));
    const commands: CliRun[] = [];
    for (const op of moment.operator) {
      const { fault } = await admin<{ fault: { servers: { id: string }[] } }>(lab, `/faults/${encodeURIComponent(op.fault)}`);
      for (const server of fault.servers) {
        const r = await runFaultlineAt([op.command, server.id, '--yes', '--format', 'json'], { cwd: options.dir, at: now, ...(options.env ? { env: options.env } : {}) });
        if (r.code !== 0) throw new Error(`faultline ${op.command} ${server.id} at ${moment.ago} ago exited ${r.code}: ${r.stderr}`);
        commands.push(r);
      }
    }
    let scan: CliRun | undefined;
    const judgedAt = new Date(await advanceLabTo(lab, 0)).toISOString();
    if (moment.scan) {
      scan = await options.run(['scan', '--record', '--now', judgedAt, '--format', 'json', '--out', '-', ...options.scanArgs], { cwd: options.dir, ...(options.env ? { env: options.env } : {}) });
      if (scan.code !== 0) throw new Error(`faultline scan at ${moment.ago} ago exited ${scan.code}: ${scan.stderr}`);
    }
    out.push({ moment, at: judgedAt, commands, ...(scan ? { scan } : {}) });
  }
  const present = await advanceLabTo(lab, Date.parse(plan.present));
  return { moments: out, present };
}
