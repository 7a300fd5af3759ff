import { OpenStackHttpError } from '../../collect/openstack/http.js';
import { errorMessage } from '../../core/errors.js';
import { mapBounded } from '../../core/bounded.js';
import type { Server } from '../../snapshot/schema.js';
import { getServer, isConflict, isNotFound, serverAction } from './nova.js';
import { checkReachability, isReachable, type Reachability, type ReachabilityOptions } from './reachability.js';
import type { LocatedServer } from './target.js';

/**
 * Stop, start and restart with the operator's discipline: look before acting,
 * wait for Nova to finish, check the guest answers afterwards, and write down
 * every step. Each verb is idempotent: a server already in the wanted state is
 * left alone (and recorded as unchanged), and a 409 from Nova is answered by
 * reading the server again rather than by failing, because the usual cause is
 * that the state changed since the list was read.
 */

export type PowerVerb = 'stop' | 'start' | 'restart';
export type ActionKind = 'stop' | 'start' | 'reboot-soft' | 'reboot-hard' | 'verify';
export type ActionResult = 'ok' | 'unchanged' | 'failed';

/** One audited step: who did what to which server, when, and how it ended. */
export interface ActionRecord {
  /** ISO time the step started. */
  readonly at: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  /** The local user and the OpenStack identity, e.g. `alice as admin@admin`. */
  readonly actor: string;
  readonly action: ActionKind;
  readonly server: ServerRef;
  readonly result: ActionResult;
  /** Status / vm_state / task_state before and after, e.g. `ACTIVE/active/-`. */
  readonly before?: string;
  readonly after?: string;
  readonly detail: string;
  /** Nova's request id for the action (x-openstack-request-id), accepted or refused: what to grep the Nova logs for. */
  readonly requestId?: string;
}

export interface ServerRef {
  readonly id: string;
  readonly name: string;
  readonly host?: string;
  readonly region?: string;
}

/** How one server ended up. */
export interface ServerOutcome {
  readonly server: ServerRef;
  readonly verb: PowerVerb;
  readonly ok: boolean;
  /** What was done: `stopped`, `already stopped`, `rebooted (hard)`, … */
  readonly summary: string;
  readonly status?: string;
  readonly vmState?: string | null;
  readonly taskState?: string | null;
  readonly reachability?: Reachability;
  readonly records: readonly ActionRecord[];
}

export interface PowerOptions {
  readonly actor: string;
  /** Servers handled at once. */
  readonly concurrency: number;
  /** How long to wait for a server to reach the wanted state (per step). */
  readonly timeoutMs: number;
  /** How long a soft reboot may take before a hard one is sent. */
  readonly softRebootTimeoutMs?: number;
  /** Check ping and ssh after start and restart; undefined skips the check. */
  readonly verify?: ReachabilityOptions;
  /** How long the guest may take to answer ping and ssh after it is ACTIVE. */
  readonly verifyTimeoutMs: number;
  /** Restart with a hard reboot straight away. */
  readonly hard?: boolean;
  readonly signal?: AbortSignal;
  /** Live progress: a line about one server; `outcome` once it is done. */
  readonly onProgress?: (event: { server: ServerRef; message: string; outcome?: ServerOutcome }) => void;
  /** For tests: the first poll interval (grows to 2 s). */
  readonly pollMs?: number;
  readonly now?: () => number;
}

/** What would be done to one server, judged from the state in hand. */
export interface PlannedServer {
  readonly server: ServerRef;
  readonly status: string;
  readonly vmState?: string | null;
  readonly taskState?: string | null;
  readonly steps: readonly string[];
  readonly note: string;
}

export function refOf(server: Server): ServerRef {
  return {
    id: server.id,
    name: server.name,
    ...(server.host ? { host: server.host } : {}),
    ...(server.region ? { region: server.region } : {}),
  };
}

export function stateOf(server: Pick<Server, 'status' | 'vmState' | 'taskState'>): string {
  return `${server.status}/${server.vmState ?? '?'}/${server.taskState ?? '-'}`;
}

const busy = (s: Server): boolean => Boolean(s.taskState);
const isStopped = (s: Server): boolean => s.status === 'SHUTOFF' && !busy(s);
const isActive = (s: Server): boolean => s.status === 'ACTIVE' && !busy(s);

/** The plan `--dry-run` prints, and the confirmation shows before anything happens. */
export function planPower(verb: PowerVerb, servers: readonly Server[], options: { verify: boolean; hard?: boolean }): PlannedServer[] {
  return servers.map((s) => withDbWarning(s, planOne(verb, s, options)));
}

/** The catalog's first rule: know when a DB server is affected, so the DB on-call can be told. */
export function isDbServer(s: Pick<Server, 'metadata'>): boolean {
  return s.metadata['role']?.toLowerCase() === 'db';
}

function withDbWarning(s: Server, p: PlannedServer): PlannedServer {
  if (!isDbServer(s) || p.steps.every((x) => x.startsWith('verify'))) return p;
  return { ...p, note: ['DB server: tell the DB on-call', p.note].filter(Boolean).join('; ') };
}

function planOne(verb: PowerVerb, s: Server, options: { verify: boolean; hard?: boolean }): PlannedServer {
  const base = { server: refOf(s), status: s.status, ...(s.vmState !== undefined ? { vmState: s.vmState } : {}), ...(s.taskState !== undefined ? { taskState: s.taskState } : {}) };
  const verify = options.verify ? ['verify ping+ssh'] : [];
  const wait = busy(s) ? [`wait for task ${s.taskState}`] : [];
  if (verb === 'stop') {
    if (isStopped(s)) return { ...base, steps: [], note: 'already stopped' };
    return { ...base, steps: [...wait, 'stop', 'wait for SHUTOFF'], note: busy(s) ? `a task is running (${s.taskState}); stop once it ends` : '' };
  }
  if (verb === 'start') {
    if (isActive(s)) return { ...base, steps: verify, note: 'already active' };
    return { ...base, steps: [...wait, 'start', 'wait for ACTIVE', ...verify], note: s.status === 'SHUTOFF' || busy(s) ? '' : `Nova starts only SHUTOFF servers; this one is ${s.status}` };
  }
  if (isStopped(s)) return { ...base, steps: ['start', 'wait for ACTIVE', ...verify], note: 'stopped: restart means start' };
  const hard = options.hard || s.status === 'ERROR' || busy(s);
  return {
    ...base,
    steps: hard ? ['reboot HARD', 'wait for ACTIVE', ...verify] : ['reboot SOFT', 'wait for ACTIVE', ...verify, 'reboot HARD if the guest stays silent'],
    note: options.hard ? '' : s.status === 'ERROR' ? 'ERROR: only a hard reboot is possible' : busy(s) ? `a task is running (${s.taskState}): hard reboot` : '',
  };
}

class Deadline extends Error {}

/** Runs the verb on every server, at most `concurrency` at once; never throws for one server's failure. */
export async function runPower(verb: PowerVerb, servers: readonly LocatedServer[], options: PowerOptions): Promise<ServerOutcome[]> {
  return mapBounded(servers, Math.max(1, options.concurrency), async (located) => {
    const run = new ServerRun(verb, located, options);
    let outcome: ServerOutcome;
    try {
      outcome = await run.execute();
    } catch (err) {
      outcome = run.failed(err);
    }
    options.onProgress?.({ server: outcome.server, message: outcome.summary, outcome });
    return outcome;
  });
}

/** One server's run: its current state, the records so far, and the steps. */
class ServerRun {
  readonly #verb: PowerVerb;
  readonly #at: LocatedServer['at'];
  readonly #o: PowerOptions;
  readonly #records: ActionRecord[] = [];
  #server: Server;
  #reach: Reachability | undefined;
  readonly #now: () => number;

  constructor(verb: PowerVerb, located: LocatedServer, options: PowerOptions) {
    this.#verb = verb;
    this.#at = located.at;
    this.#server = located.server;
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  get #ref(): ServerRef {
    return refOf(this.#server);
  }

  #progress(message: string): void {
    this.#o.onProgress?.({ server: this.#ref, message });
  }

  async execute(): Promise<ServerOutcome> {
    switch (this.#verb) {
      case 'stop':
        return this.#stop();
      case 'start':
        return this.#start();
      case 'restart':
        return this.#restart();
    }
  }

  failed(err: unknown): ServerOutcome {
    const message = err instanceof Deadline ? err.message : errorMessage(err);
    return this.#outcome(false, `failed: ${message}`);
  }

  #outcome(ok: boolean, summary: string): ServerOutcome {
    const s = this.#server;
    return {
      server: this.#ref,
      verb: this.#verb,
      ok,
      summary,
      status: s.status,
      ...(s.vmState !== undefined ? { vmState: s.vmState } : {}),
      ...(s.taskState !== undefined ? { taskState: s.taskState } : {}),
      ...(this.#reach ? { reachability: this.#reach } : {}),
      records: [...this.#records],
    };
  }

  #record(action: ActionKind, started: number, result: ActionResult, detail: string, before?: string, requestId?: string): void {
    const finished = this.#now();
    this.#records.push({
      at: new Date(started).toISOString(),
      finishedAt: new Date(finished).toISOString(),
      durationMs: finished - started,
      actor: this.#o.actor,
      action,
      server: this.#ref,
      result,
      ...(before !== undefined ? { before } : {}),
      after: stateOf(this.#server),
      detail,
      ...(requestId ? { requestId } : {}),
    });
  }

  async #refresh(): Promise<Server> {
    this.#server = await getServer(this.#at.client, this.#server.id, this.#o.signal);
    return this.#server;
  }

  /** Polls until `done` holds; a Deadline error after `timeoutMs`. A server that vanished is an error too. */
  async #waitFor(what: string, done: (s: Server) => boolean, timeoutMs = this.#o.timeoutMs): Promise<Server> {
    const until = this.#now() + timeoutMs;
    let interval = this.#o.pollMs ?? 500;
    let last = '';
    for (;;) {
      const s = await this.#refresh().catch((err: unknown) => {
        if (isNotFound(err)) throw new Error('the server was deleted meanwhile');
        throw err;
      });
      if (done(s)) return s;
      const state = stateOf(s);
      if (state !== last) this.#progress(`${state}, waiting for ${what}`);
      last = state;
      if (this.#now() >= until) throw new Deadline(`still ${state} after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
      await sleep(Math.min(interval, Math.max(0, until - this.#now())), this.#o.signal);
      interval = Math.min(2000, Math.round(interval * 1.5));
    }
  }

  /** A running task (powering-on, rebooting, …) must end before another action is accepted. */
  async #waitIdle(): Promise<void> {
    if (!busy(this.#server)) return;
    this.#progress(`task ${this.#server.taskState} is running; waiting for it to end`);
    await this.#waitFor('the running task to end', (s) => !busy(s));
  }

  /**
   * Sends one action and waits for its result, recording both as one audit
   * record. A 409 means Nova disagrees about the state: the server is read again
   * and `accept` decides whether the wanted state holds or is under way (then
   * the wait goes on and the record says `unchanged`), or not (a failure).
   * Returns 'sent' or 'moot' (409, but nothing needed doing).
   */
  async #act(
    action: ActionKind,
    body: Record<string, unknown>,
    accept: (s: Server) => boolean,
    wait: { what: string; done: (s: Server) => boolean; timeoutMs?: number },
  ): Promise<'sent' | 'moot'> {
    const started = this.#now();
    const before = stateOf(this.#server);
    this.#progress(`${action} requested`);
    let how: 'sent' | 'moot' = 'sent';
    let detail = 'accepted by Nova (202)';
    let requestId: string | undefined;
    try {
      requestId = await serverAction(this.#at.client, this.#server.id, body, this.#o.signal);
    } catch (err) {
      requestId = err instanceof OpenStackHttpError ? err.requestId : undefined;
      if (!isConflict(err)) {
        this.#record(action, started, 'failed', errorMessage(err), before, requestId);
        throw err;
      }
      const s = await this.#refresh();
      if (!accept(s)) {
        this.#record(action, started, 'failed', `Nova answered 409 and the server is ${stateOf(s)}: ${errorMessage(err)}`, before, requestId);
        throw err;
      }
      how = 'moot';
      detail = `Nova answered 409; read again: ${stateOf(s)}, already as wanted or on its way`;
    }
    try {
      await this.#waitFor(wait.what, wait.done, wait.timeoutMs);
    } catch (err) {
      this.#record(action, started, 'failed', `${detail}, but ${err instanceof Deadline ? err.message : errorMessage(err)}`, before, requestId);
      throw err;
    }
    this.#record(action, started, how === 'sent' ? 'ok' : 'unchanged', `${detail}; ${wait.what} after ${((this.#now() - started) / 1000).toFixed(1)} s`, before, requestId);
    return how;
  }

  async #stop(): Promise<ServerOutcome> {
    await this.#waitIdle();
    if (isStopped(this.#server)) {
      this.#record('stop', this.#now(), 'unchanged', 'already SHUTOFF; nothing sent');
      return this.#outcome(true, 'already stopped');
    }
    const how = await this.#act('stop', { 'os-stop': null }, (s) => s.status === 'SHUTOFF' || s.taskState === 'powering-off', { what: 'SHUTOFF', done: isStopped });
    return this.#outcome(true, how === 'sent' ? 'stopped' : 'already stopped');
  }

  async #startNow(): Promise<'sent' | 'moot'> {
    return this.#act('start', { 'os-start': null }, (s) => s.status === 'ACTIVE' || s.taskState === 'powering-on', { what: 'ACTIVE', done: isActive });
  }

  async #start(): Promise<ServerOutcome> {
    await this.#waitIdle();
    if (isActive(this.#server)) {
      this.#record('start', this.#now(), 'unchanged', 'already ACTIVE; nothing sent');
      return this.#verified('already active');
    }
    const how = await this.#startNow();
    return this.#verified(how === 'sent' ? 'started' : 'already active');
  }

  async #restart(): Promise<ServerOutcome> {
    if (isStopped(this.#server)) {
      // A stopped server is restarted by starting it; Nova's reboot of a SHUTOFF server is a hard one anyway.
      const how = await this.#startNow();
      return this.#verified(how === 'sent' ? 'started (was stopped)' : 'already active');
    }
    const hardFirst = this.#o.hard || this.#server.status === 'ERROR' || busy(this.#server);
    if (!hardFirst) {
      const soft = await this.#softReboot();
      if (soft.ok) return soft;
      // A refused or closed connection comes from a running guest kernel: its sshd is down or
      // blocked, which a hard reboot would not mend. Only a silent or hanging guest gets one.
      if (soft.reachability && guestAnswers(soft.reachability)) {
        return { ...soft, summary: `${soft.summary}; no hard reboot, because the guest answers (ssh ${soft.reachability.ssh})` };
      }
      this.#progress(`${soft.summary}; trying a hard reboot`);
    }
    await this.#act('reboot-hard', { reboot: { type: 'HARD' } }, (s) => /^reboot.*_hard$|^rebooting_hard$/.test(s.taskState ?? ''), {
      what: 'ACTIVE after the hard reboot',
      done: isActive,
    });
    return this.#verified(hardFirst ? 'rebooted (hard)' : 'rebooted (hard, after the soft reboot did not bring it back)');
  }

  /** A soft reboot, judged by whether the server is ACTIVE and answers within the soft limit. Never throws for Nova's refusals or slowness. */
  async #softReboot(): Promise<ServerOutcome> {
    try {
      await this.#act('reboot-soft', { reboot: { type: 'SOFT' } }, (s) => /^reboot/.test(s.taskState ?? ''), {
        what: 'ACTIVE after the soft reboot',
        done: isActive,
        timeoutMs: this.#o.softRebootTimeoutMs ?? this.#o.timeoutMs,
      });
    } catch (err) {
      if (isConflict(err)) return this.#outcome(false, 'the soft reboot was refused');
      if (err instanceof Deadline) return this.#outcome(false, `the soft reboot did not finish: ${err.message}`);
      throw err;
    }
    return this.#verified('rebooted (soft)');
  }

  /** Checks ping and ssh until both answer or the verify timeout passes. */
  async #verified(summary: string): Promise<ServerOutcome> {
    const verify = this.#o.verify;
    if (!verify) return this.#outcome(true, summary);
    const started = this.#now();
    const until = started + this.#o.verifyTimeoutMs;
    let interval = this.#o.pollMs ?? 500;
    this.#progress('checking ping and ssh');
    for (;;) {
      const r = (await checkReachability([this.#server], verify, this.#o.signal)).get(this.#server.id);
      this.#reach = r;
      if (r && isReachable(r)) {
        this.#record('verify', started, 'ok', `ping ${r.ping ? 'answered' : 'silent'}, ssh ${r.ssh}${r.sshBanner ? ` (${r.sshBanner})` : ''}`);
        return this.#outcome(true, summary);
      }
      if (this.#now() >= until || !r || r.ping === null) {
        const why = !r || r.ping === null ? 'the server has no address to probe' : `ping ${r.ping ? 'answered' : 'silent'}, ssh ${r.ssh}${r.sshError ? ` (${r.sshError})` : ''}`;
        this.#record('verify', started, 'failed', `not reachable after ${Math.round((this.#now() - started) / 1000)} s: ${why}`);
        return this.#outcome(false, `${summary}, but not reachable: ${why}`);
      }
      await sleep(Math.min(interval, Math.max(0, until - this.#now())), this.#o.signal);
      interval = Math.min(2000, Math.round(interval * 1.5));
    }
  }
}

/** Ping answered and the SSH port answered with a refusal or a close: the guest's kernel runs. */
function guestAnswers(r: Reachability): boolean {
  return r.ping === true && (r.ssh === 'refused' || r.ssh === 'error');
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('cancelled'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error('cancelled'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
