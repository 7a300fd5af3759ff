import { Command, CommanderError } from 'commander';
import { errorMessage } from '../core/errors.js';
// Only the commands' definitions: each loads its implementation when it runs, so
// `--version`, `--help` and `snapshot` do not pay for the lab, the detectors or ssh2.
// startup.test.ts fails when a static import brings them back.
import { checkHostCommand } from './commands/check-host.command.js';
import { consoleCommand } from './commands/console.command.js';
import { demoCommand } from './commands/demo.command.js';
import { detectorsCommand } from './commands/detectors.command.js';
import { historyCommand } from './commands/history.command.js';
import { labCommand } from './commands/lab.command.js';
import { logCommand } from './commands/log.command.js';
import { scanCommand } from './commands/scan.command.js';
import { serveCommand } from './commands/serve.command.js';
import { schemaCommand } from './commands/schema.command.js';
import { showCommand } from './commands/show.command.js';
import { snapshotCommand } from './commands/snapshot.command.js';
import { spareCommand } from './commands/spare.command.js';
import { storeCommand } from './commands/store.command.js';
import { restartCommand, startCommand, stopCommand } from './commands/stop-start.command.js';
import { triageCommand } from './commands/triage.command.js';
import { noticeCommand } from './commands/notice.command.js';
import { outboxCommand } from './commands/outbox.command.js';
import { abortCommand, approveCommand, resumeCommand, runCommand, runbooksCommand, runsCommand } from './commands/run.command.js';
import { watchCommand } from './commands/watch.command.js';
import type { CliContext } from './context.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { VERSION } from './version.js';

function configure(cmd: Command, ctx: CliContext): Command {
  cmd
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => ctx.term.out(s),
      writeErr: (s) => ctx.term.err(s.trimEnd()),
    });
  for (const sub of cmd.commands) configure(sub, ctx);
  return cmd;
}

export function buildProgram(ctx: CliContext, setExit: (code: number) => void): Command {
  const program = new Command('faultline')
    .description('Find and fix known failures in OpenStack clouds and the Kubernetes clusters on them.')
    .version(VERSION, '-V, --version')
    .addCommand(scanCommand(ctx, setExit))
    .addCommand(snapshotCommand(ctx, setExit))
    .addCommand(detectorsCommand(ctx, setExit))
    .addCommand(schemaCommand(ctx, setExit))
    .addCommand(demoCommand(ctx, setExit))
    .addCommand(labCommand(ctx, setExit))
    .addCommand(triageCommand(ctx, setExit))
    .addCommand(noticeCommand(ctx, setExit))
    .addCommand(outboxCommand(ctx, setExit))
    .addCommand(checkHostCommand(ctx, setExit))
    .addCommand(showCommand(ctx, setExit))
    .addCommand(stopCommand(ctx, setExit))
    .addCommand(startCommand(ctx, setExit))
    .addCommand(restartCommand(ctx, setExit))
    .addCommand(logCommand(ctx, setExit))
    .addCommand(consoleCommand(ctx, setExit))
    .addCommand(spareCommand(ctx, setExit))
    .addCommand(historyCommand(ctx, setExit))
    .addCommand(storeCommand(ctx, setExit))
    .addCommand(runbooksCommand(ctx, setExit))
    .addCommand(runCommand(ctx, setExit))
    .addCommand(resumeCommand(ctx, setExit))
    .addCommand(runsCommand(ctx, setExit))
    .addCommand(approveCommand(ctx, setExit))
    .addCommand(abortCommand(ctx, setExit))
    .addCommand(serveCommand(ctx, setExit))
    .addCommand(watchCommand(ctx, setExit))
    .addHelpText('after', '\nRun `faultline <command> --help` for a command\'s options. Docs: docs/ in the package.');
  return configure(program, ctx);
}

/** Parses argv, runs the command and returns the exit code; never calls process.exit itself. */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(ctx, (c) => (code = c));
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.ok;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      // Commander already printed the message (with a "did you mean" hint where it has one).
      return EXIT.usage;
    }
    ctx.term.err(`error: ${errorMessage(err)}`);
    return exitCodeFor(err);
  }
}
