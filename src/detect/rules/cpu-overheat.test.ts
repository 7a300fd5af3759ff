import { fleet, type FleetBuilder } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './cpu-overheat.js';

const PM = 'compute';

interface Reading {
  sensor: string;
  celsius: number;
  highC?: number;
  critC?: number;
}

/** coretemp readings of one socket plus an NVMe composite sensor that is not a CPU. */
function host(pkg: number, fields: { highC?: number; critC?: number; zone?: 'prod' | 'dev'; extra?: Reading[] } = {}): FleetBuilder {
  const marks = { ...(fields.highC !== undefined ? { highC: fields.highC } : {}), ...(fields.critC !== undefined ? { critC: fields.critC } : {}) };
  return fleet()
    .region('r1', fields.zone ?? 'prod')
    .hypervisor(PM, { region: 'r1' })
    .hostFacts(PM, {
      temperatures: [
        { sensor: 'coretemp-isa-0000/Package id 0', celsius: pkg, ...marks },
        { sensor: 'coretemp-isa-0000/Core 0', celsius: pkg - 2, ...marks },
        { sensor: 'nvme-pci-0100/Composite', celsius: 51, highC: 84, critC: 85 },
        ...(fields.extra ?? []),
      ],
    });
}

testDetector(detector, {
  valid: [
    { name: 'seed 002 after the fix: about 60 °C passes', snapshot: host(60, { highC: 100, critC: 100 }).build() },
    { name: 'just under the 85 °C limit passes', snapshot: host(84.9).build() },
    { name: 'a hot sensor that is not a CPU (NVMe at 86 °C) is not this detector', snapshot: host(55, { extra: [{ sensor: 'nvme-pci-0200/Composite', celsius: 86 }] }).build() },
    { name: 'useSensorHigh off ignores a low high mark', snapshot: host(82, { highC: 80, critC: 100 }).build(), options: { useSensorHigh: false } },
    { name: 'a host whose sensors were not read is not judged', snapshot: fleet().hostFacts(PM, {}).build() },
  ],
  invalid: [
    {
      name: 'seed 002: 90 °C under load is over the 85 °C limit, medium in prod, with each hot sensor',
      snapshot: host(90, { highC: 100, critC: 100 }).build(),
      findings: [
        {
          messageId: 'cpuHot',
          resource: PM,
          severity: 'medium',
          message: 'CPU on compute is at 90 °C (coretemp-isa-0000/Package id 0), at or above the 85 °C limit.',
          evidence: { 'temp coretemp-isa-0000/Package id 0': '90 °C, high 100, crit 100', 'temp coretemp-isa-0000/Core 0': '88 °C, high 100, crit 100', max_celsius: 90 },
        },
      ],
    },
    {
      name: 'exactly the limit counts',
      snapshot: host(85).build(),
      findings: [{ messageId: 'cpuHot', message: /at 85 °C .* the 85 °C limit\.$/ }],
    },
    {
      name: 'a sensor high mark below the limit is used and named',
      snapshot: host(81, { highC: 80, critC: 100 }).build(),
      findings: [{ messageId: 'cpuHot', message: /at or above its high mark of 80 °C\.$/ }],
    },
    {
      name: 'at the sensor critical mark the finding is cpuCritical with criticalSeverity',
      snapshot: host(100, { highC: 84, critC: 100 }).build(),
      findings: [{ messageId: 'cpuCritical', severity: 'high', message: 'CPU on compute is at 100 °C (coretemp-isa-0000/Package id 0), at or above its critical mark of 100 °C: the host may shut down.' }],
    },
    {
      name: 'an AMD Tctl sensor in a dev zone uses devSeverity',
      snapshot: fleet().region('d1', 'dev').hypervisor(PM, { region: 'd1' }).hostFacts(PM, { temperatures: [{ sensor: 'k10temp-pci-00c3/Tctl', celsius: 95 }] }).build(),
      options: { devSeverity: 'info' },
      findings: [{ messageId: 'cpuHot', severity: 'info', evidence: { max_celsius: 95, zone: 'dev' } }],
    },
  ],
});
