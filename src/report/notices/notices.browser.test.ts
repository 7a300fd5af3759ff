/**
 * The notices as a chat client shows them: Markdown rendered to HTML (marked,
 * GFM) and opened in Debian's Chromium with scripts on. The hostile names read
 * as written, none of them becomes an element (no link, image, code, emphasis),
 * and nothing in them runs. Without chromium this fails, it never skips.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Marked } from 'marked';
import { chromium, type Browser } from 'playwright-core';
import { HOSTILE_NAMES, hostileIncident } from './fixtures.js';
import { renderNotice, type NoticeKind } from './render.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const marked = new Marked({ gfm: true });

let browser: Browser | undefined;

before(async () => {
  if (existsSync(CHROMIUM)) browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

after(async () => {
  await browser?.close();
});

describe('notices in Chromium', () => {
  it('has chromium to test the notices in', () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium package (scripts/install-deps.sh --test)`);
  });

  for (const lang of ['ko', 'en'] as const) {
    for (const kind of ['fault', 'recovery', 'data-loss'] as NoticeKind[]) {
      it(`${kind} (${lang}): hostile names read as written, inert`, async () => {
        assert.ok(browser, 'chromium did not start');
        const { incident, alarms } = hostileIncident();
        const notice = renderNotice(kind, { incident, alarms, lang, mentions: { owners: { alice: '<@U111>' } }, actions: ['rebooted'], confirmedBy: 'fate.k' });
        const body = marked.parse(notice.text) as string;
        const context = await browser.newContext({ javaScriptEnabled: true });
        try {
          const page = await context.newPage();
          const dialogs: string[] = [];
          const requests: string[] = [];
          page.on('dialog', (d) => {
            dialogs.push(d.message());
            void d.dismiss();
          });
          page.on('request', (r) => {
            if (!r.url().startsWith('data:') && r.url() !== 'about:blank') requests.push(r.url());
          });
          await context.route('**/*', (route) => route.abort());
          await page.setContent(`<!doctype html><html lang="${lang}"><meta charset="utf-8"><body><main>${body}</main></body></html>`);
          // A string, not a function: the suite compiles without the DOM's types.
          const seen = (await page.evaluate(`(() => {
            const main = document.querySelector('main');
            return {
              text: main.innerText.split('\\u200b').join(''),
              elements: [...main.querySelectorAll('*')].map((e) => e.tagName.toLowerCase()),
              strong: [...main.querySelectorAll('strong')].map((e) => e.textContent),
            };
          })()`)) as { text: string; elements: string[]; strong: string[] };
          for (const name of HOSTILE_NAMES) assert.ok(seen.text.includes(name), `"${name}" is shown as written`);
          assert.deepEqual([...new Set(seen.elements)].filter((t) => !['p', 'ul', 'li', 'strong'].includes(t)), [], 'no element comes from the data');
          assert.equal(seen.strong.length, 1);
          assert.ok(seen.strong[0]?.endsWith(incident.title), 'the bold title reads as the incident title');
          assert.deepEqual(dialogs, [], 'nothing in the names ran');
          assert.deepEqual(requests, [], 'nothing in the names was fetched');
          assert.ok(seen.text.includes('<@U111>'), "the owner's mention is there");
        } finally {
          await context.close();
        }
      });
    }
  }
});
