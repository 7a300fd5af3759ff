import { singleLine } from '../text.js';

/**
 * Untrusted text (server, project and host names, alarm messages, owner names
 * from the CMDB) placed in a chat notice. The manual's paste problem is that
 * the chat tool reads Markdown: `*x*` turns bold, three backticks open a code
 * block and a half-typed mention pings the wrong people. So every value is made
 * inert for CommonMark/GFM readers (Mattermost, Agit, Rocket.Chat, GitLab) and
 * for Slack's own parser at once:
 *
 * - Markdown punctuation is backslash-escaped, so it prints as itself (an
 *   underscore inside a word, as in `PING_FAIL`, cannot start emphasis and stays);
 * - `&`, `<`, `>` become entities: Slack only links `<…>` forms written raw
 *   (`<!here>`, `<@U123>`, `<http://x|y>`), and CommonMark shows the entity as the
 *   character, so `<!channel>` in a name reads as text in both;
 * - `@` and `#` get a zero-width space after them, so `@here` or `#general` in a
 *   name cannot notify anyone or link a channel, yet reads the same;
 * - `scheme://` and `www.` lose their autolink (GFM links bare URLs);
 * - line breaks collapse to spaces, so a value cannot open a heading, a list or
 *   a quote of its own, and control characters are shown, not passed through.
 */
export const ZERO_WIDTH_SPACE = '\u200b';

export function chatText(value: string): string {
  return singleLine(value)
    .replace(/[\\`*[\]~|]/g, '\\$&')
    // An underscore between letters or digits never starts emphasis (PING_FAIL); one at a word's edge can.
    .replace(/(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu, '\\_')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[@#]/g, `$&${ZERO_WIDTH_SPACE}`)
    .replace(/([a-z][a-z0-9+.-]*):(?=\/\/)/gi, '$1\\:')
    .replace(/\b(www)\./gi, '$1\\.');
}

/**
 * How owners are mentioned, as the configuration states it. `owners` maps an
 * owner (as the inventory names them) to the exact mention, e.g. `<@U0123>` for
 * Slack; `template` builds one for the rest, `{owner}` standing for the name.
 */
export interface MentionRules {
  readonly owners?: Readonly<Record<string, string>>;
  readonly template?: string;
}

/** Names a template may turn into a mention: letters, digits, `.`, `_` and `-` only. */
const MENTIONABLE = /^[\p{L}\p{N}._-]+$/u;

/**
 * The mention for an owner, or undefined when the configuration gives none and
 * the name is not safe to put in the template (it is then shown as inert text).
 * Configured mentions are the operator's own words and go out verbatim.
 */
export function mentionFor(owner: string, rules: MentionRules): string | undefined {
  const explicit = rules.owners?.[owner];
  if (explicit !== undefined) return explicit;
  if (rules.template === undefined || !MENTIONABLE.test(owner)) return undefined;
  return rules.template.split('{owner}').join(owner);
}

/** An owner in a notice: the mention when there is one, the escaped name otherwise. */
export function ownerText(owner: string, rules: MentionRules): string {
  return mentionFor(owner, rules) ?? chatText(owner);
}
