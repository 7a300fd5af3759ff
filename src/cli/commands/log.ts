import { mapBounded } from '../../core/bounded.js';
import { errorMessage } from '../../core/errors.js';
import { consoleLog } from '../../act/openstack/nova.js';
import { resolveTarget, serversOf } from '../../act/openstack/target.js';
import { showControls } from '../../report/text.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { openstackSession, positiveNumber } from '../openstack.js';

export interface LogFlags {
  config?: string;
  format?: 'text' | 'json';
  lines?: string;
  concurrency?: string;
  verbose?: boolean;
}

/**
 * `log`: a server's console log (the boot messages, where a guest kernel panic
 * shows up). For a hypervisor, every server's log, each under a header.
 */
export async function log(ctx: CliContext, text: string, flags: LogFlags): Promise<number> {
  const lines = flags.lines === undefined ? undefined : positiveNumber('--lines', flags.lines, 50, true);
  const concurrency = positiveNumber('--concurrency', flags.concurrency, 8, true);
  const session = await openstackSession(ctx, flags);
  const target = await resolveTarget(session.clients, text);
  const servers = serversOf(target);
  type Result = { server: (typeof servers)[number]['server'] } & ({ output: string } | { error: string });
  const results = await mapBounded(servers, concurrency, async ({ at, server }): Promise<Result> => {
    try {
      return { server, output: await consoleLog(at.client, server.id, lines) };
    } catch (err) {
      return { server, error: errorMessage(err) };
    }
  });
  const failed = results.filter((r) => 'error' in r).length;
  if (flags.format === 'json') {
    ctx.term.out(
      `${JSON.stringify(
        results.map((r) => ({ id: r.server.id, name: r.server.name, ...('output' in r ? { output: r.output } : { error: r.error }) })),
        null,
        2,
      )}\n`,
    );
  } else {
    for (const r of results) {
      // Console logs hold whatever the guest wrote; escape sequences must not drive the operator's terminal.
      if (target.kind === 'hypervisor') ctx.term.out(`==> ${r.server.name} (${r.server.id}) <==\n`);
      if ('output' in r) ctx.term.out(showControls(r.output.endsWith('\n') || r.output === '' ? r.output : `${r.output}\n`));
      else ctx.term.err(`error: ${r.server.name} (${r.server.id}): console log not read: ${r.error}`);
      if (target.kind === 'hypervisor') ctx.term.out('\n');
    }
  }
  return failed > 0 ? EXIT.findings : EXIT.ok;
}
