import { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { LabFlags } from './lab.js';

/**
 * The lab's DEFAULT_HOSTS_SSH_PORT, written out because importing it would load the
 * whole lab (and ssh2) just to print help; startup.test.ts checks that the two agree.
 */
export const LAB_HOSTS_SSH_PORT = 2022;

export function labCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return new Command('lab')
    .description('start a simulated OpenStack fleet on loopback (Keystone, Nova, Neutron) for demos, training and tests')
    .option('--size <size>', 'small | medium | large | <regions>,<hypervisors>,<servers>', 'small')
    .option('--seed <seed>', 'the same seed gives the same fleet', 'faultline')
    .option('--port <port>', 'TCP port on 127.0.0.1 (0 = any free port)', '0')
    .option('--dir <dir>', 'where to write clouds.yaml and faultline.yaml', 'lab')
    .option('--token-ttl <seconds>', 'Keystone token lifetime', '3600')
    .option('--action-seconds <seconds>', 'how long stop/start/reboot stay in their task state', '3')
    .option('--scenario <name|file>', 'faults to set up: a shipped scenario name (see docs/lab.md) or a scenario .yaml file')
    .option('--ssh-port <port>', 'SSH port answered on every server and hypervisor address (0 = any free port)', '2222')
    .option('--hosts-ssh-port <port>', 'SSH port of the hypervisors\' shells for host facts (dmesg, smartctl, free, …; 0 = any free port)', String(LAB_HOSTS_SSH_PORT))
    .option('--no-prometheus', "do not start the clusters' Prometheus (started by default when /usr/bin/prometheus and promtool are installed)")
    .action(async (flags: LabFlags, command: Command) => {
      flags.seedGiven = command.getOptionValueSource('seed') === 'cli';
      flags.sizeGiven = command.getOptionValueSource('size') === 'cli';
      flags.sshPortGiven = command.getOptionValueSource('sshPort') === 'cli';
      flags.hostsSshPortGiven = command.getOptionValueSource('hostsSshPort') === 'cli';
      const stop = new Promise<string>((res) => {
        process.once('SIGINT', () => res('SIGINT'));
        process.once('SIGTERM', () => res('SIGTERM'));
      });
      const { runLab } = await import('./lab.js');
      setExit(await runLab(ctx, flags, stop));
    });
}
