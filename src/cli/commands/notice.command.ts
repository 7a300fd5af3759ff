import { Command, Option } from 'commander';
import { collectList, type CliContext } from '../context.js';
import type { NoticeFlags } from './notice.js';

export function noticeCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return new Command('notice')
    .description('the fault notice, recovery comment or data-loss notice of an incident, as paste-safe chat Markdown; printed, or posted with --send')
    .argument('<target>', 'incident id (inc-…), alarm-feed ticket id, hypervisor or server')
    .addOption(new Option('-k, --kind <kind>', 'which notice (default: fault; data-loss for a disk failure with data loss)').choices(['fault', 'recovery', 'data-loss']))
    .addOption(new Option('--lang <lang>', 'language (default: notices.lang in faultline.yaml, else ko)').choices(['ko', 'en']))
    .option('--done <action>', 'recovery: what was done (repeatable, comma-separated)', collectList)
    .option('--confirmed-by <name>', 'recovery: who confirmed the servers are back')
    .option('--send', 'post it to notices.webhook instead of printing it (through the outbox in the store when store: or notify: is configured: retried, sent once per incident and kind, and paged to notify.pagerduty)')
    .option('-c, --config <file>', 'faultline.yaml to use')
    .option('--from <snapshot>', 'use a saved snapshot instead of collecting')
    .option('--now <time>', 'judge as of this ISO time (default: the snapshot time)')
    .option('--timeout <seconds>', 'default deadline per collector')
    .option('-v, --verbose', 'log collector progress to stderr')
    .addHelpText('after', '\nExit codes: 0 printed or posted, 1 the webhook refused it, 2 unknown target, no incident or config error, 3 run failed.')
    .action(async (target: string, flags: NoticeFlags) => {
      const { notice } = await import('./notice.js');
      setExit(await notice(ctx, target, flags));
    });
}
