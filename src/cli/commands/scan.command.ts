import { Command, Option } from 'commander';
import { SEVERITIES } from '../../core/severity.js';
import type { ReportFormat } from '../../report/index.js';
import { collectList, type CliContext } from '../context.js';
import type { ScanFlags } from './scan.js';

const FORMATS: readonly ReportFormat[] = ['html', 'json', 'table', 'markdown'];

export function scanCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return new Command('scan')
    .description('collect fleet state (or replay a snapshot), run the detectors and write a report')
    .option('-c, --config <file>', 'faultline.yaml to use (default: ./faultline.yaml or $FAULTLINE_CONFIG)')
    .option('--from <snapshot>', 'replay a saved snapshot (.json or .json.gz) instead of collecting')
    .addOption(new Option('-f, --format <format>', 'report format').choices(FORMATS))
    .option('-o, --out <file>', 'where to write the report; - for stdout (default: report.html for html, stdout otherwise)')
    .option('--only <ids>', 'run only these detectors (comma-separated, repeatable)', collectList)
    .option('--skip <ids>', 'do not run these detectors (comma-separated, repeatable)', collectList)
    .option('--fail-on <severity>', `exit 1 when a finding has at least this severity (${SEVERITIES.join(', ')})`)
    .option('--fail-on-skipped', 'exit 1 when any detector was skipped or errored (data missing)')
    .option('--baseline <report.json>', 'mark findings new/unchanged and list resolved ones against a previous JSON report')
    .option('--save-snapshot <file>', 'also save the collected snapshot (gzip when the name ends in .gz)')
    .option('--now <time>', 'judge as of this ISO time (default: the snapshot time)')
    .option('--timeout <seconds>', 'default deadline per collector')
    .option('--record', 'record this scan in the store (default when faultline.yaml has a store section; without one, the default store directory)')
    .option('--no-record', 'do not write to the store; it is still read for the rules that need memory')
    .option('--store <dir>', 'use the embedded store in this directory instead of the configured one')
    .option('-v, --verbose', 'log collector progress to stderr')
    .addHelpText('after', '\nExit codes: 0 ok, 1 findings at --fail-on (or skipped with --fail-on-skipped), 2 usage or config error, 3 run failed.')
    .action(async (flags: ScanFlags) => {
      const { scan } = await import('./scan.js');
      setExit(await scan(ctx, flags));
    });
}
