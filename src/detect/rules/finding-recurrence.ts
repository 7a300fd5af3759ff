import { z } from 'zod';
import { defineDetector, type RawFinding } from '../define.js';
import { historyOf, storedResource } from '../history.js';
import { listNames } from '../resources.js';

type Messages = 'cameBack' | 'cameBackNoAction';

export default defineDetector({
  id: 'finding-recurrence',
  title: 'A problem that was solved before is back',
  layer: 'openstack',
  severity: 'medium',
  description: 'Finds findings of this scan that the store saw resolved before, and says when, how often, and what operators did then.',
  explanation:
    'Known issues come back, often a year after they were solved, and by then nobody remembers the fix. faultline keeps every spell of ' +
    'every finding and every action its operator commands took, so when a finding returns it can point at the last time and at what was ' +
    'done: the same fix again, or a sign the fix did not hold and the cause is deeper.',
  requires: ['history'],
  messages: {
    cameBack:
      '{{detector}} on {{name}} is back: it was resolved {{times}} time(s) before, last on {{lastResolved}} (first seen {{firstSeen}}). Done then: {{actions}}.',
    cameBackNoAction:
      '{{detector}} on {{name}} is back: it was resolved {{times}} time(s) before, last on {{lastResolved}} (first seen {{firstSeen}}), with no action recorded through faultline; see `faultline history {{ref}}`.',
  },
  options: z.object({
    minPrevious: z.number().int().positive().default(1).describe('earlier spells a finding must have had to be reported as back'),
    ignore: z.array(z.string()).default(['finding-recurrence']).describe('detectors whose findings coming back are not reported'),
  }),
  remediation: {
    steps: [
      'Read what was done last time (`faultline history <fingerprint>`), and whether it held: a fix that keeps being needed points at a deeper cause.',
      'Apply the finding\'s own remediation; record the action through faultline (stop, start, restart) so the next time knows.',
    ],
  },
  source: 'issue 14 (recurrence); detection-as-code talk: known issues come back a year later',
  detect({ snapshot, options }) {
    const out: RawFinding<Messages>[] = [];
    for (const r of historyOf(snapshot).recurrences) {
      if (r.previous.length < options.minPrevious || options.ignore.includes(r.detectorId)) continue;
      const last = r.previous[r.previous.length - 1];
      if (!last) continue;
      const name = r.resource.name ?? r.resource.id;
      const base = { detector: r.detectorId, name, times: r.previous.length, lastResolved: last.closedAt, firstSeen: r.firstSeen, ref: r.fingerprint };
      const evidence = [
        { label: 'fingerprint', value: r.fingerprint, source: 'store' },
        { label: 'message_now', value: r.message, source: r.detectorId },
        { label: 'earlier_spells', value: r.previous.map((p) => `${p.openedAt} – ${p.closedAt}`).join('; '), source: 'store' },
      ];
      const resource = storedResource(r.resource.kind, r.resource.id, r.resource.name, { id: r.resource.parentId, name: r.resource.parentName });
      const done = r.actions.map((a) => `${a.at} ${a.actor}: ${a.action} ${a.target} ${a.result}${a.requestId ? ` (${a.requestId})` : ''}`);
      out.push(
        done.length > 0
          ? { messageId: 'cameBack', data: { ...base, actions: listNames(done, 5) }, resource, key: r.fingerprint, evidence: [...evidence, { label: 'actions_then', value: done.join('; '), source: 'store' }] }
          : { messageId: 'cameBackNoAction', data: base, resource, key: r.fingerprint, evidence },
      );
    }
    return out;
  },
});
