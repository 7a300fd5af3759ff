import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanReport, pmHangReport, sampleReport } from './fixtures.js';
import { escapeMarkdown, renderMarkdown } from './markdown.js';

const ZWSP = '\u200b';

describe('escapeMarkdown', () => {
  const cases: readonly (readonly [string, string, string])[] = [
    ['emphasis', '*bold* and _italic_', '\\*bold\\* and \\_italic\\_'],
    ['code spans', '`rm -rf /`', '\\`rm -rf /\\`'],
    ['links', '[click](javascript:alert(1))', '\\[click\\](javascript:alert(1))'],
    ['HTML and Slack/Discord mention syntax', '<!channel> <@U123> <b>', '&lt;!channel&gt; &lt;@\u200bU123&gt; &lt;b&gt;'],
    ['ampersands, so entities in data stay literal', '&lt;', '&amp;lt;'],
    ['mentions', '@here @channel @ops-team', `@${ZWSP}here @${ZWSP}channel @${ZWSP}ops-team`],
    ['table pipes', 'a|b', 'a\\|b'],
    ['strikethrough', '~~gone~~', '\\~\\~gone\\~\\~'],
    ['a heading mark at the start', '# Title', '\\# Title'],
    ['a list mark at the start', '- item', '\\- item'],
    ['an ordered list mark at the start', '1. item', '1\\. item'],
    ['backslashes', 'C:\\temp\\*', 'C:\\\\temp\\\\\\*'],
    ['line breaks, into single spaces', 'one\n# two\r\n\tthree', 'one # two three'],
  ];
  for (const [name, input, expected] of cases) {
    it(`escapes ${name}`, () => assert.equal(escapeMarkdown(input), expected));
  }

  it('leaves ordinary names and addresses readable', () => {
    assert.equal(escapeMarkdown('com1.pg1 10.0.0.3 web-1'), 'com1.pg1 10.0.0.3 web-1');
  });

  it('makes control characters visible', () => {
    assert.equal(escapeMarkdown('a\x1b[2Jb'), 'a\\\\x1b\\[2Jb');
  });
});

describe('renderMarkdown', () => {
  const text = renderMarkdown(sampleReport({ baseline: true }));

  it('summarises counts by severity and detector status', () => {
    assert.match(text, /\*\*4 findings\*\*: 1 critical · 1 high · 1 medium · 1 low · 0 info/);
    assert.match(text, /Detectors: 2 fail · 2 pass · 1 skipped · 1 error/);
    assert.match(text, /Baseline \(vs reports\/2025-12-31\.json from 2025-12-31T00:05:00\.000Z\): \*\*2 new\*\*, 2 unchanged, 1 resolved/);
  });

  it('groups findings by severity, most urgent first', () => {
    const headings = text.split('\n').filter((l) => /^## (Critical|High|Medium|Low|Info)/.test(l));
    assert.deepEqual(headings, ['## Critical (1)', '## High (1)', '## Medium (1)', '## Low (1)']);
  });

  it('gives each finding its resource, hypervisor, message, key evidence and runbook', () => {
    const start = text.indexOf('## High');
    const block = text.slice(start, text.indexOf('\n## ', start + 1));
    assert.match(block, /- \*\*web-1\*\* on com1\.pg1: Server web-1 is in ERROR state on com1\.pg1: No valid host was found/);
    assert.match(block, /Evidence: status: ERROR · vm\\_state: error · task\\_state: \(none\) · host: com1\.pg1 · ip: 10\.0\.0\.2 · fault: No valid host/);
    assert.match(block, /runbook `vm-hang` · detector `server-error` · fingerprint `[0-9a-f]{16}`/);
  });

  it('marks new findings', () => {
    assert.match(text, /dev-1\*\* on com2\.hn1dev: .* \*\*NEW\*\*/);
    assert.doesNotMatch(text, /web-1\*\* on com1\.pg1: .*\*\*NEW\*\*/);
  });

  it('gives the remediation steps once per detector, keeping their code spans', () => {
    assert.match(text, /## Remediation\n\n\*\*Server in ERROR state\*\* \(`server-error`\), runbook `vm-hang`\n\n1\. Read the fault with `faultline show <server>` and the console log/);
  });

  it('lists skipped detectors with reasons and missing inputs, errored ones with the error', () => {
    assert.match(text, /\| `disk-smart-failing` \| skipped \| disks collector failed \(host-smart: ssh to com1\.pg1 timed out after 30s\) \(missing: disks\) \|/);
    assert.match(text, /\| `alarm-storm` \| error \| alarm feed returned a ticket without a host \|/);
    assert.match(text, /\| `host-clock-drift` \| pass on partial input \|/);
  });

  it('lists collection problems and resolved findings', () => {
    assert.match(text, /\| host-smart \| failed \| disks \| ssh to com1\.pg1 timed out after 30s \|/);
    assert.match(text, /## Resolved since the baseline \(1\)\n\n- high: \*\*old-1\*\* on com1\.pg1: Server old-1 is in ERROR state/);
  });

  it('says plainly when there is nothing to report', () => {
    assert.match(renderMarkdown(cleanReport()), /\nNo findings\.\n/);
  });

  describe('hostile names', () => {
    const hostile = renderMarkdown(
      sampleReport({
        server: '*bold* `code` @here <!channel>',
        hypervisors: ['com1|pipe', 'com2\n# Injected heading @channel'],
        fault: '[phish](https://evil.example) ~~x~~ <@U024BE7LH>',
        collectorError: 'timed out | @everyone',
      }),
    );

    it('cannot add emphasis, code or links', () => {
      assert.doesNotMatch(hostile, /(?<!\\)\*bold(?<!\\)\*/);
      assert.match(hostile, /\\\*bold\\\* \\`code\\`/);
      assert.doesNotMatch(hostile, /(?<!\\)\[phish(?<!\\)\]/);
    });

    it('cannot mention anyone', () => {
      assert.doesNotMatch(hostile, /@(here|channel|everyone|U024BE7LH)/);
      assert.match(hostile, /@\u200bhere/);
      assert.doesNotMatch(hostile, /<!channel>|<@/);
      assert.match(hostile, /&lt;!channel&gt;/);
    });

    it('cannot start a line of its own or break a table row', () => {
      assert.doesNotMatch(hostile, /^# Injected/m);
      const row = hostile.split('\n').find((l) => l.startsWith('| host-smart'));
      assert.equal(row?.match(/(?<!\\)\|/g)?.length, 5, row);
    });
  });
});

describe('renderMarkdown incidents', () => {
  it('puts the incidents first: root cause, chain, blast radius, the DB warning, owners and tickets', () => {
    const text = renderMarkdown(pmHangReport());
    const incidents = text.indexOf('## Incidents (1)');
    assert.ok(incidents > 0 && incidents < text.indexOf('## Critical'), 'incidents before the findings');
    assert.match(text, /### 1\. Hypervisor krane-pg1-com009 hung: 4 of 4 servers affected\n\n- \*\*critical\*\* · PM hang · prod zone · `inc-[0-9a-f]{16}`/);
    assert.match(text, /- Root cause: `hypervisor-down` on \*\*krane-pg1-com009\*\*/);
    assert.match(text, /- Blast radius: 4 servers \(4 impacted\), 1 DB ⚠ orders-db-1, 2 projects, 1 owner/);
    assert.match(text, /- ⚠ DB servers: \*\*orders-db-1\*\* \(already impacted: tell the DB on-call now\)/);
    assert.match(text, /- Tickets: 721440/);
    assert.match(text, /does not answer ping at 10\.0\.0\.9; nova-compute is up, enabled\. \(incident 1\)/);
  });

  it('keeps hostile names in incident titles, chains and DB warnings inert', () => {
    const text = renderMarkdown(pmHangReport({ hypervisor: 'krane-*pg1*-com009', db: '`db` <!channel> @here [x](http://e)' }));
    const section = text.slice(text.indexOf('## Incidents'), text.indexOf('## Critical'));
    assert.doesNotMatch(section, /(^|[^\\])\*pg1\*/);
    assert.match(section, /krane-\\\*pg1\\\*-com009/);
    assert.match(section, /\\`db\\` &lt;!channel&gt; @\u200bhere \\\[x\\\]\(http:\/\/e\)/);
    assert.doesNotMatch(section, /<!channel>|(^|[^\u200b])@here/);
  });
});
