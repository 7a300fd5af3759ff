/**
 * The HTML report in a real browser: hostile names stay text, nothing from the
 * data runs (escaping first, the Content-Security-Policy behind it), and the
 * view toggle, severity filter and search change what is shown. Needs Debian's
 * chromium; without it these tests fail, they never skip.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { XSS, hostileReport, sampleReport } from './fixtures.js';
import { renderHtml } from './html.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// Runs in the page before its own script: records CSP violations the page would otherwise only log.
const PROBES = `
  window.__violations = [];
  document.addEventListener('securitypolicyviolation', function (e) {
    window.__violations.push(e.effectiveDirective + ' ' + e.blockedURI);
  });
`;

interface Opened {
  readonly page: Page;
  readonly context: BrowserContext;
  readonly dialogs: string[];
  readonly cspMessages: string[];
  readonly pageErrors: string[];
  readonly remoteRequests: string[];
}

let browser: Browser | undefined;
let dir = '';
let files = 0;
const contexts: BrowserContext[] = [];

const MISSING =
  `${CHROMIUM} is missing: the HTML report's browser tests need Debian's chromium package. ` +
  'They fail instead of skipping so that a missing browser is never read as a passing report.';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'faultline-report-'));
  if (existsSync(CHROMIUM)) browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

it('has chromium to test the report in', () => {
  assert.ok(existsSync(CHROMIUM), MISSING);
});

after(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Opens the HTML as a file, the way an operator opens a report, with every probe attached. */
async function open(html: string, options: { javaScript?: boolean; width?: number } = {}): Promise<Opened> {
  assert.ok(browser, MISSING);
  const context = await browser.newContext({ javaScriptEnabled: options.javaScript ?? true, viewport: { width: options.width ?? 1280, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  const opened: Opened = { page, context, dialogs: [], cspMessages: [], pageErrors: [], remoteRequests: [] };
  page.on('dialog', (d) => {
    opened.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('console', (m) => {
    if (/content security policy/i.test(m.text())) opened.cspMessages.push(m.text());
  });
  page.on('pageerror', (e) => opened.pageErrors.push(e.message));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:')) opened.remoteRequests.push(r.url());
  });
  await context.route(/^(?!file:)/, (route) => route.abort());
  await page.addInitScript({ content: PROBES });
  files += 1;
  const file = join(dir, `report-${files}.html`);
  writeFileSync(file, html);
  await page.goto(pathToFileURL(file).href);
  return opened;
}

async function visibleTitles(page: Page): Promise<string[]> {
  return page.locator('.group:visible h3 .title').allTextContents();
}

async function visibleFindings(page: Page, selector = 'details.finding'): Promise<number> {
  return page.locator(`${selector}:visible`).count();
}

describe('HTML report in chromium', () => {
  after(async () => {
    await Promise.all(contexts.map((c) => c.close()));
  });

  it('shows hostile names as literal text and runs nothing from them', async () => {
    const o = await open(renderHtml(hostileReport()));
    const { page } = o;
    // Exercise the page the way a reader would, so payloads in any view get their chance.
    await page.click('#expand-all');
    const incidentTitles = await visibleTitles(page);
    assert.ok(incidentTitles.some((t) => t.includes(`srv-${XSS.script}`)), `the hostile name is shown as text in the incident view: ${incidentTitles.join(' | ')}`);
    await page.click('label[for="view-hypervisor"]');
    await page.click('#expand-all');
    await page.fill('#search', 'srv-');
    await page.fill('#search', '');

    assert.deepEqual(o.dialogs, [], 'a dialog opened');
    assert.equal(await page.evaluate('window.__xss'), undefined, 'a payload ran');
    assert.deepEqual(await page.evaluate('window.__violations'), [], 'something tried to run against the CSP');
    assert.deepEqual(o.cspMessages, []);
    assert.deepEqual(o.pageErrors, []);
    assert.deepEqual(o.remoteRequests, [], 'the page tried to reach the network');
    assert.equal(await page.locator('img, svg, iframe, object, embed').count(), 0, 'the data created elements');
    assert.equal(await page.locator('script').count(), 2, 'only the JSON data and the page script');

    assert.deepEqual(await visibleTitles(page), [`hv-${XSS.img}`, `hv-${XSS.svg}`]);
    const server = page.locator('.by-hypervisor summary .res', { hasText: 'srv-' }).first();
    assert.ok(await server.isVisible());
    assert.equal(await server.textContent(), `srv-${XSS.script}`);
    const fault = page.locator('.by-hypervisor .evidence tr', { hasText: 'fault' }).first().locator('td.value');
    assert.ok(await fault.isVisible());
    assert.equal(await fault.textContent(), `fault ${XSS.img} ${XSS.script} \u2028 ${XSS.svg}`);
    const reason = page.locator('#not-checked td.reason').first();
    assert.match((await reason.textContent()) ?? '', new RegExp(`collector ${XSS.svg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.ok(await reason.isVisible());
    assert.match((await page.locator('#not-checked').textContent()) ?? '', /detector <\/script><script>window\.__xss='script';alert\(1\)<\/script>/);
    // The page's own script is allowed by its hash and did its work.
    assert.equal(await page.locator('#shown').textContent(), '4 shown');
  });

  it('blocks, through the Content-Security-Policy, a script that got past escaping', async () => {
    const html = renderHtml(sampleReport()).replace(
      '</body>',
      `<script>window.__xss = 'inline'; alert('inline');</script><img src="x" onerror="window.__xss = 'handler'; alert('handler')"></body>`,
    );
    const o = await open(html);
    await o.page.waitForFunction('window.__violations.length >= 2');
    assert.equal(await o.page.evaluate('window.__xss'), undefined);
    assert.deepEqual(o.dialogs, []);
    const violations = (await o.page.evaluate('window.__violations')) as string[];
    assert.ok(violations.some((v) => v.startsWith('script-src')), violations.join('\n'));
    assert.equal(await o.page.locator('#shown').textContent(), '4 shown', 'the page script stopped working');
  });

  it('opens on the incidents and switches between grouping by incident, by detector and by hypervisor', async () => {
    const { page } = await open(renderHtml(sampleReport({ baseline: true })));
    if (process.env.REPORT_SCREENSHOT) {
      await page.locator('.by-incident details.finding summary').first().click();
      await page.screenshot({ path: process.env.REPORT_SCREENSHOT, fullPage: true });
      await page.locator('.by-incident details.finding summary').first().click();
    }
    const incidents = await visibleTitles(page);
    assert.deepEqual(incidents.map((t) => t.split(' ')[0]), ['1.', '2.', '3.', 'Not']);
    assert.equal(await visibleFindings(page, '.by-incident details.finding'), 4);
    assert.equal(await visibleFindings(page, '.by-detector details.finding'), 0);
    assert.ok(await page.locator('.by-incident .chain').first().isVisible());
    await page.click('label[for="view-detector"]');
    assert.deepEqual(await visibleTitles(page), ['Server stuck in a task', 'Server in ERROR state']);
    assert.equal(await visibleFindings(page, '.by-hypervisor details.finding'), 0);
    assert.equal(await visibleFindings(page, '.by-incident details.finding'), 0);
    await page.click('label[for="view-hypervisor"]');
    assert.deepEqual(await visibleTitles(page), ['com1.pg1', 'com2.hn1dev']);
    assert.equal(await visibleFindings(page, '.by-detector details.finding'), 0);
    assert.equal(await visibleFindings(page, '.by-hypervisor details.finding'), 4);
    await page.click('label[for="view-detector"]');
    assert.deepEqual(await visibleTitles(page), ['Server stuck in a task', 'Server in ERROR state']);
  });

  it('narrows the findings by severity and by search text', async () => {
    const { page } = await open(renderHtml(sampleReport()));
    const toggle = (sev: string) => page.locator(`.sev-toggle.sev-${sev} input`);
    assert.equal(await visibleFindings(page), 4, 'the incident view shows every finding once');
    await page.click('label[for="view-detector"]');
    assert.equal(await visibleFindings(page), 4);

    await toggle('high').uncheck();
    assert.equal(await visibleFindings(page), 3);
    assert.equal(await visibleFindings(page, 'details.finding[data-severity="high"]'), 0);
    assert.equal(await page.locator('#shown').textContent(), '3 of 4 shown');

    await toggle('critical').uncheck();
    await toggle('low').uncheck();
    assert.equal(await visibleFindings(page), 1);
    assert.deepEqual(await visibleTitles(page), ['Server in ERROR state'], 'a group with nothing left to show stays visible');

    for (const sev of ['critical', 'high', 'low']) await toggle(sev).check();
    assert.equal(await visibleFindings(page), 4);

    await page.fill('#search', 'dev-2');
    assert.equal(await visibleFindings(page), 1);
    await page.click('label[for="view-hypervisor"]');
    assert.deepEqual(await visibleTitles(page), ['com2.hn1dev']);
    await page.click('#expand-all');
    assert.equal(await page.locator('.by-hypervisor details.finding[open]').count(), 1, 'expand-all opened hidden findings');

    await page.fill('#search', 'nothing matches this');
    assert.equal(await visibleFindings(page), 0);
    assert.ok(await page.locator('#no-match').isVisible());
  });

  it('works without JavaScript: every finding shown, the view toggle still switches, no dead controls', async () => {
    const { page } = await open(renderHtml(sampleReport({ baseline: true })), { javaScript: false });
    assert.equal(await visibleFindings(page), 4);
    assert.equal(await page.locator('#filters').isVisible(), false);
    assert.ok(await page.locator('#not-checked').isVisible());
    assert.ok(await page.locator('#resolved').isVisible());
    await page.click('label[for="view-hypervisor"]');
    assert.deepEqual(await visibleTitles(page), ['com1.pg1', 'com2.hn1dev']);
    await page.locator('.by-hypervisor summary').first().click();
    assert.ok(await page.locator('.by-hypervisor .evidence').first().isVisible(), 'a finding does not expand');
  });
});
