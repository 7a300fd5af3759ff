import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import { CollectorError, errorMessage } from '../../core/errors.js';
import { inventoryEntrySchema, type InventoryEntry } from '../../snapshot/schema.js';
import { formatIssues } from '../../snapshot/issues.js';
import type { Collector } from '../types.js';

const inventoryFileSchema = z.union([z.array(inventoryEntrySchema), z.object({ entries: z.array(inventoryEntrySchema) })]);

/**
 * Reads role tags and owners (DB servers, who to tell) from a YAML or JSON file
 * exported from the CMDB. The whole file is rejected when malformed: a half-read
 * inventory would silently drop a DB tag, which changes what may be done.
 */
/** Reads and validates a CMDB export (YAML or JSON); the whole file is refused when any entry is malformed. */
export async function readInventoryFile(path: string, signal?: AbortSignal): Promise<InventoryEntry[]> {
  let text: string;
  try {
    text = await readFile(path, { encoding: 'utf8', ...(signal ? { signal } : {}) });
  } catch (err) {
    throw new CollectorError(`cannot read inventory ${path}: ${errorMessage(err)}`);
  }
  let doc: unknown;
  try {
    // A .json export is read with JSON.parse: a CMDB dump of a whole fleet is megabytes, which the YAML parser reads slowly.
    doc = path.endsWith('.json') ? JSON.parse(text) : parse(text);
  } catch (err) {
    throw new CollectorError(`inventory ${path} is not valid YAML/JSON: ${errorMessage(err)}`);
  }
  const parsed = inventoryFileSchema.safeParse(doc);
  if (!parsed.success) throw new CollectorError(`inventory ${path}: ${formatIssues(parsed.error.issues, 3).join('; ')}`);
  return Array.isArray(parsed.data) ? parsed.data : parsed.data.entries;
}

export function createInventoryFileCollector(path: string): Collector {
  return {
    id: 'inventory',
    description: `inventory tags (roles, owners) from ${path}`,
    produces: ['inventory'],
    async collect(ctx) {
      return { data: { inventory: await readInventoryFile(path, ctx.signal) } };
    },
  };
}
