import { Command, Argument } from 'commander';
import { configJsonSchema } from '../../config/index.js';
import { reportJsonSchema } from '../../report/index.js';
import { snapshotJsonSchema } from '../../snapshot/schema.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';

export const SCHEMAS = {
  snapshot: snapshotJsonSchema,
  report: reportJsonSchema,
  config: configJsonSchema,
} as const;

export function schemaCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return new Command('schema')
    .description('print a JSON Schema: the snapshot format, the JSON report, or faultline.yaml (for editors)')
    .addArgument(new Argument('<name>', 'which schema').choices(Object.keys(SCHEMAS)))
    .action((name: keyof typeof SCHEMAS) => {
      ctx.term.out(`${JSON.stringify(SCHEMAS[name](), null, 2)}\n`);
      setExit(EXIT.ok);
    });
}
