import { configJsonSchema } from '../../config/index.js';
import { reportJsonSchema } from '../../report/index.js';
import { snapshotJsonSchema } from '../../snapshot/schema.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { SchemaName } from './schema.command.js';

export const SCHEMAS: Record<SchemaName, () => unknown> = {
  snapshot: snapshotJsonSchema,
  report: reportJsonSchema,
  config: configJsonSchema,
};

export function printSchema(ctx: CliContext, name: SchemaName): number {
  ctx.term.out(`${JSON.stringify(SCHEMAS[name](), null, 2)}\n`);
  return EXIT.ok;
}
