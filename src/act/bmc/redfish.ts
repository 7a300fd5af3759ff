/**
 * A hypervisor's power, out of band, through its BMC's Redfish service.
 *
 * Two lessons from real BMCs shape it. A reset answered 204 has only been queued:
 * the power changes seconds later, so success is a `PowerState` read back, never
 * the status code. And a request that timed out may have reached the BMC anyway,
 * so it is never simply sent again: the power state is observed first, and a
 * reset is only repeated once the state has shown no sign of it for `resetSettleMs`.
 * A power cycle is ForceOff, seen Off, then On, seen On: every step observable.
 */
import { FaultlineError } from '../../core/errors.js';

export interface BmcTarget {
  /** The hypervisor this BMC powers. */
  readonly hypervisor: string;
  /** `https://bmc-host[:port]`, without the Redfish path. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
}

export type PowerState = 'On' | 'Off' | 'PoweringOn' | 'PoweringOff' | 'Paused';
export type PowerGoal = 'on' | 'off' | 'cycle';

export interface RedfishOptions {
  /** One HTTP request (default 10 s). */
  readonly requestTimeoutMs?: number;
  /** Waiting for one power change to show (default 5 min). */
  readonly powerTimeoutMs?: number;
  /** Between PowerState reads (default 2 s). */
  readonly pollIntervalMs?: number;
  /** After a reset whose effect does not show for this long, it may be sent once more (default 30 s). */
  readonly resetSettleMs?: number;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/** What the BMC said, or why it could not be asked; never holds credentials. */
export class RedfishError extends FaultlineError {
  constructor(
    message: string,
    readonly status: number | null = null,
    readonly messageId: string | null = null,
  ) {
    super(message);
  }
}

export interface SystemView {
  /** `/redfish/v1/Systems/1` */
  readonly path: string;
  readonly powerState: PowerState;
  readonly resetTarget: string;
  readonly resetTypes: readonly string[];
  readonly hostName: string | null;
  /** ComputerSystem.LastResetTime (Redfish 2020.3 and later): when the system was last reset; null when the BMC does not say. */
  readonly lastResetTime: string | null;
}

/** One request to the BMC that changed or might have changed something. */
export interface PowerStep {
  readonly at: string;
  readonly hypervisor: string;
  readonly resetType: string;
  /** `accepted` (2xx), `refused` (4xx/5xx), `uncertain` (no answer: it may have arrived). */
  readonly result: 'accepted' | 'refused' | 'uncertain';
  readonly status: number | null;
  readonly detail: string;
}

export interface PowerOutcome {
  readonly hypervisor: string;
  readonly goal: PowerGoal;
  readonly ok: boolean;
  /** `powered off`, `already on`, `power cycled`, `timed out waiting for Off (last PowerState PoweringOff)` */
  readonly summary: string;
  readonly before: PowerState;
  readonly after: PowerState | null;
  readonly steps: readonly PowerStep[];
}

type ResetAnswer = { result: 'accepted'; status: number; task?: string } | { result: 'refused'; status: number; messageId: string | null; message: string } | { result: 'uncertain'; message: string };

const POWER_STATES: readonly string[] = ['On', 'Off', 'PoweringOn', 'PoweringOff', 'Paused'];

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Redfish's first ExtendedInfo message, which says what went wrong in the BMC's own words. */
function extendedInfo(body: unknown): { messageId: string | null; message: string | null } {
  const error = asRecord(asRecord(body)['error']);
  const info = asRecord((error['@Message.ExtendedInfo'] as unknown[] | undefined)?.[0]);
  const messageId = typeof info['MessageId'] === 'string' ? info['MessageId'] : null;
  const message = typeof info['Message'] === 'string' ? info['Message'] : typeof error['message'] === 'string' ? error['message'] : null;
  return { messageId, message };
}

export class RedfishClient {
  readonly #target: BmcTarget;
  readonly #authorization: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  #systemPath: string | undefined;

  constructor(target: BmcTarget, options: RedfishOptions = {}) {
    this.#target = target;
    this.#authorization = `Basic ${Buffer.from(`${target.username}:${target.password}`).toString('base64')}`;
    this.#fetch = options.fetch ?? fetch;
    this.#timeoutMs = options.requestTimeoutMs ?? 10_000;
  }

  get hypervisor(): string {
    return this.#target.hypervisor;
  }

  async #request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: unknown; location: string | null }> {
    const url = new URL(path, this.#target.url).toString();
    let response: Response;
    try {
      response = await this.#fetch(url, {
        method,
        headers: { Authorization: this.#authorization, Accept: 'application/json', 'OData-Version': '4.0', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
      throw new RedfishError(timedOut ? `BMC of ${this.hypervisor}: ${method} ${path} got no answer within ${this.#timeoutMs} ms` : `BMC of ${this.hypervisor}: ${method} ${path} failed${cause}`, null, timedOut ? 'timeout' : null);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text.trim() === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed, location: response.headers.get('location') };
  }

  async #get(path: string): Promise<Record<string, unknown>> {
    const res = await this.#request('GET', path);
    if (res.status === 401) throw new RedfishError(`BMC of ${this.hypervisor} refused the credentials (401); check bmc user and password for this hypervisor`, 401);
    if (res.status !== 200) {
      const info = extendedInfo(res.body);
      throw new RedfishError(`BMC of ${this.hypervisor}: GET ${path} answered ${res.status}${info.message ? `: ${info.message}` : ''}`, res.status, info.messageId);
    }
    return asRecord(res.body);
  }

  /** Finds the system from the service root (the first member of Systems, as a BMC of one box has one). */
  async system(): Promise<SystemView> {
    if (this.#systemPath === undefined) {
      const root = await this.#get('/redfish/v1/');
      const systems = asRecord(root['Systems'])['@odata.id'];
      if (typeof systems !== 'string') throw new RedfishError(`BMC of ${this.hypervisor}: the service root names no Systems collection`);
      const members = (await this.#get(systems))['Members'];
      const first = Array.isArray(members) ? asRecord(members[0])['@odata.id'] : undefined;
      if (typeof first !== 'string') throw new RedfishError(`BMC of ${this.hypervisor}: the Systems collection is empty`);
      this.#systemPath = first;
    }
    const system = await this.#get(this.#systemPath);
    const power = system['PowerState'];
    if (typeof power !== 'string' || !POWER_STATES.includes(power)) throw new RedfishError(`BMC of ${this.hypervisor}: ${this.#systemPath} has no PowerState Redfish defines (got ${JSON.stringify(power)})`);
    const reset = asRecord(asRecord(system['Actions'])['#ComputerSystem.Reset']);
    const target = typeof reset['target'] === 'string' ? reset['target'] : `${this.#systemPath}/Actions/ComputerSystem.Reset`;
    const allowed = reset['ResetType@Redfish.AllowableValues'];
    return {
      path: this.#systemPath,
      powerState: power as PowerState,
      resetTarget: target,
      resetTypes: Array.isArray(allowed) ? allowed.filter((v): v is string => typeof v === 'string') : [],
      hostName: typeof system['HostName'] === 'string' ? system['HostName'] : null,
      lastResetTime: typeof system['LastResetTime'] === 'string' && !Number.isNaN(Date.parse(system['LastResetTime'])) ? system['LastResetTime'] : null,
    };
  }

  async powerState(): Promise<PowerState> {
    return (await this.system()).powerState;
  }

  /** Sends one reset. A request without an answer is `uncertain`, not failed: it may have been carried out. */
  async reset(resetType: string): Promise<ResetAnswer> {
    const system = await this.system();
    if (system.resetTypes.length > 0 && !system.resetTypes.includes(resetType)) {
      return { result: 'refused', status: 0, messageId: null, message: `the BMC offers ResetType ${system.resetTypes.join(', ')}, not ${resetType}` };
    }
    try {
      const res = await this.#request('POST', system.resetTarget, { ResetType: resetType });
      // A BMC that runs the reset as a task answers 202 with the task monitor's address: the audit keeps it.
      if (res.status >= 200 && res.status < 300) return { result: 'accepted', status: res.status, ...(res.location ? { task: res.location } : {}) };
      const info = extendedInfo(res.body);
      return { result: 'refused', status: res.status, messageId: info.messageId, message: info.message ?? `answered ${res.status}` };
    } catch (err) {
      if (err instanceof RedfishError && err.status === null) return { result: 'uncertain', message: err.message };
      throw err;
    }
  }
}

const sleepFor = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Drives the power to `goal` (on, off, or a cycle through off) and waits until PowerState shows it. */
export async function setPower(client: RedfishClient, goal: PowerGoal, options: RedfishOptions = {}): Promise<PowerOutcome> {
  const now = options.now ?? Date.now;
  const steps: PowerStep[] = [];
  const before = await client.powerState();
  const outcome = (ok: boolean, summary: string, after: PowerState | null): PowerOutcome => ({ hypervisor: client.hypervisor, goal, ok, summary, before, after, steps });
  if (goal === 'on' && before === 'On') return outcome(true, 'already on', before);
  if (goal === 'off' && before === 'Off') return outcome(true, 'already off', before);
  if (goal === 'cycle') {
    const off = await reach(client, 'Off', steps, options, now);
    if (!off.ok) return outcome(false, off.summary, off.state);
    const on = await reach(client, 'On', steps, options, now);
    return outcome(on.ok, on.ok ? (before === 'Off' ? 'was off: powered on' : 'power cycled') : on.summary, on.state);
  }
  const result = await reach(client, goal === 'on' ? 'On' : 'Off', steps, options, now);
  return outcome(result.ok, result.ok ? (goal === 'on' ? 'powered on' : 'powered off') : result.summary, result.state);
}

async function reach(client: RedfishClient, goal: 'On' | 'Off', steps: PowerStep[], options: RedfishOptions, now: () => number): Promise<{ ok: boolean; summary: string; state: PowerState | null }> {
  const sleep = options.sleep ?? sleepFor;
  const poll = options.pollIntervalMs ?? 2_000;
  const settle = options.resetSettleMs ?? 30_000;
  const deadline = now() + (options.powerTimeoutMs ?? 300_000);
  const resetType = goal === 'On' ? 'On' : 'ForceOff';
  const moving = goal === 'On' ? 'PoweringOn' : 'PoweringOff';
  let sent = 0;
  let lastSentAt = 0;
  let state: PowerState | null = null;
  for (;;) {
    try {
      state = await client.powerState();
    } catch (err) {
      // A BMC busy with a reset may drop a read; the deadline decides, not one failed GET. Bad credentials never heal.
      if (err instanceof RedfishError && err.status === 401) throw err;
      state = null;
    }
    if (state === goal) return { ok: true, summary: `${goal}`, state };
    // Nothing shows the last reset yet: send one only if none was sent, or the last one had its chance.
    const due = sent === 0 || (sent < 2 && now() - lastSentAt >= settle);
    if (state !== null && state !== moving && due) {
      const at = now();
      const answer = await client.reset(resetType);
      sent++;
      lastSentAt = at;
      steps.push({
        at: new Date(at).toISOString(),
        hypervisor: client.hypervisor,
        resetType,
        result: answer.result,
        status: answer.result === 'uncertain' ? null : answer.status,
        detail: answer.result === 'accepted' ? `${resetType} accepted (${answer.status}); waiting for PowerState ${goal}` : answer.message,
      });
      // 409 means the state moved under us: look again. Anything else will not get better by asking again.
      if (answer.result === 'refused' && answer.status !== 409) return { ok: false, summary: `${resetType} refused: ${answer.message}`, state };
    }
    if (now() >= deadline) return { ok: false, summary: `timed out waiting for PowerState ${goal} (last PowerState ${state ?? 'unreadable'})`, state };
    await sleep(poll);
  }
}
