import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { XSS, cleanReport, hostileReport, pmHangReport, sampleReport } from './fixtures.js';
import type { Severity } from '../core/severity.js';
import { embedJson, escapeHtml, renderHtml } from './html.js';

function inlineScripts(html: string): { attrs: string; body: string }[] {
  return [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].map((m) => ({ attrs: m[1] ?? '', body: m[2] ?? '' }));
}

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    assert.equal(escapeHtml(`<a href="x" title='y'>&amp;</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
  });
});

describe('embedJson', () => {
  it('escapes what could end a script element or a line, and stays the same JSON', () => {
    const value = { name: '</script><!-- & \u2028\u2029 -->' };
    const out = embedJson(value);
    assert.doesNotMatch(out, /[<>&\u2028\u2029]/);
    assert.deepEqual(JSON.parse(out), value);
  });
});

describe('renderHtml', () => {
  const html = renderHtml(sampleReport({ baseline: true }));

  it('loads nothing from anywhere: no URLs, no src attributes, no stylesheets or imports', () => {
    assert.doesNotMatch(html, /https?:\/\//i);
    assert.doesNotMatch(html, /\ssrc\s*=/i);
    assert.doesNotMatch(html, /<link\b|@import|url\(/i);
  });

  it('allows exactly its own inline script through a hash in the Content-Security-Policy', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
    assert.ok(csp, 'no CSP meta tag');
    const code = inlineScripts(html).find((s) => s.attrs === '')?.body ?? '';
    const hash = createHash('sha256').update(code, 'utf8').digest('base64');
    assert.equal(
      csp,
      `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${hash}'; img-src data:; base-uri 'none'; form-action 'none'`,
    );
    assert.ok(html.indexOf('Content-Security-Policy') < html.indexOf('<style>'), 'the policy must come before any content');
  });

  it('has a client script that never writes markup', () => {
    const code = inlineScripts(html).find((s) => s.attrs === '')?.body ?? '';
    assert.doesNotMatch(code, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
  });

  it('embeds the full report as JSON that reads back losslessly', () => {
    const report = hostileReport();
    const data = inlineScripts(renderHtml(report)).find((s) => s.attrs.includes('application/json'));
    assert.ok(data);
    assert.deepEqual(JSON.parse(data.body), report);
  });

  it('is readable without JavaScript: every finding is rendered in each of the three views, filters are hidden', () => {
    const views = html.split('<div class="view ');
    assert.equal(views.length, 4);
    for (const view of views.slice(1)) assert.equal(view.split('</div>\n<div class="view')[0]?.match(/<details class="finding /g)?.length, 4);
    assert.match(html, /<div id="filters" class="filters" hidden>/);
  });

  it('shows the header times and snapshot counts', () => {
    assert.match(html, /Evaluated<\/dt><dd><time datetime="2026-01-01T00:00:00.000Z">2026-01-01 00:00:00 UTC<\/time>/);
    assert.match(html, /Generated<\/dt><dd><time datetime="2026-01-01T00:05:00.000Z">/);
    assert.match(html, /<strong>2<\/strong> hypervisors/);
  });

  it('shows severity cards and detector statuses', () => {
    assert.match(html, /<div class="card sev-critical"><span class="n">1<\/span><span class="label">critical<\/span>/);
    assert.match(html, /<div class="card sev-info zero"><span class="n">0<\/span>/);
    assert.match(html, /<strong>1<\/strong> skipped/);
  });

  it('opens on the incident view: each incident with its root, chain and blast radius, then the findings no incident explains', () => {
    const view = html.slice(html.indexOf('<div class="view by-incident">'), html.indexOf('<div class="view by-detector">'));
    assert.match(html, /<input type="radio" name="view" id="view-incident" class="view-radio" checked>/);
    const titles = [...view.matchAll(/<span class="title">([^<]+)<\/span>/g)].map((m) => m[1]);
    assert.deepEqual(titles, [
      '1. Server db-1 is stuck in task migrating on com1.pg1',
      '2. Server web-1 is in ERROR state on com1.pg1: No valid host was found. There are not enough hosts available.',
      '3. Server dev-1 is in ERROR state on com2.hn1dev: Build of instance aborted: Volume attach failed.',
      'Not explained by an incident',
    ]);
    assert.match(view, /<dt>Root cause<\/dt><dd><code>server-stuck-task<\/code> on server <strong>db-1<\/strong><\/dd>/);
    assert.match(view, /<h4>Causal chain<\/h4>\n<ol class="chain"><li><strong>db-1<\/strong>/);
    assert.match(view, /<dt>Blast radius<\/dt><dd>1 server \(1 impacted\)<\/dd>/);
    // The unexplained group holds exactly the one low finding.
    const rest = view.slice(view.indexOf('Not explained by an incident'));
    assert.equal(rest.match(/<details class="finding /g)?.length, 1);
    assert.match(rest, /dev-2/);
    assert.match(html, /<strong>3 incidents<\/strong><\/a> · 1 finding no incident explains/);
  });

  it('marks DB servers in an incident\'s blast radius and says what their state means, with hostile names escaped', () => {
    const page = renderHtml(pmHangReport({ db: '<b>db</b>' }));
    assert.match(page, /<tr class="db"><td><strong>&lt;b&gt;db&lt;\/b&gt;<\/strong> <span class="db-mark" title="DB server">⚠ DB<\/span><\/td><td data-label="Impacted"><span class="chip st-fail">impacted<\/span>/);
    assert.match(page, /<p class="db-warning">⚠ DB servers: <strong>&lt;b&gt;db&lt;\/b&gt;<\/strong> \(already impacted: tell the DB on-call now\)<\/p>/);
    assert.doesNotMatch(page, /<b>db<\/b>/);
  });

  it('groups by hypervisor, placing each finding on the hypervisor its resource is on', () => {
    const view = html.slice(html.indexOf('<div class="view by-hypervisor">'));
    const groups = [...view.matchAll(/<h3><span class="title">([^<]+)<\/span>/g)].map((m) => m[1]);
    assert.deepEqual(groups, ['com1.pg1', 'com2.hn1dev']);
  });

  it('gives each finding evidence, explanation, steps with code, runbook, fingerprint and baseline state', () => {
    const finding = html.slice(html.indexOf('<details class="finding sev-high"'), html.indexOf('</details>', html.indexOf('<details class="finding sev-high"')));
    assert.match(finding, /<th scope="row">fault<\/th><td class="value">No valid host was found/);
    assert.match(finding, /<h4>Why it matters<\/h4>\n<p>Nova puts a server in ERROR/);
    assert.match(finding, /<li>Read the fault with <code>faultline show &lt;server&gt;<\/code>/);
    assert.match(finding, /Runbook: <code class="runbook">vm-hang<\/code>/);
    assert.match(finding, /<dt>Fingerprint<\/dt><dd><code>[0-9a-f]{16}<\/code>/);
    assert.match(finding, /<dt>Baseline<\/dt><dd>also in the baseline report/);
  });

  it('badges new findings (in each of the three views) and the new incident, and lists resolved ones', () => {
    assert.equal(html.match(/<span class="badge new" title/g)?.length, 2 * 3 + 1);
    assert.match(html, /<section id="resolved"><h2>Resolved since the baseline <span class="count">1<\/span>/);
    assert.match(html, /<strong>old-1<\/strong> <span class="muted">on com1\.pg1<\/span>/);
  });

  it('lists skipped and errored detectors with their reasons, and every collector', () => {
    const notChecked = html.slice(html.indexOf('<section id="not-checked">'), html.indexOf('</section>', html.indexOf('<section id="not-checked">')));
    assert.match(notChecked, /skipped<\/span><\/td><td class="reason" data-label="Reason">disks collector failed \(host-smart: ssh to com1\.pg1 timed out after 30s\)<\/td><td data-label="Inputs"><code>disks<\/code>/);
    assert.match(notChecked, /error<\/span><\/td><td class="reason" data-label="Reason">alarm feed returned a ticket without a host/);
    const collection = html.slice(html.indexOf('<section id="collection">'));
    assert.equal(collection.match(/<tr><td><strong>/g)?.length, 7);
    assert.match(collection, /<span class="chip co-failed">failed<\/span>.*<div class="error">ssh to com1\.pg1 timed out after 30s<\/div>/);
  });

  it('says plainly when there is nothing to report', () => {
    const clean = renderHtml(cleanReport());
    assert.match(clean, /<p class="all-clear">No findings\.<\/p>/);
    assert.doesNotMatch(clean, /<script>[\s\S]*innerHTML/);
  });

  describe('with hostile names', () => {
    const bad = renderHtml(hostileReport());

    it('renders no markup from the data', () => {
      assert.doesNotMatch(bad, /<img|<svg/i);
      assert.equal(inlineScripts(bad).length, 2, 'only the JSON data and the page script');
      assert.equal(bad.match(/<\/script>/g)?.length, 2);
    });

    it('keeps a severity edited into markup out of attributes', () => {
      const report = sampleReport();
      const edited = {
        ...report,
        results: report.results.map((r) => ({ ...r, findings: r.findings.map((f) => ({ ...f, severity: '"><img src=x onerror=alert(1)>' as Severity })) })),
      };
      const out = renderHtml(edited);
      assert.doesNotMatch(out, /<img/);
      assert.match(out, /<details class="finding sev-unknown" data-severity="unknown">/);
    });

    it('shows the names as text', () => {
      assert.ok(bad.includes(escapeHtml(`srv-${XSS.script}`)));
      assert.ok(bad.includes(escapeHtml(`hv-${XSS.img}`)));
      assert.ok(bad.includes(escapeHtml(`collector ${XSS.svg} ${XSS.img}`)));
    });
  });
});
