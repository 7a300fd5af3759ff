import type { RegionClient } from '../../act/openstack/nova.js';
import { redfishPowerDriver } from '../../act/bmc/driver.js';
import { isDbServer } from '../../act/openstack/power.js';
import { Redactor } from '../../core/redact.js';
import { checkReachability, isReachable } from '../../act/openstack/reachability.js';
import { novaEffects } from '../../act/openstack/runbook-effects.js';
import { listHypervisors } from '../../act/openstack/nova.js';
import { hostEffects, type HostEffects } from '../../act/host/host-effects.js';
import { sshShells, type OpenShell } from '../../act/host/remedy.js';
import { sshSettings } from '../../collect/plan.js';
import { hostTargetOf, loadSettings } from '../../collect/host/ssh-collector.js';
import { resolveTarget } from '../../act/openstack/target.js';
import { UsageError } from '../../core/errors.js';
import type { RunbooksConfig } from '../../config/schema.js';
import type { BusinessHours } from '../../runbook/business-hours.js';
import { GATE_IDS, HARDWARE_GATES, HOST_CONDITIONS, isHostEffect, type GateId, type Runbook, type RunbookStep } from '../../runbook/define.js';
import { executeRun } from '../../runbook/engine.js';
import { partWorkWithin, ticketCountOverTime } from '../../runbook/part-history.js';
import { chooseSpare } from '../../runbook/spares.js';
import { readInventoryFile } from '../../collect/inventory/file.js';
import { readHistory } from '../../store/history.js';
import { snapshotSchema, SNAPSHOT_SCHEMA_VERSION, type Hypervisor, type Server } from '../../snapshot/schema.js';
import { listServers } from '../../act/openstack/nova.js';
import type { PartHistory } from '../../act/openstack/runbook-effects.js';
import { PLAN_COLUMNS, planRows, runbookPlan } from '../../runbook/plan.js';
import { FINAL_STATUSES, type RunContext, type RunLedger, type RunRecord } from '../../runbook/ports.js';
import { RUNBOOKS, runbookById } from '../../runbook/runbooks/index.js';
import { escapeMarkdown } from '../../report/markdown.js';
import { singleLine } from '../../report/text.js';
import { RunConflictError, RunStore } from '../../store/runs.js';
import type { Store } from '../../store/store.js';
import { loadCliConfig, type CliConfig } from '../config.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { askYesNo, openstackSession, positiveNumber, renderColumns, type Input, type OpenStackSession } from '../openstack.js';
import { openCliStore, storeLocation } from '../store-location.js';
import { cliAnnouncer } from '../notify.js';

/**
 * `faultline runbooks | run | resume | runs | approve | abort`: thin commands
 * around the runbook engine, the store's ledger and the Nova effects.
 */

export interface RunFlags {
  config?: string;
  store?: string;
  format?: 'table' | 'json';
  execute?: boolean;
  yes?: boolean;
  by?: string;
  note?: string;
  why?: string;
  halt?: string;
  release?: boolean;
  actionTimeout?: string;
  waitTimeout?: string;
  dedupMinutes?: string;
  leaseMinutes?: string;
  stormFraction?: string;
  retryInterval?: string;
  verbose?: boolean;
}

function runbookOrThrow(id: string): Runbook {
  const r = runbookById(id);
  if (!r) throw new UsageError(`no runbook "${id}"; faultline runbooks lists them (${RUNBOOKS.map((x) => x.id).join(', ')})`);
  return r;
}

export async function runbooksList(ctx: CliContext, flags: RunFlags): Promise<number> {
  if (flags.halt !== undefined || flags.release) {
    if (!flags.by) throw new UsageError('the kill switch records who set it: give --by <name>');
    return withStore(ctx, flags, 'faultline runbooks', async (_store, runs) => {
      await runs.setHalt(!flags.release, flags.by as string, flags.halt ?? '', new Date());
      ctx.term.err(flags.release ? `kill switch released by ${flags.by}: runbooks may act again` : `kill switch on (${flags.by}: ${flags.halt}): no runbook starts a disruptive step until --release`);
      return EXIT.ok;
    });
  }
  if (flags.format === 'json') {
    ctx.term.out(`${JSON.stringify({ runbooks: RUNBOOKS.map((r) => ({ id: r.id, title: r.title, section: r.section, target: r.target, description: r.description, steps: r.steps })) }, null, 2)}\n`);
    return EXIT.ok;
  }
  ctx.term.out(renderColumns(['ID', 'TARGET', 'SECTION', 'STEPS', 'DESCRIPTION'], RUNBOOKS.map((r) => [r.id, r.target, r.section, String(r.steps.length), r.description])));
  return EXIT.ok;
}

async function withStore<T>(ctx: CliContext, flags: RunFlags, command: string, fn: (store: Store, runs: RunStore, loaded: CliConfig) => Promise<T>, loadedIn?: CliConfig, open?: Store): Promise<T> {
  const loaded = loadedIn ?? (await loadCliConfig(ctx, flags.config));
  // A store the caller holds open (faultline serve's) is used as it is and left open.
  if (open) return fn(open, new RunStore(open.engine, positiveNumber('--lease-minutes', flags.leaseMinutes, 15) * 60_000), loaded);
  const location = storeLocation(ctx, loaded.config.store, flags.store !== undefined ? { path: flags.store } : {}, true);
  if (!location) throw new UsageError('runbook runs need a store');
  const store = await openCliStore(ctx, loaded, location, command);
  try {
    return await fn(store, new RunStore(store.engine, positiveNumber('--lease-minutes', flags.leaseMinutes, 15) * 60_000), loaded);
  } finally {
    await store.close();
  }
}

/** The run's context, from Nova and a probe of the servers it may touch. */
async function contextOf(session: OpenStackSession, runbook: Runbook, text: string, zones: Readonly<Record<string, 'prod' | 'dev'>>): Promise<{ context: RunContext; at: RegionClient }> {
  const target = await resolveTarget(session.clients, text);
  if (runbook.target !== target.kind) throw new UsageError(`runbook ${runbook.id} acts on a ${runbook.target}; "${text}" is a ${target.kind}`);
  const servers = target.kind === 'server' ? [target.server] : target.servers;
  const reach = await checkReachability(servers, session.reachability);
  const runServers = servers.map((s) => {
    const r = reach.get(s.id);
    return { id: s.id, name: s.name, db: isDbServer(s), serving: r && r.ping !== null ? isReachable(r) : null };
  });
  const region = target.at.region;
  // faultline.yaml's zones: first, as the scan judges them; then the server's own metadata. Unknown stays prod-careful.
  const zone = (region ? zones[region] : undefined) ?? ((servers[0]?.metadata['zone'] as string | undefined) === 'dev' ? ('dev' as const) : undefined);
  if (target.kind === 'server') {
    return { at: target.at, context: { target: { kind: 'server', id: target.server.id, name: target.server.name }, ...(region ? { region } : {}), servers: runServers, ...(zone ? { zone } : {}) } };
  }
  const hv = target.hypervisor;
  return {
    at: target.at,
    context: {
      target: { kind: 'hypervisor', id: hv.id, name: hv.name },
      ...(region ? { region } : {}),
      hypervisor: { id: hv.id, name: hv.name, host: hv.host },
      servers: runServers,
      ...(zone ? { zone } : {}),
    },
  };
}

/** Whether a person swaps hardware in this runbook, so its gate names the spare. */
const swapsHardware = (runbook: Runbook): boolean => runbook.steps.some((s) => s.kind === 'approval' && HARDWARE_GATES.includes(s.gate));

/**
 * The spare pool's choice for the hypervisor (§5), from Nova's hypervisors and servers in every
 * region and the inventory file: what `faultline spare` says, as one sentence. A choice that
 * cannot be made is said, not fatal: the swap gate then points at faultline spare.
 */
async function spareSentence(ctx: CliContext, session: OpenStackSession, hypervisor: string): Promise<string> {
  const config = session.loaded.config;
  try {
    const hypervisors: Hypervisor[] = [];
    const servers: Server[] = [];
    for (const c of session.clients) {
      hypervisors.push(...(await listHypervisors(c.client)));
      servers.push(...(await listServers(c.client, {})));
    }
    const inventory = config.inventory ? await readInventoryFile(config.inventory.file) : [];
    const snapshot = snapshotSchema.parse({ schemaVersion: SNAPSHOT_SCHEMA_VERSION, collectedAt: new Date().toISOString(), hypervisors, servers, inventory });
    const choice = chooseSpare(snapshot, hypervisor, new Date());
    if (!choice.chosen) return `no matching spare for ${hypervisor} (${[...choice.notes, ...choice.plan.slice(0, 1)].join('; ')})`;
    return `${choice.chosen.spare.name} (priority ${choice.chosen.priority}: ${choice.chosen.why})`;
  } catch (err) {
    ctx.term.err(`warning: no spare chosen for ${hypervisor}: ${err instanceof Error ? err.message : String(err)}`);
    return `not chosen (${err instanceof Error ? err.message : String(err)}); see faultline spare ${hypervisor}`;
  }
}

/** The store's memory for the §4.7 decisions: part tickets summed over a month, and part runs on the box in a month. */
function partHistoryOf(store: Store, runs: RunStore): PartHistory {
  return {
    async ticketCount(hv) {
      const now = new Date();
      const history = await readHistory(store.engine, { now, lookbackDays: 30, episodeDetectors: [] });
      return { ...ticketCountOverTime(history.alarmTickets, hv.name, now), scans: history.scans };
    },
    async partWork(hv) {
      return partWorkWithin(await runs.list(10_000), hv.id, new Date());
    },
  };
}

/** Whether the runbook sends commands to the hypervisor's shell (and so needs faultline.yaml's hosts section). */
const usesHostShell = (runbook: Runbook): boolean =>
  runbook.steps.some((s) => (s.kind === 'action' && isHostEffect(s.effect)) || (s.kind === 'waitFor' && HOST_CONDITIONS.includes(s.condition)));

/**
 * The host effects over faultline's SSH transport, or undefined without a hosts section. The
 * key is read when the first command goes out; the hypervisor's address comes from Nova, the
 * way the scan's collector dials it (hosts.address, hosts.port).
 */
function hostEffectsOf(ctx: CliContext, loaded: CliConfig, at: RegionClient, maxWaitMs: number | undefined): HostEffects | undefined {
  const hosts = loaded.config.hosts;
  if (!hosts) return undefined;
  let shells: Promise<OpenShell> | undefined;
  return hostEffects({
    open: async (target) => (await (shells ??= loadSettings(sshSettings(hosts, ctx.env)).then((settings) => sshShells(settings))))(target),
    target: async (item) => {
      const hv = (await listHypervisors(at.client)).find((h) => h.id === item.id);
      if (!hv) throw new UsageError(`hypervisor ${item.name} (${item.id}) is no longer in Nova`);
      return hostTargetOf(hv, { address: hosts.address, port: hosts.port });
    },
    ...(maxWaitMs !== undefined ? { maxWaitMs } : {}),
  });
}

export async function run(ctx: CliContext, runbookId: string, text: string, flags: RunFlags, input: Input = process.stdin): Promise<number> {
  const runbook = runbookOrThrow(runbookId);
  const session = await openstackSession(ctx, flags);
  if (flags.execute && usesHostShell(runbook) && !session.loaded.config.hosts) {
    throw new UsageError(`runbook ${runbook.id} runs commands on the hypervisor over SSH, and ${session.loaded.file ?? 'faultline.yaml'} has no hosts section: set hosts.username, hosts.privateKey and hosts.knownHosts`);
  }
  ctx.term.progress(`looking up ${text}`);
  const found = await contextOf(session, runbook, text, session.loaded.config.zones);
  const spare = swapsHardware(runbook) && found.context.hypervisor ? await spareSentence(ctx, session, found.context.hypervisor.name) : undefined;
  const context: RunContext = spare ? { ...found.context, spare } : found.context;
  const at = found.at;
  ctx.term.clearProgress();
  const dbServing = context.servers.filter((s) => s.db && s.serving === true).map((s) => s.name);
  const planText =
    `Runbook ${runbook.id} (${runbook.title}, catalog ${runbook.section}) on ${context.target.kind} ${singleLine(context.target.name)} (${context.servers.length} server(s)):\n` +
    renderColumns([...PLAN_COLUMNS], planRows(runbookPlan(runbook))) +
    (dbServing.length ? `gate db-servers: DB server(s) still serving (${dbServing.join(', ')}): the DBA acknowledges before anything touches them.\n` : '') +
    (context.spare ? `spare pool: ${context.spare}\n` : '');
  if (!flags.execute) {
    if (flags.format === 'json') ctx.term.out(`${JSON.stringify({ runbook: runbook.id, dryRun: true, context, steps: runbook.steps }, null, 2)}\n`);
    else ctx.term.out(`${planText}plan only: nothing was changed; --execute runs it.\n`);
    return EXIT.ok;
  }
  ctx.term.err(planText.trimEnd());
  return withStore(
    ctx,
    flags,
    `faultline run ${runbook.id}`,
    async (store, runs, loaded) => {
      let created: RunRecord;
      try {
        created = await runs.create({
          runbook: runbook.id,
          context,
          createdBy: session.actor,
          at: new Date(),
          leaseTtlMs: positiveNumber('--lease-minutes', flags.leaseMinutes, 15) * 60_000,
          dedupWindowMs: positiveNumber('--dedup-minutes', flags.dedupMinutes, 30) * 60_000,
        });
      } catch (err) {
        if (err instanceof RunConflictError) throw new UsageError(err.message);
        throw err;
      }
      ctx.term.err(`run ${created.id} started`);
      return drive(ctx, flags, runbook, created.id, runs, store, at, session, loaded, input);
    },
    session.loaded,
  );
}

/**
 * `faultline resume`; faultline serve calls it too, with its own open store, to
 * continue a run whose gate was approved through the API.
 */
export async function resume(ctx: CliContext, runId: string, flags: RunFlags, input: Input = process.stdin, open?: Store): Promise<number> {
  const session = await openstackSession(ctx, flags);
  return withStore(
    ctx,
    flags,
    'faultline resume',
    async (store, runs, loaded) => {
      let record: RunRecord;
      try {
        record = await runs.run(runId);
        if (FINAL_STATUSES.has(record.status)) {
          ctx.term.err(`run ${runId} already ended (${record.status}${record.reason ? `: ${singleLine(record.reason)}` : ''}); nothing to resume`);
          return EXIT.findings;
        }
        await runs.reacquire(runId, new Date());
      } catch (err) {
        if (err instanceof RunConflictError) throw new UsageError(err.message);
        throw err;
      }
      const runbook = runbookOrThrow(record.runbook);
      const at = session.clients.find((c) => c.region === record.context.region) ?? session.clients[0];
      if (!at) throw new UsageError('no OpenStack region to resume in');
      ctx.term.err(`resuming ${runId} (${record.runbook} on ${singleLine(record.context.target.name)}, ${record.status} at step ${record.cursor + 1})`);
      return drive(ctx, flags, runbook, runId, runs, store, at, session, loaded, input);
    },
    session.loaded,
    open,
  );
}

/**
 * For the kill -9 tests: FAULTLINE_TEST_CRASH_AFTER_WRITES=n kills this process
 * right after the n-th write of the run to the store has committed, as a crash
 * at that step boundary would.
 */
function crashing(ledger: RunStore, env: NodeJS.ProcessEnv): RunLedger {
  const n = Number(env['FAULTLINE_TEST_CRASH_AFTER_WRITES'] ?? '');
  if (!Number.isInteger(n) || n <= 0) return ledger;
  let writes = 0;
  const after = async <T>(p: Promise<T>): Promise<T> => {
    const v = await p;
    if (++writes >= n) process.kill(process.pid, 'SIGKILL');
    return v;
  };
  return {
    run: (id) => ledger.run(id),
    steps: (id) => ledger.steps(id),
    approval: (id, g) => ledger.approval(id, g),
    halted: () => ledger.halted(),
    audit: (e) => ledger.audit(e),
    begin: (r) => after(ledger.begin(r)),
    finish: (k, r) => after(ledger.finish(k, r)),
    advance: (...a) => after(ledger.advance(...a)),
  };
}

/** The configured business hours, in the machine's own time zone unless one is named. */
function businessHoursOf(runbooks: RunbooksConfig): BusinessHours {
  const h = runbooks.businessHours;
  return { timeZone: h.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone, days: h.days, start: h.start, end: h.end };
}

async function drive(ctx: CliContext, flags: RunFlags, runbook: Runbook, runId: string, runs: RunStore, store: Store, at: RegionClient, session: OpenStackSession, loaded: CliConfig, input: Input): Promise<number> {
  const maxWaitMs = flags.waitTimeout !== undefined ? positiveNumber('--wait-timeout', flags.waitTimeout, 600) * 1000 : undefined;
  const host = hostEffectsOf(ctx, loaded, at, maxWaitMs);
  const effects = novaEffects({
    ...(host ? { host } : {}),
    at,
    actor: session.actor,
    reachability: session.reachability,
    // The hypervisors' BMCs from faultline.yaml's bmc: section; a run that needs one that is not configured stops with the config error.
    power: redfishPowerDriver(loaded.config.bmc, loaded.file, ctx.term.redactor ?? new Redactor()),
    actionTimeoutMs: positiveNumber('--action-timeout', flags.actionTimeout, 300) * 1000,
    stormFraction: Math.min(1, flags.stormFraction !== undefined ? positiveNumber('--storm-fraction', flags.stormFraction, 0.3) : loaded.config.runbooks.stormFraction),
    stormSample: loaded.config.runbooks.stormSample,
    ...(maxWaitMs !== undefined ? { maxWaitMs } : {}),
    // Notices and pages go through the outbox in the run's own store: a resumed run never sends one twice.
    announcer: cliAnnouncer(ctx, store, loaded.config),
    escapeChat: escapeMarkdown,
    partHistory: partHistoryOf(store, runs),
  });
  let refusedNoTty = false;
  const confirm = async (step: RunbookStep, items: readonly { name: string }[]): Promise<boolean> => {
    if (flags.yes) return true;
    if (!input.isTTY) {
      refusedNoTty = true;
      ctx.term.err(`refusing "${step.text}" on ${items.map((i) => singleLine(i.name)).join(', ')} without confirmation: stdin is not a terminal. Pass --yes, then faultline resume ${runId}.`);
      return false;
    }
    return askYesNo(ctx, input, `${step.text} (${items.map((i) => singleLine(i.name)).join(', ')})?`);
  };
  const final = await executeRun({
    runbook,
    runId,
    ledger: crashing(runs, ctx.env),
    effects,
    clock: { now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
    actor: session.actor,
    confirm,
    businessHours: businessHoursOf(loaded.config.runbooks),
    holds: { advanceNoticeMs: loaded.config.runbooks.advanceNoticeHours * 3_600_000, monitorMs: loaded.config.runbooks.monitorHours * 3_600_000 },
    ...(flags.retryInterval !== undefined ? { maxRetryIntervalMs: nonNegativeSeconds('--retry-interval', flags.retryInterval) * 1000 } : {}),
    onProgress: (e) => ctx.term.err(`${runId} ${e.stepId ?? '-'}: ${singleLine(e.message)}`),
  });
  if (flags.format === 'json') ctx.term.out(`${JSON.stringify({ run: final, steps: await runs.steps(runId), audit: await runs.auditOf(runId) }, null, 2)}\n`);
  else ctx.term.out(`run ${final.id}: ${final.status}${final.reason ? ` (${singleLine(final.reason)})` : ''}\n`);
  if (final.status === 'done') return EXIT.ok;
  return refusedNoTty ? EXIT.usage : EXIT.findings;
}

export async function runsList(ctx: CliContext, runId: string | undefined, flags: RunFlags): Promise<number> {
  return withStore(ctx, flags, 'faultline runs', async (_store, runs) => {
    if (!runId) {
      const list = await runs.list();
      if (flags.format === 'json') ctx.term.out(`${JSON.stringify({ runs: list }, null, 2)}\n`);
      else ctx.term.out(renderColumns(['RUN', 'RUNBOOK', 'TARGET', 'STATUS', 'STEP', 'UPDATED', 'REASON'], list.map((r) => [r.id, r.runbook, r.context.target.name, r.status, String(r.cursor + 1), r.updatedAt, r.reason ?? ''])));
      return EXIT.ok;
    }
    let record: RunRecord;
    try {
      record = await runs.run(runId);
    } catch (err) {
      if (err instanceof RunConflictError) throw new UsageError(err.message);
      throw err;
    }
    const [steps, audit, approvals] = [await runs.steps(runId), await runs.auditOf(runId), await runs.approvals(runId)];
    if (flags.format === 'json') {
      ctx.term.out(`${JSON.stringify({ run: record, steps, approvals, audit }, null, 2)}\n`);
      return EXIT.ok;
    }
    ctx.term.out(
      `run ${record.id}: ${record.runbook} on ${record.context.target.kind} ${record.context.target.name}, ${record.status}${record.reason ? ` (${record.reason})` : ''}\ncreated ${record.createdAt} by ${record.createdBy}\n\nsteps:\n` +
        renderColumns(['STEP', 'ITEM', 'TRY', 'STATUS', 'STARTED', 'FINISHED', 'REQUEST IDS', 'DETAIL'], steps.map((s) => [s.stepId, s.item, String(s.attempt), s.status, s.startedAt, s.finishedAt ?? '-', s.requestIds.join(' '), s.detail])) +
        `\napprovals:\n` +
        (approvals.length ? renderColumns(['GATE', 'BY', 'AT', 'NOTE'], approvals.map((a) => [a.gate, a.by, a.at, a.note ?? ''])) : '  (none)\n') +
        `\naudit:\n` +
        renderColumns(['AT', 'ACTOR', 'STEP', 'WHAT', 'WHY', 'RESULT', 'REQUEST IDS'], audit.map((a) => [a.at, a.actor, a.stepId ?? '-', a.what, a.why, a.result, a.requestIds.join(' ')])),
    );
    return EXIT.ok;
  });
}

/** Seconds, 0 allowed (no pause between tries). */
function nonNegativeSeconds(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`${flag} must be a number of seconds, 0 or more (got "${text}")`);
  return n;
}


export async function approve(ctx: CliContext, runId: string, gate: string, flags: RunFlags): Promise<number> {
  if (!(GATE_IDS as readonly string[]).includes(gate)) throw new UsageError(`no gate "${gate}"; gates: ${GATE_IDS.join(', ')}`);
  if (!flags.by) throw new UsageError('an approval records who gave it: give --by <name>');
  return withStore(ctx, flags, 'faultline approve', async (_store, runs) => {
    try {
      await runs.approve(runId, gate as GateId, flags.by as string, new Date(), flags.note ?? null);
    } catch (err) {
      if (err instanceof RunConflictError) throw new UsageError(err.message);
      throw err;
    }
    ctx.term.err(`gate ${gate} of ${runId} approved by ${flags.by}; continue with: faultline resume ${runId}`);
    return EXIT.ok;
  });
}

export async function abort(ctx: CliContext, runId: string, flags: RunFlags): Promise<number> {
  if (!flags.by) throw new UsageError('an abort records who did it: give --by <name>');
  return withStore(ctx, flags, 'faultline abort', async (_store, runs) => {
    try {
      const r = await runs.abort(runId, flags.by as string, flags.why ?? 'aborted by hand', new Date());
      ctx.term.err(`run ${r.id} aborted; nothing more will be done by it`);
    } catch (err) {
      if (err instanceof RunConflictError) throw new UsageError(err.message);
      throw err;
    }
    return EXIT.ok;
  });
}
