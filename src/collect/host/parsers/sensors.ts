import { guarded, lines, type Parsed } from './common.js';

export interface TemperatureFacts {
  sensor: string;
  celsius: number;
  highC?: number;
  critC?: number;
}

const READING = /^([^:]{1,60}):\s+([+-]?\d+(?:\.\d+)?)\s*(?:°|Â°|º|\?)?\s?C\b(.*)$/;
const LIMIT = (name: string): RegExp => new RegExp(`\\b${name}\\s*=\\s*([+-]?\\d+(?:\\.\\d+)?)`);

/**
 * lm-sensors `sensors` output: a chip name line (`coretemp-isa-0000`), an
 * `Adapter:` line, then readings such as
 * `Package id 0:  +90.0°C  (high = +80.0°C, crit = +100.0°C)`.
 * Each temperature becomes `{ sensor: "<chip>/<label>", celsius, highC, critC }`;
 * fans, voltages and power readings are ignored.
 */
export function parseSensors(text: string): Parsed<TemperatureFacts[]> {
  return guarded('sensors', text, () => [], (body, warn) => {
    const out: TemperatureFacts[] = [];
    let chip = '';
    for (const raw of lines(body)) {
      const line = raw.trimEnd();
      if (!line.trim()) {
        chip = '';
        continue;
      }
      if (!chip && /^[\w-]+-(?:isa|pci|acpi|virtual|i2c|platform|hid|mdio|scsi|spi)-[\w]+$/.test(line.trim())) {
        chip = line.trim();
        continue;
      }
      if (/^Adapter:/.test(line)) continue;
      const last = out[out.length - 1];
      if (/^\s+\(/.test(line) && last) {
        // Limits that did not fit wrap onto an indented line: "                       (crit = +84.8°C)".
        const high = LIMIT('high').exec(line)?.[1];
        const crit = LIMIT('crit').exec(line)?.[1];
        if (high && last.highC === undefined) last.highC = Number(high);
        if (crit && last.critC === undefined) last.critC = Number(crit);
        continue;
      }
      const m = READING.exec(line.trim());
      if (!m) continue;
      const celsius = Number(m[2]);
      if (!Number.isFinite(celsius) || celsius < -60 || celsius > 200) continue;
      const rest = m[3] ?? '';
      const high = LIMIT('high').exec(rest)?.[1];
      const crit = LIMIT('crit').exec(rest)?.[1];
      const label = (m[1] ?? '').trim();
      out.push({ sensor: chip ? `${chip}/${label}` : label, celsius, ...(high ? { highC: Number(high) } : {}), ...(crit ? { critC: Number(crit) } : {}) });
    }
    if (out.length === 0 && body.trim()) warn(/No sensors found/.test(body) ? 'no sensors found (lm-sensors not configured?)' : 'no temperature readings');
    return out;
  });
}
