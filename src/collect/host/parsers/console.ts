import { guarded, type LogEvent, type Parsed } from './common.js';
import { parseKernelLog } from './kernel-log.js';

/**
 * A guest's console log (Nova `os-getConsoleOutput`, `gapi log`): kernel
 * panics inside the VM, classified by what they say about the host:
 * - `async-pf-panic`: "Kernel panic - not syncing: Host injected async #PF" — the host's storage stalled under the guest
 * - `root-mount-panic`: "Kernel panic - not syncing: VFS: Unable to mount root fs" — the guest's image or initramfs is damaged
 * - `panic`: any other panic (`detail.reason`)
 * `detail.uptimeSeconds` is the guest's `[ seconds ]` stamp; `process`/`pid` from the `Comm:` line.
 */
export function parseConsoleOutput(text: string): Parsed<LogEvent[]> {
  return guarded('console output', text, () => [], (body) => {
    const parsed = parseKernelLog(body, { source: 'console', maxPerKind: 50 });
    return parsed.value
      .filter((e) => e.kind === 'panic')
      .map((e) => {
        const reason = String(e.detail?.reason ?? '');
        const kind = /Host injected async #PF/i.test(reason) ? 'async-pf-panic' : /Unable to mount root fs|VFS: Cannot open root device/i.test(reason) ? 'root-mount-panic' : 'panic';
        const stamp = /\[\s*(\d+\.\d+)\]/.exec(e.line);
        const { source: _source, ...detail } = e.detail ?? {};
        return { ...e, kind, detail: { ...detail, ...(stamp ? { uptimeSeconds: Number(stamp[1]) } : {}) } };
      });
  });
}
