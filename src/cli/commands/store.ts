import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { StoreError } from '../../store/errors.js';
import { exportStore, importStore } from '../../store/transfer.js';
import { loadCliConfig } from '../config.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { renderColumns } from '../openstack.js';
import { openCliStore, storeLocation } from '../store-location.js';

export interface StoreFlags {
  config?: string;
  store?: string;
  format?: 'table' | 'json';
  out?: string;
}

/** `faultline store migrate|status|export|import`. */
export async function storeVerb(ctx: CliContext, verb: 'migrate' | 'status' | 'export' | 'import', flags: StoreFlags, file?: string): Promise<number> {
  const loaded = await loadCliConfig(ctx, flags.config);
  const location = storeLocation(ctx, loaded.config.store, flags.store !== undefined ? { path: flags.store } : {}, true);
  if (!location) throw new UsageError('no store: add a store section to faultline.yaml or pass --store <dir>');
  const store = await openCliStore(ctx, loaded, location, `faultline store ${verb}`);
  try {
    switch (verb) {
      case 'migrate': {
        const m = store.migration;
        ctx.term.out(
          m.applied.length === 0
            ? `store at ${store.where} is at schema version ${m.to}; nothing to do\n`
            : `store at ${store.where}: schema version ${m.from} → ${m.to} (${m.applied.map((s) => `${s.version} ${s.name}`).join('; ')})\n`,
        );
        return EXIT.ok;
      }
      case 'status': {
        const s = await store.status();
        if (flags.format === 'json') ctx.term.out(`${JSON.stringify(s, null, 2)}\n`);
        else {
          ctx.term.out(
            `store: ${s.engine} at ${s.where}\nschema version: ${s.schemaVersion} (this faultline: ${s.binaryVersion})\n` +
              `scans: ${s.counts['scans'] ?? 0}${s.firstScanAt ? ` from ${s.firstScanAt} to ${s.lastScanAt ?? '?'}` : ''}\n` +
              `open findings: ${s.openFindings}, open incidents: ${s.openIncidents}\n\n` +
              renderColumns(['TABLE', 'ROWS'], Object.entries(s.counts).map(([t, n]) => [t, String(n)])),
          );
        }
        return EXIT.ok;
      }
      case 'export': {
        const out = flags.out ?? '-';
        if (out === '-') {
          const header = await exportStore(store, (line) => ctx.term.out(line));
          ctx.term.err(`exported ${Object.values(header.rows).reduce((a, b) => a + b, 0)} row(s) from ${store.where}`);
        } else {
          const path = resolve(ctx.cwd, out);
          const stream = createWriteStream(path);
          const header = await exportStore(store, async (line) => {
            if (!stream.write(line)) await once(stream, 'drain');
          });
          stream.end();
          await once(stream, 'finish');
          ctx.term.err(`exported ${Object.values(header.rows).reduce((a, b) => a + b, 0)} row(s) from ${store.where} to ${path}`);
        }
        return EXIT.ok;
      }
      case 'import': {
        if (file === undefined) throw new UsageError('store import: name the export file');
        const input = file === '-' ? process.stdin : createReadStream(resolve(ctx.cwd, file));
        try {
          const counts = await importStore(store, input, file === '-' ? 'stdin' : file);
          ctx.term.err(`imported ${Object.values(counts).reduce((a, b) => a + b, 0)} row(s) into ${store.where}`);
        } catch (err) {
          // A dump that does not fit, or a store that is not empty, is the user's input being wrong, not a crash.
          if (err instanceof StoreError || (err as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`store import: ${(err as Error).message}`);
          throw err;
        }
        return EXIT.ok;
      }
    }
  } finally {
    await store.close();
  }
}
