import { guarded, lines, toNumber, type Parsed, type Warn } from './common.js';

/**
 * smartctl output, text (`smartctl -a`) and JSON (`smartctl -j -a`, smartctl 7.0+),
 * for ATA, NVMe and SCSI devices, reduced to the health facts detectors use.
 * smartctl's exit status is a bit mask that is non-zero on many healthy disks,
 * so the parser judges the output, never the exit code.
 */
export interface SmartFacts {
  device?: string;
  protocol: 'ATA' | 'NVMe' | 'SCSI' | 'unknown';
  model?: string;
  modelFamily?: string;
  serial?: string;
  /** Overall self-assessment; null when the output did not say. */
  smartPassed: boolean | null;
  nvmeErrorLogEntries?: number;
  mediaErrors?: number;
  reallocatedSectors?: number;
  pendingSectors?: number;
  uncorrectableSectors?: number;
  crcErrors?: number;
  temperatureC?: number;
  powerOnHours?: number;
  rotational?: boolean;
  smr?: boolean;
}

/**
 * Drive-managed SMR models that smartctl's database does not (always) label
 * "(SMR)": WD Red EFAX, WD Blue EZAZ/SPZX, Seagate Barracuda DM00x/LM0xx and
 * Archive, Toshiba DT02/MQ04. Prefix match on the model name.
 */
export const KNOWN_SMR_MODELS: readonly RegExp[] = [
  /^(?:WDC )?WD[2-6]0EFAX/i,
  /^(?:WDC )?WD[1-9]0EZAZ/i,
  /^(?:WDC )?WD(?:10|20)SPZX/i,
  /^(?:WDC )?WD(?:10|20|30|40|60)EDAZ/i,
  /^ST(?:2000DM008|3000DM007|4000DM004|6000DM003|8000DM004|1000LM048|2000LM015|3000LM024|4000LM024|5000LM000|500LM030)/i,
  /^ST\d{4,5}AS00\d\d/i,
  /^(?:TOSHIBA )?(?:DT02ABA\d+|MQ04ABF\d+|MQ04ABD\d+|HDWL1\d\d)/i,
];

export function isSmr(model: string | undefined, modelFamily: string | undefined): boolean | undefined {
  if (modelFamily && /\(SMR\)/i.test(modelFamily)) return true;
  if (model && KNOWN_SMR_MODELS.some((re) => re.test(model.trim()))) return true;
  if (modelFamily && /\(CMR\)/i.test(modelFamily)) return false;
  return model || modelFamily ? false : undefined;
}

const ATTRIBUTE_FIELDS: Record<number, keyof SmartFacts> = {
  5: 'reallocatedSectors',
  197: 'pendingSectors',
  198: 'uncorrectableSectors',
  199: 'crcErrors',
};

/** Leading integer of an ATA raw value ("38 (Min/Max 10/58)", "0x0000 12", "12h+34m" → 12). */
function rawInt(raw: string | undefined): number | undefined {
  const m = /^\s*(\d+)/.exec(raw ?? '');
  return m ? Number(m[1]) : undefined;
}

export function parseSmartctlText(text: string, device?: string): Parsed<SmartFacts> {
  return guarded(`smartctl ${device ?? ''}`.trim(), text, (): SmartFacts => ({ protocol: 'unknown', smartPassed: null }), (body, warn) => {
    const facts: SmartFacts = { protocol: 'unknown', smartPassed: null, ...(device ? { device } : {}) };
    let reportedUncorrect: number | undefined;
    let sawAttributes = false;
    for (const raw of lines(body)) {
      const line = raw.trim();
      const kv = /^([A-Za-z][^:]{1,60}?):\s+(.*)$/.exec(line);
      if (kv) {
        const key = kv[1] ?? '';
        const value = (kv[2] ?? '').trim();
        switch (key) {
          case 'Model Family':
            facts.modelFamily = value;
            break;
          case 'Device Model':
          case 'Model Number':
          case 'Product':
            facts.model = value;
            break;
          case 'Serial Number':
          case 'Serial number':
            facts.serial = value;
            break;
          case 'SMART overall-health self-assessment test result':
            facts.smartPassed = /^PASSED/.test(value) ? true : /FAIL/.test(value) ? false : null;
            break;
          case 'SMART Health Status':
            facts.smartPassed = /^OK/.test(value) ? true : false;
            if (facts.protocol === 'unknown') facts.protocol = 'SCSI';
            break;
          case 'Error Information Log Entries':
            facts.nvmeErrorLogEntries = toNumber(value);
            facts.protocol = 'NVMe';
            break;
          case 'Media and Data Integrity Errors':
            facts.mediaErrors = toNumber(value);
            break;
          case 'Temperature':
          case 'Current Drive Temperature': {
            const t = /^(-?\d+) C/.exec(value);
            if (t) facts.temperatureC = Number(t[1]);
            break;
          }
          case 'Power On Hours':
            facts.powerOnHours = toNumber(value.replace(/\s.*$/, ''));
            break;
          case 'Rotation Rate':
            facts.rotational = !/Solid State/i.test(value);
            break;
          case 'ATA Version is':
          case 'SATA Version is':
            facts.protocol = 'ATA';
            break;
          case 'NVMe Version':
            facts.protocol = 'NVMe';
            break;
          case 'Transport protocol':
            if (facts.protocol === 'unknown') facts.protocol = 'SCSI';
            break;
          default:
            break;
        }
        continue;
      }
      if (/^SMART\/Health Information \(NVMe Log/.test(line)) facts.protocol = 'NVMe';
      // Default attribute layout: ID# NAME FLAG(0x..) VALUE WORST THRESH TYPE UPDATED WHEN_FAILED RAW_VALUE
      const full = /^(\d{1,3})\s+([A-Za-z][\w-]*)\s+0x[0-9a-f]{4}\s+(\d{1,3})\s+(\d{1,3})\s+(\d{1,3}|---)\s+\S+\s+\S+\s+\S+\s+(.+)$/i.exec(line);
      // `-f brief` layout: ID# NAME FLAGS(PO--CK) VALUE WORST THRESH FAIL RAW_VALUE
      const brief = full ? null : /^(\d{1,3})\s+([A-Za-z][\w-]*)\s+[A-Z-]{6}\S*\s+(\d{1,3})\s+(\d{1,3})\s+(\d{1,3}|---)\s+\S+\s+(.+)$/.exec(line);
      const attr = full ?? brief;
      if (attr) {
        sawAttributes = true;
        if (facts.protocol === 'unknown') facts.protocol = 'ATA';
        const id = Number(attr[1]);
        const value = rawInt(attr[6]);
        const field = ATTRIBUTE_FIELDS[id];
        if (field && value !== undefined) (facts as unknown as Record<string, number>)[field] = value;
        if (id === 187 && value !== undefined) reportedUncorrect = value;
        if ((id === 194 || (id === 190 && facts.temperatureC === undefined)) && value !== undefined && value < 200) facts.temperatureC = value;
        if (id === 9 && value !== undefined) facts.powerOnHours = value;
      }
    }
    if (facts.uncorrectableSectors === undefined && reportedUncorrect !== undefined) facts.uncorrectableSectors = reportedUncorrect;
    finish(facts, warn, sawAttributes, body);
    return facts;
  });
}

function finish(facts: SmartFacts, warn: Warn, sawAttributes: boolean, body: string): void {
  const smr = isSmr(facts.model, facts.modelFamily);
  if (smr !== undefined) facts.smr = smr;
  if (facts.protocol === 'NVMe') facts.rotational = false;
  if (facts.smartPassed === null) {
    const why = /(Permission denied|Smartctl open device: .*failed[^\n]*|UNRECOGNIZED OPTION[^\n]*|Unknown USB bridge[^\n]*|SMART support is:\s+Unavailable[^\n]*|Read Device Identity failed[^\n]*)/i.exec(body);
    warn(why ? `no overall SMART result (${why[1]?.trim()})` : 'no overall SMART result in the output');
  }
  if (facts.protocol === 'ATA' && !sawAttributes) warn('no ATA attribute table in the output');
  if (facts.protocol === 'NVMe' && facts.nvmeErrorLogEntries === undefined) warn('no NVMe "Error Information Log Entries" line in the output');
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

export function parseSmartctlJson(text: string, device?: string): Parsed<SmartFacts> {
  return guarded(`smartctl -j ${device ?? ''}`.trim(), text, (): SmartFacts => ({ protocol: 'unknown', smartPassed: null }), (body, warn) => {
    let doc: Json | undefined;
    try {
      doc = obj(JSON.parse(body));
    } catch {
      doc = undefined;
    }
    if (!doc) {
      warn('output is not a JSON object (truncated or not smartctl -j?)');
      // Keep what the text reader can find: a cut-off JSON document still names the fields.
      return salvage(body, device);
    }
    const dev = obj(doc.device);
    const protocolRaw = str(dev?.protocol);
    const facts: SmartFacts = {
      protocol: protocolRaw === 'ATA' || protocolRaw === 'NVMe' || protocolRaw === 'SCSI' ? protocolRaw : 'unknown',
      smartPassed: null,
      ...(device ?? str(dev?.name) ? { device: device ?? str(dev?.name) } : {}),
    };
    const model = str(doc.model_name) ?? str(doc.scsi_model_name) ?? str(doc.product);
    if (model) facts.model = model;
    const family = str(doc.model_family);
    if (family) facts.modelFamily = family;
    const serial = str(doc.serial_number);
    if (serial) facts.serial = serial;
    const status = obj(doc.smart_status);
    if (typeof status?.passed === 'boolean') facts.smartPassed = status.passed;
    const temp = num(obj(doc.temperature)?.current);
    if (temp !== undefined) facts.temperatureC = temp;
    const hours = num(obj(doc.power_on_time)?.hours);
    if (hours !== undefined) facts.powerOnHours = hours;
    const rotation = doc.rotation_rate;
    if (typeof rotation === 'number') facts.rotational = rotation > 0;
    const nvme = obj(doc.nvme_smart_health_information_log);
    if (nvme) {
      facts.protocol = 'NVMe';
      const entries = num(nvme.num_err_log_entries);
      if (entries !== undefined) facts.nvmeErrorLogEntries = entries;
      const media = num(nvme.media_errors);
      if (media !== undefined) facts.mediaErrors = media;
      if (facts.temperatureC === undefined && num(nvme.temperature) !== undefined) facts.temperatureC = num(nvme.temperature);
      if (facts.powerOnHours === undefined && num(nvme.power_on_hours) !== undefined) facts.powerOnHours = num(nvme.power_on_hours);
    }
    const table = obj(doc.ata_smart_attributes)?.table;
    let sawAttributes = false;
    let reportedUncorrect: number | undefined;
    if (Array.isArray(table)) {
      sawAttributes = true;
      if (facts.protocol === 'unknown') facts.protocol = 'ATA';
      for (const entry of table) {
        const a = obj(entry);
        const id = num(a?.id);
        const rawObj = obj(a?.raw);
        // raw.value packs several counters for some attributes; raw.string's first number is what people read.
        const value = rawInt(str(rawObj?.string)) ?? num(rawObj?.value);
        if (id === undefined || value === undefined) continue;
        const field = ATTRIBUTE_FIELDS[id];
        if (field) (facts as unknown as Record<string, number>)[field] = value;
        if (id === 187) reportedUncorrect = value;
        if (id === 194 && facts.temperatureC === undefined && value < 200) facts.temperatureC = value;
      }
    }
    if (facts.uncorrectableSectors === undefined && reportedUncorrect !== undefined) facts.uncorrectableSectors = reportedUncorrect;
    const messages = obj(doc.smartctl)?.messages;
    if (Array.isArray(messages)) {
      for (const m of messages.slice(0, 5)) {
        const s = str(obj(m)?.string);
        const severity = str(obj(m)?.severity);
        if (s && severity !== 'information') warn(s);
      }
    }
    finish(facts, warn, sawAttributes, '');
    return facts;
  });
}

/** Reads the key fields out of a JSON document that was cut off or mangled. */
function salvage(body: string, device?: string): SmartFacts {
  const facts: SmartFacts = { protocol: 'unknown', smartPassed: null, ...(device ? { device } : {}) };
  const field = (name: string): string | undefined => new RegExp(`"${name}"\\s*:\\s*("(?:[^"\\\\]|\\\\.)*"|[^,}\\s]+)`).exec(body)?.[1];
  const s = (name: string): string | undefined => {
    const v = field(name);
    return v?.startsWith('"') ? v.slice(1, -1) : undefined;
  };
  const protocol = /"protocol"\s*:\s*"(ATA|NVMe|SCSI)"/.exec(body)?.[1];
  if (protocol === 'ATA' || protocol === 'NVMe' || protocol === 'SCSI') facts.protocol = protocol;
  const model = s('model_name');
  if (model) facts.model = model;
  const family = s('model_family');
  if (family) facts.modelFamily = family;
  const serial = s('serial_number');
  if (serial) facts.serial = serial;
  const passed = /"smart_status"\s*:\s*\{\s*"passed"\s*:\s*(true|false)/.exec(body)?.[1];
  if (passed) facts.smartPassed = passed === 'true';
  const entries = toNumber(field('num_err_log_entries'));
  if (entries !== undefined) {
    facts.nvmeErrorLogEntries = entries;
    facts.protocol = 'NVMe';
  }
  const smr = isSmr(facts.model, facts.modelFamily);
  if (smr !== undefined) facts.smr = smr;
  return facts;
}

/** Picks the reader by the first non-blank character: `{` means JSON. */
export function parseSmartctl(text: string, device?: string): Parsed<SmartFacts> {
  return typeof text === 'string' && text.trimStart().startsWith('{') ? parseSmartctlJson(text, device) : parseSmartctlText(text, device);
}

export interface ScannedDevice {
  name: string;
  type?: string;
  protocol?: string;
}

/** `smartctl --scan-open -j`: `{ "devices": [ { "name": "/dev/sda", "type": "sat", "protocol": "ATA" } ] }`; text form `/dev/sda -d sat # ...` also read. */
export function parseSmartctlScan(text: string): Parsed<ScannedDevice[]> {
  return guarded('smartctl --scan-open', text, () => [], (body, warn) => {
    const out: ScannedDevice[] = [];
    if (body.trimStart().startsWith('{')) {
      try {
        const devices = obj(JSON.parse(body))?.devices;
        if (Array.isArray(devices)) {
          for (const d of devices) {
            const name = str(obj(d)?.name);
            if (name) out.push({ name, ...(str(obj(d)?.type) ? { type: str(obj(d)?.type) } : {}), ...(str(obj(d)?.protocol) ? { protocol: str(obj(d)?.protocol) } : {}) });
          }
          return out;
        }
      } catch {
        warn('output is not valid JSON; reading device names from the text');
      }
    }
    for (const m of body.matchAll(/(\/dev\/[\w/-]+)(?:"|\s+-d\s+(\w+))/g)) {
      if (m[1] && !out.some((d) => d.name === m[1])) out.push({ name: m[1], ...(m[2] ? { type: m[2] } : {}) });
    }
    return out;
  });
}
