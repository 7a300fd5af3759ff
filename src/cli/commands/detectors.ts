import { coverage, planCollectors } from '../../collect/plan.js';
import { detectors } from '../../detect/rules/index.js';
import { loadCliConfig } from '../config.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';

export interface DetectorsFlags {
  config?: string;
  format?: 'table' | 'json';
}

/** What exists, what each detector needs, and whether this configuration can provide it. */
export async function listDetectors(ctx: CliContext, flags: DetectorsFlags): Promise<number> {
  const loaded = await loadCliConfig(ctx, flags.config);
  const { config } = loaded;
  const cover = coverage(planCollectors(loaded));
  const rows = detectors.map((d) => {
    const missing = d.requires.filter((k) => !cover.get(k)?.ok);
    const enabled = config.detectors?.[d.id]?.enabled !== false;
    return {
      id: d.id,
      layer: d.layer,
      severity: config.detectors?.[d.id]?.severity ?? d.severity,
      enabled,
      requires: [...d.requires],
      canRun: enabled && missing.length === 0,
      missing: missing.map((k) => ({ input: k, reason: cover.get(k)?.reason ?? 'no collector produces it' })),
      description: d.description,
    };
  });
  if (flags.format === 'json') {
    ctx.term.out(`${JSON.stringify(rows, null, 2)}\n`);
    return EXIT.ok;
  }
  const w = Math.max(...rows.map((r) => r.id.length), 2);
  const lines = [`${'ID'.padEnd(w)}  ${'LAYER'.padEnd(10)} ${'SEVERITY'.padEnd(9)} ${'NEEDS'.padEnd(34)} STATUS`];
  for (const r of rows) {
    const status = !r.enabled ? 'disabled in config' : r.canRun ? 'ready' : `cannot run: ${r.missing.map((m) => m.input).join(', ')} not collected`;
    lines.push(`${r.id.padEnd(w)}  ${r.layer.padEnd(10)} ${r.severity.padEnd(9)} ${r.requires.join(',').padEnd(34)} ${status}`);
  }
  const reasons = new Map(rows.flatMap((r) => r.missing.map((m) => [m.input, m.reason] as const)));
  if (reasons.size > 0) {
    lines.push('', 'Inputs this configuration cannot collect:');
    for (const [k, why] of reasons) lines.push(`  ${k}: ${why}`);
  }
  ctx.term.out(`${lines.join('\n')}\n`);
  return EXIT.ok;
}
