import { planPower, runPower, stateOf, type ActionRecord, type PowerVerb, type ServerOutcome } from '../../act/openstack/power.js';
import { errorMessage } from '../../core/errors.js';
import type { CliConfig } from '../config.js';
import { openCliStore, storeLocation } from '../store-location.js';
import { pingWord, sshWord } from '../../act/openstack/reachability.js';
import { resolveTarget, serversOf, type Target } from '../../act/openstack/target.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { singleLine } from '../../report/text.js';
import { askYesNo, openstackSession, positiveNumber, renderColumns, type Input } from '../openstack.js';

export interface PowerFlags {
  config?: string;
  format?: 'table' | 'json';
  yes?: boolean;
  dryRun?: boolean;
  concurrency?: string;
  timeout?: string;
  verifyTimeout?: string;
  softTimeout?: string;
  verify?: boolean;
  hard?: boolean;
  verbose?: boolean;
}

const WORDS: Record<PowerVerb, { doing: string; done: string }> = {
  stop: { doing: 'Stop', done: 'stopped' },
  start: { doing: 'Start', done: 'started' },
  restart: { doing: 'Restart', done: 'restarted' },
};

function describeTarget(target: Target): string {
  return target.kind === 'server' ? `server ${singleLine(target.server.name)} (${target.server.id})` : `hypervisor ${singleLine(target.hypervisor.name)} (${target.servers.length} servers)`;
}

/**
 * `stop`, `start` and `restart` of a server or of every server on a hypervisor:
 * plan, confirm, act with bounded concurrency, verify, summarise, audit.
 * Exit 0 when every server ended as wanted, 1 when any did not, 2 on a usage
 * error or a refusal to act without confirmation.
 */
export async function power(ctx: CliContext, verb: PowerVerb, text: string, flags: PowerFlags, input: Input = process.stdin): Promise<number> {
  const concurrency = positiveNumber('--concurrency', flags.concurrency, 8, true);
  const timeoutMs = positiveNumber('--timeout', flags.timeout, 300) * 1000;
  const verifyTimeoutMs = positiveNumber('--verify-timeout', flags.verifyTimeout, 120) * 1000;
  const softTimeoutMs = positiveNumber('--soft-timeout', flags.softTimeout, 120) * 1000;
  const verify = verb !== 'stop' && flags.verify !== false;
  const session = await openstackSession(ctx, flags);
  ctx.term.progress(`looking up ${text}`);
  const target = await resolveTarget(session.clients, text);
  ctx.term.clearProgress();
  const located = serversOf(target);
  const plan = planPower(verb, located.map((l) => l.server), { verify, ...(flags.hard ? { hard: true } : {}) });
  const json = flags.format === 'json';
  const planText =
    `${WORDS[verb].doing} ${describeTarget(target)}:\n` +
    (plan.length
      ? renderColumns(
          ['NAME', 'ID', 'STATE', 'PLAN', 'NOTE'],
          plan.map((p) => [p.server.name, p.server.id, stateOf({ status: p.status, vmState: p.vmState ?? undefined, taskState: p.taskState }), p.steps.join(' → ') || 'nothing to do', p.note]),
        )
      : '  (no servers)\n');
  if (flags.dryRun) {
    if (json) ctx.term.out(`${JSON.stringify({ verb, dryRun: true, target: targetJson(target), plan }, null, 2)}\n`);
    else ctx.term.out(`${planText}dry run: nothing was changed.\n`);
    return EXIT.ok;
  }
  ctx.term.err(planText.trimEnd());
  const acting = plan.filter((p) => p.steps.some((s) => !s.startsWith('verify'))).length;
  if (!flags.yes && acting > 0) {
    if (!input.isTTY) {
      ctx.term.err(`error: refusing to ${verb} ${acting} server(s) without confirmation: stdin is not a terminal. Pass --yes to confirm, or --dry-run to see the plan.`);
      return EXIT.usage;
    }
    const db = plan.filter((p) => p.note.startsWith('DB server')).length;
    const agreed = await askYesNo(ctx, input, `${WORDS[verb].doing} ${acting} server(s) of ${describeTarget(target)}${db ? `, ${db} of them DB servers` : ''}?`);
    if (!agreed) {
      ctx.term.err('aborted; nothing was changed.');
      return EXIT.findings;
    }
  }

  const controller = new AbortController();
  const onSignal = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  const total = located.length;
  let done = 0;
  const latest = new Map<string, string>();
  const status = (): void => {
    const running = [...latest].slice(-3).map(([name, m]) => `${name}: ${m}`).join(' · ');
    ctx.term.progress(`${verb} ${done}/${total} done${running ? ` · ${running}` : ''}`);
  };
  let outcomes: ServerOutcome[];
  try {
    outcomes = await runPower(verb, located, {
      actor: session.actor,
      concurrency,
      timeoutMs,
      softRebootTimeoutMs: softTimeoutMs,
      verifyTimeoutMs,
      ...(verify ? { verify: session.reachability } : {}),
      ...(flags.hard ? { hard: true } : {}),
      signal: controller.signal,
      onProgress: (e) => {
        if (e.outcome) {
          done++;
          latest.delete(singleLine(e.server.name));
          ctx.term.err(`${e.outcome.ok ? 'ok  ' : 'FAIL'} ${singleLine(e.server.name)} (${e.server.id}): ${singleLine(e.outcome.summary)}`);
        } else latest.set(singleLine(e.server.name), singleLine(e.message));
        status();
      },
    });
  } finally {
    process.off('SIGINT', onSignal);
    ctx.term.clearProgress();
  }
  const records = outcomes.flatMap((o) => o.records);
  const failed = outcomes.filter((o) => !o.ok);
  await recordInStore(ctx, session.loaded, verb, records);
  if (json) {
    ctx.term.out(`${JSON.stringify({ verb, target: targetJson(target), ok: failed.length === 0, outcomes, records }, null, 2)}\n`);
  } else {
    ctx.term.out(
      `\n${WORDS[verb].doing} ${describeTarget(target)}: ${outcomes.length - failed.length} ok, ${failed.length} failed\n` +
        renderColumns(
          ['NAME', 'RESULT', 'STATE', 'PING', 'SSH', 'SUMMARY'],
          outcomes.map((o) => [
            o.server.name,
            o.ok ? 'ok' : 'FAILED',
            stateOf({ status: o.status ?? '?', vmState: o.vmState ?? undefined, taskState: o.taskState }),
            o.reachability ? pingWord(o.reachability) : '-',
            o.reachability ? sshWord(o.reachability) : '-',
            o.summary,
          ]),
        ) +
        `\naudit (${records.length} record(s)):\n` +
        (records.length
          ? renderColumns(
              ['AT', 'ACTOR', 'ACTION', 'SERVER', 'RESULT', 'BEFORE', 'AFTER', 'DETAIL'],
              records.map((r) => [r.at, r.actor, r.action, r.server.name, r.result, r.before ?? '-', r.after ?? '-', r.detail]),
            )
          : '  (none)\n'),
    );
    if (failed.length > 0) ctx.term.err(`${failed.length} server(s) did not end as wanted: ${failed.map((o) => singleLine(o.server.name)).join(', ')}`);
  }
  return failed.length > 0 ? EXIT.findings : EXIT.ok;
}

/**
 * Writes the audit records into the store, when one is configured, so `history`
 * and the recurrence rule can say what was done. After acting, not before: an
 * embedded store held by a long scan must not hold up a stop. A store that
 * cannot take them is said loudly; the servers' outcome stands either way.
 */
async function recordInStore(ctx: CliContext, loaded: CliConfig, verb: PowerVerb, records: readonly ActionRecord[]): Promise<void> {
  const location = storeLocation(ctx, loaded.config.store, {}, false);
  if (!location || records.length === 0) return;
  try {
    const store = await openCliStore(ctx, loaded, location, `faultline ${verb}`);
    try {
      await store.recordActions(
        records.map((r) => ({
          at: r.at,
          finishedAt: r.finishedAt,
          actor: r.actor,
          command: `faultline ${verb}`,
          action: r.action,
          target: { kind: 'server', id: r.server.id, name: r.server.name, ...(r.server.host ? { host: r.server.host } : {}), ...(r.server.region ? { region: r.server.region } : {}) },
          result: r.result,
          ...(r.before !== undefined ? { before: r.before } : {}),
          ...(r.after !== undefined ? { after: r.after } : {}),
          detail: r.detail,
          ...(r.requestId !== undefined ? { requestId: r.requestId } : {}),
        })),
      );
    } finally {
      await store.close();
    }
  } catch (err) {
    ctx.term.err(`warning: ${records.length} audit record(s) not written to the store: ${errorMessage(err)}`);
  }
}

function targetJson(target: Target): Record<string, unknown> {
  return target.kind === 'server'
    ? { kind: 'server', query: target.query, id: target.server.id, name: target.server.name }
    : { kind: 'hypervisor', query: target.query, name: target.hypervisor.name, host: target.hypervisor.host, servers: target.servers.length };
}
