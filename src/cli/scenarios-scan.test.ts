import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { runFaultline, startLabProcess, stopLabProcess } from './testing.js';
import { parse } from 'yaml';
import { detectors } from '../detect/rules/index.js';

/**
 * Table-driven over every shipped lab scenario: a scan through the real APIs,
 * probes and alarm feed reports the scenario's OpenStack-layer and alarm faults,
 * and nothing on the part of the fleet the scenario left healthy.
 */
const SCENARIOS = resolve('src/lab/scenarios');
/** Inputs the lab serves today; detectors needing others (host facts over SSH, consoles) are not judged here. */
const SERVED = new Set(['regions', 'servers', 'hypervisors', 'computeServices', 'networkAgents', 'instanceActions', 'probes', 'alarms', 'hostFacts', 'disks', 'consoleLogs']);

/**
 * Where a scenario's own detectors must report, by the fault whose targets they name:
 * its servers, or its hypervisor. Every finding of that detector must be on exactly
 * those resources, and each of them must be reported.
 */
const EXACT: Record<string, Record<string, { fault: string; on: 'servers' | 'hypervisor' }>> = {
  'guest-async-pf-panic': {
    'guest-async-pf-panic': { fault: 'stalled-guest', on: 'servers' },
    'server-unreachable': { fault: 'stalled-guest', on: 'servers' },
    'hung-task': { fault: 'stalled-guest', on: 'hypervisor' },
  },
  'root-mount-panic': {
    'root-mount-panic': { fault: 'unbootable', on: 'servers' },
    'server-unreachable': { fault: 'unbootable', on: 'servers' },
  },
  'unexpected-reboot': {
    'unexpected-reboot': { fault: 'rebooted', on: 'hypervisor' },
    'server-unrequested-shutoff': { fault: 'rebooted', on: 'servers' },
  },
};

interface Fault {
  id: string;
  status: string;
  at?: number;
  hypervisor: string | null;
  servers: { id: string; name: string | null; host: string | null }[];
}
interface Finding {
  detectorId: string;
  resource: { kind: string; id: string; name?: string; parent?: { id: string; name?: string } };
}
interface Report {
  results: { detectorId: string; status: string; reason?: string; findings: Finding[] }[];
}

const short = (h: string | null | undefined): string => (h ?? '').split('.')[0]!.toLowerCase();

async function startLab(dir: string, scenario: string): Promise<{ child: ChildProcess; admin: string; token: string }> {
  const { child, banner } = await startLabProcess(dir, ['--scenario', scenario]);
  const m = /admin\s+(\S+)\s+header X-Lab-Admin: (\S+)/.exec(banner);
  if (!m) {
    await stopLabProcess(child);
    throw new Error(`no admin endpoint in the lab banner:\n${banner}`);
  }
  return { child, admin: m[1]!, token: m[2]! };
}

const scan = (dir: string) => runFaultline(['scan', '--format', 'json', '--out', '-'], { cwd: dir, env: { OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml') } });

const files = (await readdir(SCENARIOS)).filter((f) => f.endsWith('.yaml')).sort();

describe('scanning every lab scenario', () => {
  it('ships the scenarios', () => assert.ok(files.length >= 20, `${files.length} scenarios`));

  for (const file of files) {
    const name = file.replace(/\.yaml$/, '');
    it(`${name}: reports the scenario's faults and nothing on its healthy part`, async () => {
      const spec = parse(await readFile(join(SCENARIOS, file), 'utf8')) as { covers?: string[] };
      const dir = await mkdtemp(join(tmpdir(), `fl-scn-${name}-`));
      const lab = await startLab(dir, name);
      try {
        const listFaults = async (): Promise<Fault[]> =>
          ((await (await fetch(`${lab.admin}/faults`, { headers: { 'x-lab-admin': lab.token } })).json()) as { faults: Fault[] }).faults;
        // Scheduled faults are part of the scenario: move the lab clock past the last one before scanning.
        const scheduled = (await listFaults()).filter((f) => f.status === 'scheduled');
        if (scheduled.length > 0) {
          const seconds = Math.max(...scheduled.map((f) => f.at ?? 0)) + 5;
          const res = await fetch(`${lab.admin}/clock/advance`, { method: 'POST', headers: { 'x-lab-admin': lab.token, 'content-type': 'application/json' }, body: JSON.stringify({ seconds }) });
          assert.equal(res.status < 300, true, `clock advance: ${res.status}`);
        }
        const faults = (await listFaults()).filter((f) => f.status === 'active');
        assert.equal(faults.length + (await listFaults()).filter((f) => f.status === 'unmatched').length > 0 || name === 'healthy', true, `${name} has active faults`);
        const r = await scan(dir);
        assert.equal(r.code, 0, r.stderr);
        const report = JSON.parse(r.stdout) as Report;

        const ids = new Set(detectors.map((d) => d.id));
        for (const covered of (spec.covers ?? []).filter((c) => ids.has(c))) {
          const d = detectors.find((x) => x.id === covered)!;
          if (!d.requires.every((k) => SERVED.has(k))) continue;
          const res = report.results.find((x) => x.detectorId === covered);
          assert.equal(res?.status, 'fail', `${name} covers ${covered}, which reported ${res?.status} ${res?.reason ?? ''}`);
        }

        for (const [detectorId, where] of Object.entries(EXACT[name] ?? {})) {
          const fault = faults.find((f) => f.id === where.fault);
          assert.ok(fault, `${name}: fault ${where.fault} is active`);
          const expected = where.on === 'servers' ? fault.servers.map((s) => s.id) : [short(fault.hypervisor)];
          const found = (report.results.find((x) => x.detectorId === detectorId)?.findings ?? []).map((f) => (where.on === 'servers' ? f.resource.id : short(f.resource.name ?? f.resource.id)));
          assert.deepEqual([...new Set(found)].sort(), [...expected].sort(), `${name}: ${detectorId} reports exactly the ${where.on} of ${where.fault}`);
        }

        if (name === 'mixed') return; // the demo keeps the generator's own broken servers too
        const hosts = new Set(faults.flatMap((f) => [short(f.hypervisor), ...f.servers.map((s) => short(s.host))]).filter(Boolean));
        const serverIds = new Set(faults.flatMap((f) => f.servers.map((s) => s.id)));
        const stray = report.results.flatMap((x) => x.findings).filter((f) => {
          const res = f.resource;
          if (res.kind === 'server') return !serverIds.has(res.id) && !hosts.has(short(res.parent?.name ?? res.parent?.id));
          return !hosts.has(short(res.name ?? res.id)) && !hosts.has(short(res.parent?.name ?? res.parent?.id));
        });
        assert.deepEqual(
          stray.map((f) => `${f.detectorId} on ${f.resource.kind} ${f.resource.name ?? f.resource.id}`),
          [],
          `findings outside the faulted part (faults on ${[...hosts].join(', ') || 'nothing'})`,
        );
      } finally {
        await stopLabProcess(lab.child);
      }
    });
  }
});
