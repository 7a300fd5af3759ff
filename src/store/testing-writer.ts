import type { DetectorResult, Finding } from '../core/findings.js';
import { fleet } from '../snapshot/builders.js';
import { Store, type StoreLocation } from './store.js';

/**
 * A child process for the kill -9 test: it writes scans into a store as fast as it
 * can and tells its parent (over the IPC channel) after each commit, until killed.
 * Each scan adds findings that only it has, so the parent can check after a crash
 * that every scan the store holds is whole and none is half there.
 */
export const FINDINGS_PER_SCAN = 300;

// Each writer process writes its own fingerprints, so rounds of the test never update each other's rows.
const RUN = `${process.pid}-${Date.now()}`;

function findingsOf(scan: number): Finding[] {
  return Array.from({ length: FINDINGS_PER_SCAN }, (_, k) => ({
    detectorId: 'server-error',
    messageId: 'm',
    message: `scan ${scan} finding ${k}`,
    severity: 'high' as const,
    resource: { kind: 'server' as const, id: `srv-${scan}-${k}` },
    evidence: [],
    explanation: '',
    remediation: { steps: [] },
    fingerprint: `w-${RUN}-${scan}-${k}`,
  }));
}

async function main(): Promise<void> {
  const location = JSON.parse(process.argv[2] ?? '{}') as StoreLocation;
  const store = await Store.open({ location, lockTimeoutMs: 10_000, connectTimeoutMs: 5_000, command: 'kill test writer' });
  const snapshot = fleet().build();
  process.send?.({ ready: true });
  for (let scan = 1; ; scan++) {
    // A "scan" that keeps every earlier finding open would grow without end; only this scan's detector runs, judged incomplete, so nothing resolves.
    const results: DetectorResult[] = [{ detectorId: 'server-error', status: 'fail', durationMs: 0, findings: findingsOf(scan), suppressed: 0, partialInputs: ['servers'] }];
    await store.scan(true, (s) => s.recordScan({ snapshot, results, evaluatedAt: new Date(), source: 'collected', version: 'kill-test' }));
    process.send?.({ committed: scan });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) void main();
