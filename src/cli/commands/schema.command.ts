import { Argument, Command } from 'commander';
import type { CliContext } from '../context.js';

/** The names only: building the schemas themselves loads every zod schema there is. */
export const SCHEMA_NAMES = ['snapshot', 'report', 'config'] as const;
export type SchemaName = (typeof SCHEMA_NAMES)[number];

export function schemaCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return new Command('schema')
    .description('print a JSON Schema: the snapshot format, the JSON report, or faultline.yaml (for editors)')
    .addArgument(new Argument('<name>', 'which schema').choices(SCHEMA_NAMES))
    .action(async (name: SchemaName) => {
      const { printSchema } = await import('./schema.js');
      setExit(printSchema(ctx, name));
    });
}
