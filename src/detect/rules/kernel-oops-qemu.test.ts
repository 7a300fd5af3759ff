import { fleet, type FleetBuilder } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './kernel-oops-qemu.js';

const PM = 'krane-hn1prod-com0001';
const DEV_PM = 'krane-hn1dev-com0012';

// Seed 000 §4.5, with the date moved to the day before the snapshot.
const OOPS_LINE = '[Wed Dec 31 22:10:19 2025] CPU: 0 PID: 18119 Comm: qemu-system-x86 Tainted: G D 4.8.0-41-generic #44~16.04.1-Ubuntu';
const BUG_LINE = '[Wed Dec 31 22:10:19 2025] BUG: unable to handle kernel paging request at ffffffff810c472a';
const OOPS_EVENT = { kind: 'oops', time: 'Wed Dec 31 22:10:19 2025', line: OOPS_LINE, process: 'qemu-system-x86', pid: 18119, detail: { tainted: 'G D' } };

/** A prod hypervisor with three servers that all answer ping and ssh. */
function prodHost(): FleetBuilder {
  return fleet()
    .region('hn1prod', 'prod')
    .hypervisor(PM, { region: 'hn1prod' })
    .server('dkosv3-search-worker-a1', { on: PM, region: 'hn1prod' })
    .server('dkosv3-search-worker-b2', { on: PM, region: 'hn1prod' })
    .server('mail-thor-pg42', { on: PM, region: 'hn1prod' })
    .reach('dkosv3-search-worker-a1', true, 'ok')
    .reach('dkosv3-search-worker-b2', true, 'ok')
    .reach('mail-thor-pg42', true, 'ok');
}

testDetector(detector, {
  valid: [
    { name: 'a hypervisor with a clean kernel log passes', snapshot: prodHost().hostFacts(PM, { kernelEvents: [] }).build() },
    {
      name: 'an oops in a process that is not qemu is not this detector',
      snapshot: prodHost()
        .hostFacts(PM, { kernelEvents: [{ ...OOPS_EVENT, line: OOPS_LINE.replace('qemu-system-x86', 'kworker/3:1'), process: 'kworker/3:1' }] })
        .build(),
    },
    {
      name: 'a qemu oops older than withinHours is history (the 2018 line of seed 000)',
      snapshot: prodHost()
        .hostFacts(PM, {
          kernelEvents: [{ ...OOPS_EVENT, time: 'Wed Aug 29 09:51:19 2018', line: OOPS_LINE.replace('Wed Dec 31 22:10:19 2025', 'Wed Aug 29 09:51:19 2018') }],
        })
        .build(),
    },
    {
      name: 'other kernel events about qemu (oom-kill, hung-task) are left to their own detectors',
      snapshot: prodHost()
        .hostFacts(PM, {
          kernelEvents: [
            { kind: 'oom-kill', line: 'Out of memory: Killed process 2325 (qemu-kvm)', process: 'qemu-kvm', pid: 2325 },
            { kind: 'hung-task', line: 'INFO: task qemu-kvm:2325 blocked for more than 122 seconds.', process: 'qemu-kvm', pid: 2325 },
          ],
        })
        .build(),
    },
    {
      name: 'a soft lockup reported as BUG in a qemu process is a watchdog warning, not a dead VM',
      snapshot: prodHost()
        .hostFacts(PM, {
          kernelEvents: [
            {
              kind: 'bug',
              time: '2025-12-31T07:45:09Z',
              line: '[Wed Dec 31 07:45:09 2025] watchdog: BUG: soft lockup - CPU#12 stuck for 23s! [qemu-system-x86:77120]',
              process: 'qemu-system-x86',
              pid: 77120,
              detail: { headline: 'BUG: soft lockup - CPU#12 stuck for 23s! [qemu-system-x86:77120]', tainted: 'G OEL' },
            },
          ],
        })
        .build(),
    },
    { name: 'no host facts at all (collected, empty) passes', snapshot: fleet().build({ collected: ['hostFacts'] }) },
  ],
  invalid: [
    {
      name: 'the seed oops with one server hanging on ssh names that server, high in prod, with the log line',
      snapshot: prodHost()
        .server('dkosv3-search-ingress-c3', { on: PM, region: 'hn1prod' })
        .reach('dkosv3-search-ingress-c3', true, 'hang')
        .hostFacts(PM, { kernelEvents: [OOPS_EVENT] })
        .build(),
      findings: [
        {
          messageId: 'oopsServerFound',
          resource: 'dkosv3-search-ingress-c3',
          severity: 'high',
          message: `Kernel oops in qemu-system-x86 (pid 18119) on ${PM}: server dkosv3-search-ingress-c3 is the VM that died (the only server on the host that fails its probe: it hangs on ssh).`,
          evidence: { log_line: OOPS_LINE, tainted: 'G D', pid: 18119, ssh: 'hang' },
        },
      ],
    },
    {
      name: 'a line carrying the instance name names the server even when every probe answers',
      snapshot: (() => {
        const b = prodHost();
        return b.hostFacts(PM, { kernelEvents: [{ ...OOPS_EVENT, line: `${OOPS_LINE} guest=instance-00000002` }] }).build();
      })(),
      findings: [{ messageId: 'oopsServerFound', resource: 'dkosv3-search-worker-b2', message: /the log line names instance-00000002/ }],
    },
    {
      name: 'without probe results the servers on the host are listed as candidates',
      snapshot: fleet()
        .region('hn1prod', 'prod')
        .hypervisor(PM, { region: 'hn1prod' })
        .server('dkosv3-a', { on: PM, region: 'hn1prod' })
        .server('dkosv3-b', { on: PM, region: 'hn1prod' })
        .hostFacts(PM, { kernelEvents: [OOPS_EVENT] })
        .build(),
      findings: [
        {
          messageId: 'oopsServerUnknown',
          resource: PM,
          severity: 'high',
          message: `Kernel oops in qemu-system-x86 (pid 18119) on ${PM} killed one VM; 2 candidate server(s): dkosv3-a, dkosv3-b.`,
          evidence: { log_line: OOPS_LINE, unreachable_servers: 0 },
        },
      ],
    },
    {
      name: 'two servers failing ssh are both candidates, not a guess',
      snapshot: prodHost()
        .server('web-1', { on: PM, region: 'hn1prod' })
        .server('web-2', { on: PM, region: 'hn1prod' })
        .reach('web-1', true, 'refused')
        .reach('web-2', false, 'timeout')
        .hostFacts(PM, { kernelEvents: [OOPS_EVENT] })
        .build(),
      findings: [{ messageId: 'oopsServerUnknown', resource: PM, message: /2 candidate server\(s\): web-1, web-2\.$/, evidence: { unreachable_servers: 2 } }],
    },
    {
      name: 'every server answering: no candidate, and the message says so',
      snapshot: prodHost().hostFacts(PM, { kernelEvents: [OOPS_EVENT] }).build(),
      findings: [{ messageId: 'oopsServerUnknown', message: /0 candidate server\(s\): none, every server on the host answers ping and ssh\./ }],
    },
    {
      name: 'a BUG and an Oops of the same qemu pid are one finding; a second pid is another',
      snapshot: prodHost()
        .hostFacts(PM, {
          kernelEvents: [
            { ...OOPS_EVENT, kind: 'bug', line: BUG_LINE },
            OOPS_EVENT,
            { ...OOPS_EVENT, pid: 20411, process: 'qemu-kvm', line: OOPS_LINE.replace('18119', '20411').replace('qemu-system-x86', 'qemu-kvm') },
          ],
        })
        .build(),
      findings: [
        { messageId: 'oopsServerUnknown', message: /^Kernel BUG in qemu-system-x86 \(pid 18119\)/, evidence: { log_line: BUG_LINE } },
        { messageId: 'oopsServerUnknown', message: /^Kernel oops in qemu-kvm \(pid 20411\)/ },
      ],
    },
    {
      name: 'a dev-zone hypervisor uses devSeverity',
      snapshot: fleet()
        .region('hn1dev', 'dev')
        .hypervisor(DEV_PM, { region: 'hn1dev' })
        .server('dev-vm', { on: DEV_PM, region: 'hn1dev' })
        .reach('dev-vm', true, 'timeout')
        .hostFacts(DEV_PM, { kernelEvents: [OOPS_EVENT] })
        .build(),
      options: { devSeverity: 'low' },
      findings: [{ messageId: 'oopsServerFound', resource: 'dev-vm', severity: 'low', evidence: { zone: 'dev' } }],
    },
    {
      name: 'an oops exactly withinHours old still counts; a host unknown to Nova has no servers to offer',
      snapshot: fleet()
        .hostFacts('openstack-host', { kernelEvents: [{ ...OOPS_EVENT, time: '2025-12-31T22:00:00Z' }] })
        .build(),
      options: { withinHours: 2 },
      findings: [{ messageId: 'oopsServerUnknown', resource: 'openstack-host', severity: 'high', message: /no servers known on this host/, evidence: { zone: 'prod (zone unknown, treated as prod)' } }],
    },
  ],
});
