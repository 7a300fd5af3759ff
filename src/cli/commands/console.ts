import { mapBounded } from '../../core/bounded.js';
import { errorMessage } from '../../core/errors.js';
import { resolveTarget, serversOf } from '../../act/openstack/target.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { openstackSession, positiveNumber, renderColumns } from '../openstack.js';

export interface ConsoleFlags {
  config?: string;
  format?: 'table' | 'json';
  protocol?: 'vnc' | 'spice' | 'serial';
  concurrency?: string;
  verbose?: boolean;
}

/**
 * `console`: the browser console URL (noVNC by default) of a server, or of every
 * server on a hypervisor. The URL holds a short-lived console token; it is
 * printed for the operator and never logged.
 */
export async function consoleUrl(ctx: CliContext, text: string, flags: ConsoleFlags): Promise<number> {
  const concurrency = positiveNumber('--concurrency', flags.concurrency, 8, true);
  const session = await openstackSession(ctx, flags);
  const target = await resolveTarget(session.clients, text);
  const many = target.kind !== 'server';
  const results = await mapBounded(serversOf(target), concurrency, async ({ at, server }) => {
    // Nova hands out a URL for a stopped server too, but nothing answers behind it; for a
    // whole hypervisor, say so instead of printing dead links. One named server is still asked.
    if (many && server.status !== 'ACTIVE') return { id: server.id, name: server.name, status: server.status, skipped: `not running (${server.status}); start it first` };
    try {
      const c = await at.client.getConsoleUrl(server.id, flags.protocol ? { protocol: flags.protocol } : {});
      return { id: server.id, name: server.name, status: server.status, ...c };
    } catch (err) {
      return { id: server.id, name: server.name, status: server.status, error: errorMessage(err) };
    }
  });
  const failed = results.filter((r) => 'error' in r);
  if (flags.format === 'json') ctx.term.out(`${JSON.stringify(target.kind === 'server' ? results[0] : results, null, 2)}\n`);
  else if (target.kind === 'server') {
    const r = results[0];
    if (r && 'url' in r) ctx.term.out(`${r.url}\n`);
  } else {
    ctx.term.out(renderColumns(['NAME', 'STATUS', 'URL'], results.map((r) => [r.name, r.status, 'url' in r ? r.url : 'skipped' in r ? `(${r.skipped})` : `(${r.error})`])));
  }
  const only = results[0];
  if (!many && only && only.status !== 'ACTIVE' && 'url' in only) ctx.term.err(`note: ${only.name} is ${only.status}; its console shows nothing until it runs\n`);
  for (const r of failed) if ('error' in r) ctx.term.err(`error: ${r.name} (${r.id}): no console URL: ${r.error}`);
  return failed.length > 0 ? EXIT.findings : EXIT.ok;
}
