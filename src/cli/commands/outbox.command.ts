import { Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import type { OutboxFlags } from './outbox.js';

export function outboxCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return new Command('outbox')
    .description('the notices and pages in the store\'s outbox: what was sent, what waits for a retry, what failed; --deliver sends the due ones now')
    .option('-c, --config <file>', 'faultline.yaml to use (its store section says where the outbox is; notices.webhook and notify.pagerduty where it goes)')
    .option('--store <dir>', 'use the embedded store in this directory instead of the configured one')
    .addOption(new Option('--state <state>', 'list only rows in this state').choices(['pending', 'claimed', 'sending', 'sent', 'failed']))
    .option('--deliver', 'first send every row that is due (one attempt each; a failure is retried later with backoff)')
    .option('--limit <n>', 'at most this many rows listed', '100')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
    .addHelpText('after', '\nExit codes: 0 ok, 1 a delivery failed for good (--deliver), 2 usage or config error.')
    .action(async (flags: OutboxFlags) => {
      const { outbox } = await import('./outbox.js');
      setExit(await outbox(ctx, flags));
    });
}
