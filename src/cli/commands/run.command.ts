import { Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import type { Input } from '../openstack.js';
import type { RunFlags } from './run.js';

const common = (cmd: Command): Command =>
  cmd
    .option('-c, --config <file>', 'faultline.yaml to use (its store section says where runs are kept)')
    .option('--store <dir>', 'use the embedded store in this directory instead of the configured one')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'));

const executing = (cmd: Command): Command =>
  cmd
    .option('-y, --yes', 'do not ask before each disruptive step (for scripts)')
    .option('--action-timeout <seconds>', 'how long one server action may take to settle', '300')
    .option('--wait-timeout <seconds>', 'cap on how long any check waits (ping gone, ssh back, hypervisor up, agents running)')
    .option('--retry-interval <seconds>', "cap on the pause between a step's tries (default: the runbook's, e.g. one minute)")
    .option('--lease-minutes <n>', 'how long a crashed run keeps its servers and hypervisor from other runs', '15')
    .option('--storm-fraction <f>', "above this fraction of the region's hypervisors down or sampled servers silent, page and do nothing disruptive (default: runbooks.stormFraction, 0.3)")
    .option('-v, --verbose', 'log API requests to stderr');

const EXITS = '\nExit codes: 0 the run is done, 1 it waits (gate, confirmation, kill switch), escalated, failed or hit a storm, 2 usage or config error, or no confirmation on a non-terminal.';

export function runbooksCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return common(new Command('runbooks'))
    .description('list the runbooks faultline can run; --halt / --release set the global kill switch')
    .option('--halt <why>', 'turn the kill switch on: no run starts a disruptive step anywhere')
    .option('--release', 'turn the kill switch off')
    .option('--by <name>', 'who sets or releases the kill switch')
    .action(async (flags: RunFlags) => {
      const { runbooksList } = await import('./run.js');
      setExit(await runbooksList(ctx, flags));
    });
}

export function runCommand(ctx: CliContext, setExit: (code: number) => void, input?: Input): Command {
  return executing(common(new Command('run')))
    .description('show the plan of a runbook on a target; --execute runs it, durably (faultline resume continues a killed run)')
    .argument('<runbook>', 'runbook id (faultline runbooks)')
    .argument('<target>', 'server name, UUID or IP; or hypervisor name')
    .option('--execute', 'run it (default: print the plan and change nothing)')
    .option('--dedup-minutes <n>', 'refuse the same runbook on the same target again within this window', '30')
    .addHelpText('after', EXITS)
    .action(async (runbook: string, target: string, flags: RunFlags) => {
      const { run } = await import('./run.js');
      setExit(await run(ctx, runbook, target, flags, input));
    });
}

export function resumeCommand(ctx: CliContext, setExit: (code: number) => void, input?: Input): Command {
  return executing(common(new Command('resume')))
    .description('continue a run that waited, was declined or was killed; nothing it finished is done again')
    .argument('<run>', 'run id (faultline runs)')
    .addHelpText('after', EXITS)
    .action(async (runId: string, flags: RunFlags) => {
      const { resume } = await import('./run.js');
      setExit(await resume(ctx, runId, flags, input));
    });
}

export function runsCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return common(new Command('runs'))
    .description('list runbook runs, or one run with its steps, approvals and audit')
    .argument('[run]', 'run id')
    .action(async (runId: string | undefined, flags: RunFlags) => {
      const { runsList } = await import('./run.js');
      setExit(await runsList(ctx, runId, flags));
    });
}

/** The gates a run can wait at, written out: the command definitions load before any runbook code (run.command.test.ts holds it to GATE_IDS). */
export const APPROVABLE_GATES = 'db-servers | fault-notice | operator | part-swapped | disk-swapped | os-reinstalled';

export function approveCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return common(new Command('approve'))
    .description('record an acknowledgement a run waits for (db-servers: the DBA; fault-notice: posted by hand; part-swapped, disk-swapped, os-reinstalled: the hands-on work at the box is done)')
    .argument('<run>', 'run id')
    .argument('<gate>', APPROVABLE_GATES)
    .requiredOption('--by <name>', 'who acknowledges')
    .option('--note <text>', 'why, or where it was agreed')
    .action(async (runId: string, gate: string, flags: RunFlags) => {
      const { approve } = await import('./run.js');
      setExit(await approve(ctx, runId, gate, flags));
    });
}

export function abortCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return common(new Command('abort'))
    .description('end a run: it does nothing more, and its servers and hypervisor are free for other runs')
    .argument('<run>', 'run id')
    .requiredOption('--by <name>', 'who aborts')
    .option('--why <text>', 'why')
    .action(async (runId: string, flags: RunFlags) => {
      const { abort } = await import('./run.js');
      setExit(await abort(ctx, runId, flags));
    });
}
