import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { diskSchema, hostFactsSchema } from '../../../snapshot/schema.js';
import { assembleHost, type CommandOutput } from '../facts.js';
import { FIXTURE_DIR, fixture } from '../test-support.js';
import { parseHostDate, parseLastReboot, parseUptime } from './boot.js';
import type { Parsed } from './common.js';
import { parseConsoleOutput } from './console.js';
import { parseComposePs, parseCrictlPs } from './containers.js';
import { parseDf } from './filesystems.js';
import { parseHugepageSysfs, parseMeminfoHugepages } from './hugepages.js';
import { parseKernelLog } from './kernel-log.js';
import { parseLibvirtLogs } from './libvirt-log.js';
import { parseLsblk, parseProcSwaps } from './lsblk.js';
import { parseFree } from './memory.js';
import { parseSensors } from './sensors.js';
import { parseSmartctl, parseSmartctlJson, parseSmartctlScan, parseSmartctlText } from './smartctl.js';
import { parseSystemctlIsActive } from './systemctl.js';
import { parseCpuVirtFlag, parseIommuGroups, parseKvmOk, parseSriovTotalVfs, parseVirtualizationLog } from './virtualization.js';
import { seededRandom } from '../../../core/seeded-random.js';


const PARSERS: Record<string, (text: string) => Parsed<unknown>> = {
  kernel: (t) => parseKernelLog(t, { bootTime: '2025-01-01T00:00:00Z', offsetMinutes: 540 }),
  console: parseConsoleOutput,
  libvirt: (t) => parseLibvirtLogs(t, { maxPerFile: 20 }),
  smartctl: (t) => parseSmartctl(t, 'sda'),
  smartctlText: parseSmartctlText,
  smartctlJson: parseSmartctlJson,
  smartScan: parseSmartctlScan,
  free: parseFree,
  df: parseDf,
  compose: (t) => parseComposePs(t, 'nova'),
  crictl: parseCrictlPs,
  systemctl: (t) => parseSystemctlIsActive(t, ['docker', 'kubelet']),
  kvmOk: parseKvmOk,
  cpuFlags: parseCpuVirtFlag,
  iommu: parseIommuGroups,
  sriov: parseSriovTotalVfs,
  virtLog: parseVirtualizationLog,
  sensors: parseSensors,
  lastReboot: (t) => parseLastReboot(t, { now: new Date('2025-11-25T00:00:00Z') }),
  uptime: parseUptime,
  date: parseHostDate,
  lsblk: parseLsblk,
  swaps: parseProcSwaps,
  meminfo: parseMeminfoHugepages,
  hugepages: parseHugepageSysfs,
};

const GARBAGE = ['\u0000', '\uFFFD', '\u00b0', '[', ']', '{', '}', '"', ':', '%', '\t', '\r', '\n', '==> ', ' <==', '|', 'Tainted: ', 'Comm: ', 'ERROR cluster ', '9'.repeat(40), '-', '.'];

function mutate(text: string, random: () => number): string {
  const kind = Math.floor(random() * 5);
  switch (kind) {
    case 0:
      return text.slice(0, Math.floor(random() * text.length));
    case 1: {
      const chars = [...text];
      const n = 1 + Math.floor(random() * 20);
      for (let i = 0; i < n && chars.length > 0; i++) {
        const at = Math.floor(random() * chars.length);
        chars.splice(at, Math.floor(random() * 3), GARBAGE[Math.floor(random() * GARBAGE.length)] ?? '');
      }
      return chars.join('');
    }
    case 2: {
      const ls = text.split('\n');
      for (let i = ls.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [ls[i], ls[j]] = [ls[j] ?? '', ls[i] ?? ''];
      }
      return ls.join('\n');
    }
    case 3: {
      // Random bytes decoded as UTF-8, as a broken terminal would deliver them.
      const bytes = Buffer.alloc(Math.floor(random() * 400));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
      const at = Math.floor(random() * text.length);
      return `${text.slice(0, at)}${bytes.toString('utf8')}${text.slice(at)}`;
    }
    default:
      return text.split('\n').filter(() => random() > 0.3).join('\n');
  }
}

function checkParsed(name: string, result: Parsed<unknown>, sample: string): void {
  assert.ok(result && Array.isArray(result.warnings), `${name} returned no warnings array on ${sample}`);
  for (const w of result.warnings) assert.equal(typeof w, 'string', `${name} produced a non-string warning on ${sample}`);
  assert.doesNotThrow(() => JSON.stringify(result.value), `${name} value is not serialisable on ${sample}`);
}

const SAMPLES = readdirSync(FIXTURE_DIR)
  .filter((f) => /\.(txt|json)$/.test(f))
  .sort()
  .map((f) => ({ name: f, text: fixture(f) }));

describe('parser fuzzing', () => {
  it('no parser throws on seeded truncation, garbage and shuffling of every sample', () => {
    assert.ok(SAMPLES.length >= 30, 'fixtures are found');
    const random = seededRandom(20251125);
    const started = Date.now();
    let runs = 0;
    const iterations = 120;
    for (let i = 0; i < iterations; i++) {
      for (const sample of SAMPLES) {
        const text = mutate(sample.text, random);
        // Each parser gets the text meant for it and everybody else's: cross-feeding is the cheapest fuzz.
        const names = Object.keys(PARSERS);
        const name = names[Math.floor(random() * names.length)] ?? 'kernel';
        const parser = PARSERS[name];
        if (!parser) continue;
        let result: Parsed<unknown> | undefined;
        assert.doesNotThrow(() => {
          result = parser(text);
        }, `${name} threw on a mutation of ${sample.name} (iteration ${i})`);
        checkParsed(name, result as Parsed<unknown>, sample.name);
        runs += 1;
      }
    }
    // Non-strings (a caller passing undefined) are answered with a warning, not an exception.
    for (const [name, parser] of Object.entries(PARSERS)) checkParsed(name, parser(undefined as unknown as string), 'undefined');
    assert.ok(runs >= 3000, `ran ${runs} parser calls`);
    assert.ok(Date.now() - started < 15_000, 'fuzzing stays fast (no catastrophic regex backtracking)');
  });

  it('every parser reads every unmodified sample without throwing', () => {
    for (const sample of SAMPLES) for (const [name, parser] of Object.entries(PARSERS)) checkParsed(name, parser(sample.text), sample.name);
  });

  it('assembled host facts stay valid snapshot data whatever the outputs were', () => {
    const random = seededRandom(7);
    const ids = ['date', 'uptime', 'dmesg', 'journalKernel', 'journalBlockIo', 'libvirtLogs', 'free', 'df', 'lsblkDisks', 'lsblkTree', 'swaps', 'crictl', 'services', 'kvmOk', 'cpuFlags', 'iommuGroups', 'sriov', 'sensors', 'lastReboot', 'compose:nova', 'composeV2:neutron', 'smart:sda', 'smartText:nvme0n1'];
    for (let i = 0; i < 150; i++) {
      const outputs = new Map<string, CommandOutput>();
      for (const id of ids) {
        if (random() < 0.2) continue;
        const sample = SAMPLES[Math.floor(random() * SAMPLES.length)];
        const exitCode = random() < 0.1 ? null : random() < 0.2 ? 1 : 0;
        outputs.set(id, { command: id, stdout: mutate(sample?.text ?? '', random), stderr: random() < 0.1 ? 'bash: x: command not found' : '', exitCode, truncated: random() < 0.1 });
      }
      const { facts, disks } = assembleHost('krane-fuzz-com0001', outputs, { collectedAt: new Date('2025-11-25T00:00:00Z') });
      const f = hostFactsSchema.safeParse(facts);
      assert.ok(f.success, `hostFacts invalid on iteration ${i}: ${JSON.stringify(f.error?.issues.slice(0, 2))}`);
      for (const d of disks) {
        const r = diskSchema.safeParse(d);
        assert.ok(r.success, `disk invalid on iteration ${i}: ${JSON.stringify(r.error?.issues.slice(0, 2))}`);
      }
    }
  });
});
