import { fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './server-error.js';

testDetector(detector, {
  valid: [
    { name: 'active and shut-off servers are not errors', snapshot: fleet().hypervisor('com1').server('a', { on: 'com1' }).server('b', { on: 'com1', status: 'SHUTOFF' }).build() },
    { name: 'an empty fleet passes', snapshot: fleet().build({ collected: ['servers'] }) },
  ],
  invalid: [
    {
      name: 'an ERROR server in a prod zone is high, with its fault',
      snapshot: fleet()
        .region('pg1', 'prod')
        .hypervisor('com1', { region: 'pg1' })
        .server('web-1', { on: 'com1', status: 'ERROR', vmState: 'error', fault: { code: 500, message: 'No valid host was found.' } })
        .build(),
      findings: [
        { messageId: 'serverError', resource: 'web-1', severity: 'high', message: 'Server web-1 is in ERROR state on com1: No valid host was found.', evidence: { fault: 'No valid host was found.' } },
      ],
    },
    {
      name: 'an ERROR server in a dev zone uses the dev severity option',
      snapshot: fleet().region('hn1dev', 'dev').hypervisor('com2', { region: 'hn1dev' }).server('dev-1', { on: 'com2', status: 'ERROR' }).build(),
      options: { devSeverity: 'low' },
      findings: [{ messageId: 'serverError', resource: 'dev-1', severity: 'low', message: /no fault recorded/ }],
    },
  ],
});
