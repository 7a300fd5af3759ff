/**
 * The notices through a real Markdown renderer (marked, GFM on, as chat tools
 * read them): what shows is exactly what was meant. Hostile names print as
 * themselves, nothing of theirs becomes emphasis, code, a link, an image or HTML,
 * and the only formatting is faultline's own bold title.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Marked, type Token } from 'marked';
import { ZERO_WIDTH_SPACE } from './chat-text.js';
import { HOSTILE_NAMES, hostileIncident } from './fixtures.js';
import { renderNotice, type NoticeKind } from './render.js';

const marked = new Marked({ gfm: true, breaks: false });

function walk(tokens: readonly Token[], out: Token[] = []): Token[] {
  for (const t of tokens) {
    out.push(t);
    const children = (t as { tokens?: Token[] }).tokens;
    if (children) walk(children, out);
    const items = (t as { items?: Token[] }).items;
    if (items) walk(items, out);
  }
  return out;
}

const ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&#39;': "'" };

/** What a reader sees: the HTML's text, entities decoded, zero-width spaces dropped. */
function visibleText(html: string): string {
  return html
    .replace(/<[^>]+>/g, '')
    .replace(/&(?:lt|gt|amp|quot|#39);/g, (e) => ENTITIES[e] ?? e)
    .split(ZERO_WIDTH_SPACE)
    .join('');
}

const FORBIDDEN = new Set(['em', 'codespan', 'code', 'link', 'image', 'html', 'del', 'heading', 'blockquote', 'table', 'hr']);

describe('notices in a Markdown renderer', () => {
  for (const lang of ['ko', 'en'] as const) {
    for (const kind of ['fault', 'recovery', 'data-loss'] as NoticeKind[]) {
      it(`${kind} (${lang}) shows the hostile names as written and formats nothing of theirs`, () => {
        const { incident, alarms } = hostileIncident();
        const notice = renderNotice(kind, { incident, alarms, lang, mentions: { template: '@{owner}' }, actions: ['rebooted `krane-pg1-com908`'], confirmedBy: 'fate.k' });
        const tokens = walk(marked.lexer(notice.text));
        const bad = tokens.filter((t) => FORBIDDEN.has(t.type)).map((t) => `${t.type}: ${t.raw}`);
        assert.deepEqual(bad, []);
        const strong = tokens.filter((t) => t.type === 'strong');
        assert.equal(strong.length, 1, 'only the title is bold');
        assert.equal(visibleText(marked.parseInline(strong[0]?.raw ?? '') as string).replace(/^\[[^\]]+\] /, ''), incident.title);

        const html = marked.parse(notice.text) as string;
        assert.doesNotMatch(html, /<(?:a|img|em|code|pre|del|script|h\d|blockquote)\b/i);
        const seen = visibleText(html);
        for (const name of HOSTILE_NAMES) assert.ok(seen.includes(name), `"${name}" reads as written in:\n${seen}`);
        assert.ok(seen.includes(alarms[0]?.message ?? '?'), 'the alarm message reads as written');
        if (kind === 'recovery') assert.ok(seen.includes('rebooted `krane-pg1-com908`'));
        // A mention is an @ or #, or a <@…>/<!…> form, in the text as the chat tool receives it.
        const mentions = [...notice.text.matchAll(/<[@!#][^>]*>|[@#](?!\u200b)[\p{L}\p{N}._-]+/gu)].map((m) => m[0]);
        assert.deepEqual([...new Set(mentions)], ['@alice'], 'the owner is the only one mentioned');
      });
    }
  }
});
