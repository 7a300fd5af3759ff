import { Command, Option } from 'commander';
import type { PowerVerb } from '../../act/openstack/power.js';
import type { CliContext } from '../context.js';
import type { Input } from '../openstack.js';
import type { PowerFlags } from './stop-start.js';

function powerCommand(ctx: CliContext, setExit: (code: number) => void, verb: PowerVerb, description: string, input?: Input): Command {
  const cmd = new Command(verb)
    .description(description)
    .argument('<target>', 'server name, FQDN, UUID or IP, or hypervisor name or FQDN (= all its servers)')
    .option('-c, --config <file>', 'faultline.yaml to use')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('-y, --yes', 'do not ask for confirmation (for scripts)')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--concurrency <n>', 'servers handled at once', '8')
    .option('--timeout <seconds>', 'how long to wait for each server to reach the wanted state', '300')
    .option('-v, --verbose', 'log API requests to stderr');
  if (verb !== 'stop') {
    cmd.option('--verify-timeout <seconds>', 'how long the guest may take to answer ping and ssh', '120').option('--no-verify', 'do not check ping and ssh afterwards');
  }
  if (verb === 'restart') {
    cmd.option('--hard', 'hard reboot straight away').option('--soft-timeout <seconds>', 'how long a soft reboot may take before a hard one is sent', '120');
  }
  return cmd
    .addHelpText('after', '\nExit codes: 0 every server ended as wanted, 1 some did not (or the prompt was declined), 2 usage or config error, or no confirmation.')
    .action(async (target: string, flags: PowerFlags) => {
      const { power } = await import('./stop-start.js');
      setExit(await power(ctx, verb, target, flags, input));
    });
}

export function stopCommand(ctx: CliContext, setExit: (code: number) => void, input?: Input): Command {
  return powerCommand(ctx, setExit, 'stop', 'stop a server, or every server on a hypervisor, and wait until SHUTOFF', input);
}

export function startCommand(ctx: CliContext, setExit: (code: number) => void, input?: Input): Command {
  return powerCommand(ctx, setExit, 'start', 'start a server, or every server on a hypervisor, wait until ACTIVE and check ping and ssh', input);
}

export function restartCommand(ctx: CliContext, setExit: (code: number) => void, input?: Input): Command {
  return powerCommand(ctx, setExit, 'restart', 'reboot a server (soft, then hard if needed), or every server on a hypervisor, and check ping and ssh', input);
}
