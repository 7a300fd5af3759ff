/* eslint-disable no-control-regex -- these tests are about control characters reaching the terminal */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanReport, sampleReport } from './fixtures.js';
import { renderTable, shouldUseColor } from './table.js';

const SGR = /\x1b\[[0-9;]*m/g;
const plain = (report = sampleReport(), width?: number): string => renderTable(report, { color: false, ...(width !== undefined ? { width } : {}) });

/** The findings table: from the header row to the first blank line. */
function tableRows(text: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /SEVERITY\s+DETECTOR\s+RESOURCE\s+MESSAGE/.test(l));
  assert.ok(start >= 0, 'no findings table header');
  const end = lines.indexOf('', start);
  return lines.slice(start, end);
}

describe('renderTable', () => {
  it('starts with counts by severity and by detector status', () => {
    const text = plain();
    assert.match(text, /4 findings: 1 critical, 1 high, 1 medium, 1 low, 0 info · detectors: 2 fail, 2 pass, 1 skipped, 1 error/);
  });

  it('lists findings most urgent first with the resource and the hypervisor it is on', () => {
    const rows = tableRows(plain()).slice(1);
    assert.deepEqual(
      rows.map((r) => r.trim().split(/\s{2,}/).slice(0, 4)),
      [
        ['#1', 'critical', 'server-stuck-task', 'db-1 on com1.pg1'],
        ['#2', 'high', 'server-error', 'web-1 on com1.pg1'],
        ['#3', 'medium', 'server-error', 'dev-1 on com2.hn1dev'],
        // No incident explains a low warning: its INC cell is empty.
        ['low', 'server-stuck-task', 'dev-2 on com2.hn1dev', 'Server dev-2 is stuck in task deleting on com2.hn1dev'],
      ],
    );
  });

  it('lists the incidents before the findings: title, case, root, chain, blast radius, tickets', () => {
    const text = plain();
    const start = text.indexOf('Incidents (3)');
    assert.ok(start > 0 && start < text.indexOf('INC  SEVERITY'), 'incidents come first');
    assert.match(text, /3 incidents · 1 finding no incident explains/);
    assert.match(text, /#1 critical {2}Server db-1 is stuck in task migrating on com1\.pg1 {2}\[other, prod\]\n {3}root: server-stuck-task on db-1 on com1\.pg1\n {3}chain: db-1\n {3}blast radius: 1 server \(1 impacted\)\n {3}1 finding\(s\) · id inc-[0-9a-f]{16}/);
    assert.match(text, /#3 medium {2}Server dev-1 is in ERROR state/);
  });

  it('cuts rows to the terminal width and marks the cut', () => {
    for (const width of [60, 80, 100]) {
      const rows = tableRows(plain(sampleReport(), width));
      for (const row of rows) assert.ok([...row].length <= width, `${width}: "${row}" is ${[...row].length} wide`);
      assert.ok(rows.some((r) => r.endsWith('…')), `${width}: nothing was cut`);
    }
  });

  it('keeps whole messages when no width is given (output to a file or a pipe)', () => {
    assert.match(plain(), /Server web-1 is in ERROR state on com1\.pg1: No valid host was found\. There are not enough hosts available\.\n/);
  });

  it('lists skipped detectors with the reason and the missing input, and errored detectors with the error', () => {
    const text = plain();
    assert.match(text, /Not checked \(2\)/);
    assert.match(text, /skipped +disk-smart-failing +disks collector failed \(host-smart: ssh to com1\.pg1 timed out after 30s\) \[missing: disks\]/);
    assert.match(text, /error +alarm-storm +alarm feed returned a ticket without a host/);
  });

  it('says which detectors passed on partial input', () => {
    assert.match(plain(), /Checked on partial input \(1\)\n +pass +host-clock-drift +hostFacts only partly collected/);
  });

  it('lists failed and partial collectors, not the healthy ones', () => {
    const text = plain();
    assert.match(text, /Collection problems \(2 of 7 collectors\)/);
    assert.match(text, /failed +host-smart +disks: ssh to com1\.pg1 timed out after 30s/);
    assert.match(text, /partial +host-facts +hostFacts: com2\.hn1dev: facts not collected \(ssh refused\)/);
    assert.doesNotMatch(text, /nova-servers/);
  });

  it('marks new findings and counts and lists resolved ones when compared with a baseline', () => {
    const text = plain(sampleReport({ baseline: true }));
    const marked = tableRows(text)
      .slice(1)
      .filter((r) => r.startsWith('NEW'))
      .map((r) => r.split(/\s{2,}/).find((cell) => / on /.test(cell)));
    assert.deepEqual(marked, ['dev-1 on com2.hn1dev', 'dev-2 on com2.hn1dev']);
    assert.match(text, /Baseline \(vs reports\/2025-12-31\.json, 2025-12-31T00:05:00\.000Z\): 2 new, 2 unchanged, 1 resolved; incidents 1 new, 1 resolved/);
    assert.match(text, /#3 NEW medium {2}Server dev-1/);
    assert.match(text, /Incidents resolved since the baseline \(1\)\n {2}high {6}Server old-1 is in ERROR state/);
    assert.match(text, /Resolved since the baseline \(1\)\n +high +server-error +old-1 on com1\.pg1/);
  });

  it('has no mark column without a baseline', () => {
    assert.match(tableRows(plain())[0] ?? '', /^INC {2}SEVERITY/);
  });

  it('says plainly when there is nothing to report', () => {
    assert.match(plain(cleanReport()), /\nNo findings\.\n/);
  });

  it('writes no escape sequences at all without colour', () => {
    assert.doesNotMatch(plain(), /\x1b/);
  });

  it('colours severities with ANSI when asked', () => {
    const text = renderTable(sampleReport(), { color: true });
    assert.match(text, /\x1b\[1;97;41mcritical\x1b\[0m/);
    assert.match(text, /\x1b\[1;31mhigh\x1b\[0m/);
    assert.equal(text.replace(SGR, ''), plain());
  });

  describe('untrusted names', () => {
    const hostile = sampleReport({
      server: 'web-1\x1b]0;owned\x07\x1b[2J',
      hypervisors: ['com1\u202eevil', 'com2\r\nINJECTED LINE'],
      collectorError: 'refused\x1b[31m red',
      detectorError: 'boom\x9b31m',
    });

    it('never lets a control sequence from a name reach the terminal', () => {
      assert.doesNotMatch(plain(hostile), /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/);
      assert.doesNotMatch(renderTable(hostile, { color: true }).replace(SGR, ''), /[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    });

    it('shows the control characters it removed, so the operator sees the name is odd', () => {
      const text = plain(hostile);
      assert.match(text, /web-1\\x1b\]0;owned\\x07\\x1b\[2J/);
      assert.match(text, /com1\\u202eevil/);
      assert.match(text, /refused\\x1b\[31m red/);
    });

    it('keeps one finding per line when a name contains line breaks', () => {
      const rows = tableRows(plain(hostile));
      assert.equal(rows.length, 1 + 4);
      assert.doesNotMatch(plain(hostile), /^INJECTED LINE/m);
    });
  });
});

describe('shouldUseColor', () => {
  const cases: readonly (readonly [string, Record<string, string>, boolean, boolean])[] = [
    ['a TTY', {}, true, true],
    ['a pipe', {}, false, false],
    ['NO_COLOR on a TTY', { NO_COLOR: '1' }, true, false],
    ['NO_COLOR=0 (any non-empty value counts)', { NO_COLOR: '0' }, true, false],
    ['an empty NO_COLOR', { NO_COLOR: '' }, true, true],
    ['FORCE_COLOR on a pipe', { FORCE_COLOR: '1' }, false, true],
    ['an empty FORCE_COLOR on a pipe', { FORCE_COLOR: '' }, false, true],
    ['FORCE_COLOR=0 on a TTY', { FORCE_COLOR: '0' }, true, false],
    ['FORCE_COLOR=false on a TTY', { FORCE_COLOR: 'false' }, true, false],
    ['NO_COLOR and FORCE_COLOR together (the opt-out wins)', { NO_COLOR: '1', FORCE_COLOR: '1' }, true, false],
    ['TERM=dumb on a TTY', { TERM: 'dumb' }, true, false],
  ];
  for (const [name, env, tty, expected] of cases) {
    it(`${expected ? 'colours' : 'does not colour'} ${name}`, () => assert.equal(shouldUseColor(env, tty), expected));
  }
});
