/** A PostgreSQL URL as it may be shown: the password, if any, replaced. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not parseable as a URL (e.g. a keyword/value string): hide anything after password=.
    return url.replace(/(password\s*=\s*)(\S+)/gi, '$1***').replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  }
}

/** The password in a PostgreSQL URL, for the redactor; undefined when there is none. */
export function urlPassword(url: string): string | undefined {
  try {
    const p = new URL(url).password;
    return p ? decodeURIComponent(p) : undefined;
  } catch {
    return undefined;
  }
}
