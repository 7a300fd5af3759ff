import { fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './cronjob-invalid-schedule.js';

testDetector(detector, {
  valid: [
    {
      name: 'valid schedules, descriptors and a known time zone; a suspended CronJob with a valid schedule',
      snapshot: fleet()
        .k8s('c', (c) =>
          c
            .workload('CronJob', 'ops/backup', { schedule: '0 3 * * *', timeZone: 'Asia/Seoul' })
            .workload('CronJob', 'ops/report', { schedule: '@weekly' })
            .workload('CronJob', 'ops/saver', { schedule: '*/10 8-20 * * MON-FRI', suspend: true }),
        )
        .build(),
    },
  ],
  invalid: [
    {
      name: 'k8sgpt: a schedule with six fields, one with minute 60, one on 30 February, a zone in the schedule, an unknown zone',
      snapshot: fleet()
        .k8s('k8s-shop-pg1-01', (c) =>
          c
            .workload('CronJob', 'ops/backup', { schedule: '0 0 3 * * *' })
            .workload('CronJob', 'ops/sync', { schedule: '60 * * * *' })
            .workload('CronJob', 'ops/leap', { schedule: '0 0 30 2 *' })
            .workload('CronJob', 'ops/tz', { schedule: 'CRON_TZ=Asia/Seoul 0 3 * * *' })
            .workload('CronJob', 'ops/zone', { schedule: '0 3 * * *', timeZone: 'Asia/Busan' }),
        )
        .build(),
      findings: [
        {
          messageId: 'invalidSchedule',
          resource: 'CronJob ops/backup',
          message: 'CronJob ops/backup in cluster k8s-shop-pg1-01 has the schedule "0 0 3 * * *", which does not parse: expected 5 fields (minute hour day-of-month month day-of-week), got 6.',
        },
        { messageId: 'invalidSchedule', resource: 'CronJob ops/sync', message: /minute 60 is out of range 0-59/ },
        { messageId: 'neverFires', resource: 'CronJob ops/leap' },
        { messageId: 'invalidSchedule', resource: 'CronJob ops/tz', message: /set spec\.timeZone instead/ },
        { messageId: 'invalidTimeZone', resource: 'CronJob ops/zone', message: 'CronJob ops/zone in cluster k8s-shop-pg1-01 sets time zone "Asia/Busan", which is not an IANA time zone name.' },
      ],
    },
  ],
});
