import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReportError } from '../../core/errors.js';
import { chatText, mentionFor, ZERO_WIDTH_SPACE as Z } from './chat-text.js';
import { HOSTILE_NAMES, TICKET, hostileIncident, incident, server } from './fixtures.js';
import { LISTED_SERVERS, renderDataLossNotice, renderFaultNotice, renderNotice, renderRecoveryComment, type NoticeKind } from './render.js';
import type { NoticeLang } from './words.js';

const mentions = { owners: { alice: '<@U111>' }, template: '@{owner}' };

describe('chatText', () => {
  const cases: [string, string][] = [
    ['*evil*_name_', '\\*evil\\*\\_name\\_'],
    ['`rm -rf`', '\\`rm -rf\\`'],
    ['<!channel>', '&lt;!channel&gt;'],
    ['@here', `@${Z}here`],
    ['[x](http://e)', '\\[x\\](http\\://e)'],
    ['~~gone~~ #general', `\\~\\~gone\\~\\~ #${Z}general`],
    ['a & b > c', 'a &amp; b &gt; c'],
    ['see www.example.com', 'see www\\.example.com'],
    ['a|b\\c', 'a\\|b\\\\c'],
    ['line one\n# heading\n> quote', 'line one #\u200b heading &gt; quote'],
    ['bell\u0007', 'bell\\\\x07'],
    ['krane-pg1-com908', 'krane-pg1-com908'],
    ['PING_FAIL _x_ a__b', 'PING_FAIL \\_x\\_ a\\_\\_b'],
  ];
  for (const [raw, want] of cases) it(`makes ${JSON.stringify(raw)} inert`, () => assert.equal(chatText(raw), want));
});

describe('mentionFor', () => {
  it('uses the configured mention verbatim, the template for plain names, and nothing for names that could smuggle markup', () => {
    assert.equal(mentionFor('alice', mentions), '<@U111>');
    assert.equal(mentionFor('bob.kim', mentions), '@bob.kim');
    assert.equal(mentionFor('<!channel>', mentions), undefined);
    assert.equal(mentionFor('bob here', mentions), undefined);
    assert.equal(mentionFor('bob', { owners: {} }), undefined, 'no template: only configured mentions');
  });
});

describe('fault notice', () => {
  it('renders the runbook notice in English', () => {
    const n = renderFaultNotice({ incident: incident(), alarms: [TICKET], lang: 'en', mentions, dbOncall: '@db-oncall' });
    assert.equal(
      n.text,
      [
        '**[Fault notice] krane-pg1-com908 is hung**',
        '',
        '- Ticket (ticket / host / fault code): 721440 / krane-pg1-com908 / PING_FAIL',
        '- Location / IPs: PG1-024-22-14-33 / 10.61.128.38, 10.162.120.200',
        '- Message: CRITICAL - Plugin timed out',
        '',
        'Severity critical · prod zone · region pg1',
        '',
        'Affected servers: 2 (2 already impacted):',
        '- toros-stargate-my1 · 10.1.0.5 · project commerce-prod · ⚠ DB · impacted · Owners: @bob, <@U111>',
        '- web-1 · 10.1.0.5 · project commerce-prod · impacted · Owners: <@U111>',
        '',
        '⚠ 1 DB server(s) (toros-stargate-my1) already impacted: telling the DB on-call now: @db-oncall',
        '',
        'Owners: <@U111> @bob',
        '',
      ].join('\n'),
    );
    assert.deepEqual([...n.mentions].sort(), ['<@U111>', '@bob', '@db-oncall']);
    assert.equal(n.kind, 'fault');
    assert.equal(n.incidentId, 'inc-pm-hang-krane-pg1-com908');
  });

  it('renders the runbook notice in Korean', () => {
    const n = renderFaultNotice({ incident: incident(), alarms: [TICKET], lang: 'ko', mentions, dbOncall: '@db-oncall' });
    const lines = n.text.split('\n');
    assert.equal(lines[0], '**[장애 공지] krane-pg1-com908 is hung**');
    assert.ok(lines.includes('- 티켓 정보 (티켓번호 / 호스트 / 장애코드): 721440 / krane-pg1-com908 / PING_FAIL'));
    assert.ok(lines.includes('- 서버 위치 / 아이피: PG1-024-22-14-33 / 10.61.128.38, 10.162.120.200'));
    assert.ok(lines.includes('- 서버 메시지: CRITICAL - Plugin timed out'));
    assert.ok(lines.includes('영향 서버 2대 (이미 영향 받음 2대):'));
    assert.ok(lines.includes('- toros-stargate-my1 · 10.1.0.5 · 프로젝트 commerce-prod · ⚠ DB · 영향 받음 · 담당자: @bob, <@U111>'));
    assert.ok(lines.includes('⚠ DB 서버 1대 (toros-stargate-my1) 가 이미 영향을 받았습니다. DB 온콜에게 지금 바로 알립니다: @db-oncall'));
    assert.equal(lines.at(-2), '담당자: <@U111> @bob');
  });

  const dbCases: { name: string; servers: ReturnType<typeof server>[]; lang: NoticeLang; want: RegExp | null }[] = [
    { name: 'no DB server: no warning', servers: [server('web-1')], lang: 'en', want: null },
    { name: 'DB impacted: tell the on-call now', servers: [server('pg-1', { db: true })], lang: 'en', want: /already impacted: telling the DB on-call now/ },
    { name: 'DB not impacted: wait for the DBA', servers: [server('pg-1', { db: true, impacted: false }), server('web-1')], lang: 'en', want: /pg-1\) not impacted yet: the work waits until the DBA/ },
    { name: 'DB not impacted, Korean', servers: [server('pg-1', { db: true, impacted: false })], lang: 'ko', want: /아직 영향 전입니다\. DBA의 사전 조치 확인을 받은 뒤에 작업합니다/ },
  ];
  for (const c of dbCases) {
    it(c.name, () => {
      const text = renderFaultNotice({ incident: incident({ servers: c.servers }), alarms: [TICKET], lang: c.lang, mentions }).text;
      if (c.want) assert.match(text, c.want);
      else assert.doesNotMatch(text, /⚠ \d|DB 서버/);
    });
  }

  it('says there is no ticket when the incident came from a scan alone', () => {
    const text = renderFaultNotice({ incident: incident({ tickets: [] }), alarms: [TICKET], lang: 'en', mentions }).text;
    assert.match(text, /^- Ticket \(ticket \/ host \/ fault code\): - \/ krane-pg1-com908 \/ hypervisor-down \(no alarm ticket/m);
    assert.doesNotMatch(text, /721440/, "a ticket the incident does not name is not this incident's");
  });

  it('lists at most LISTED_SERVERS servers but keeps the count and every owner mention complete', () => {
    const many = Array.from({ length: LISTED_SERVERS + 5 }, (_, i) => server(`vm-${String(i).padStart(3, '0')}`, { owners: [`owner${i}`] }));
    const n = renderFaultNotice({ incident: incident({ servers: many }), alarms: [TICKET], lang: 'en', mentions });
    assert.match(n.text, new RegExp(`Affected servers: ${LISTED_SERVERS + 5} `));
    assert.match(n.text, /- and 5 more/);
    assert.doesNotMatch(n.text, /vm-054 ·/);
    for (let i = 0; i < LISTED_SERVERS + 5; i++) assert.ok(n.mentions.includes(`@owner${i}`), `owner${i} is mentioned`);
    assert.match(n.text, /^Owners: .*@owner54/m);
  });
});

describe('recovery comment', () => {
  it('says what was done, who confirmed, and mentions the owners again (en and ko)', () => {
    const base = { incident: incident(), alarms: [TICKET], mentions, actions: ['rebooted the hypervisor', 'started all servers'], confirmedBy: 'fate.k' };
    const en = renderRecoveryComment({ ...base, lang: 'en' });
    assert.match(en.text, /^\*\*\[Recovered\] krane-pg1-com908 is hung\*\*$/m);
    assert.match(en.text, /^The fault is fixed\. Please check your services\. \(confirmed by: fate\.k\)$/m);
    assert.match(en.text, /^Done: rebooted the hypervisor \/ started all servers$/m);
    assert.match(en.text, /^- web-1 · .* · Owners: <@U111>$/m);
    assert.match(en.text, /^Owners: <@U111> @bob$/m);
    assert.deepEqual([...en.mentions].sort(), ['<@U111>', '@bob']);
    const ko = renderRecoveryComment({ ...base, lang: 'ko' });
    assert.match(ko.text, /^장애 복구가 완료되었습니다\. 서비스 확인 부탁드립니다\. \(확인자: fate\.k\)$/m);
    assert.match(ko.text, /^조치: rebooted the hypervisor/m);
  });

  it('is refused for a data-loss incident, and without what was done or who confirmed', () => {
    const base = { alarms: [TICKET], lang: 'en' as const, mentions, actions: ['swapped the disk'], confirmedBy: 'fate.k' };
    assert.throws(() => renderRecoveryComment({ ...base, incident: incident({ case: 'disk-data-loss' }) }), (e: unknown) => e instanceof ReportError && /no recovery comment/.test(e.message));
    assert.throws(() => renderRecoveryComment({ ...base, incident: incident(), confirmedBy: ' ' }), /who confirmed/);
    assert.throws(() => renderRecoveryComment({ ...base, incident: incident(), actions: [] }), /what was done/);
  });

  it('escapes what the engineer typed too', () => {
    const n = renderRecoveryComment({ incident: incident(), alarms: [TICKET], lang: 'en', mentions, actions: ['restarted *web-1*'], confirmedBy: '@here' });
    assert.match(n.text, /restarted \\\*web-1\\\*/);
    assert.match(n.text, new RegExp(`confirmed by: @${Z}here`));
  });
});

describe('data-loss notice', () => {
  const cases: { lang: NoticeLang; lines: string[] }[] = [
    {
      lang: 'en',
      lines: [
        '**[Data-loss notice] krane-pg1-com908 is hung**',
        'All data on it is lost and its instances (VMs) cannot be recovered.',
        'The VMs will be deleted within 2 days.',
        'Kubernetes worker and ingress nodes on it must be deleted and re-added to their clusters as new nodes.',
        'Deletion by: 2026-12-05',
      ],
    },
    {
      lang: 'ko',
      lines: [
        '**[데이터 유실 공지] krane-pg1-com908 is hung**',
        '서버의 모든 데이터가 유실되며, 인스턴스(VM)는 복구할 수 없습니다.',
        'VM은 2일 안에 일괄 삭제됩니다.',
        '쿠버네티스 클러스터의 워커·인그레스 노드는 삭제한 뒤 새 노드로 다시 추가해 주세요.',
        '삭제 예정: 2026-12-05 까지',
      ],
    },
  ];
  for (const c of cases) {
    it(`carries the fixed statement (${c.lang})`, () => {
      const n = renderDataLossNotice({ incident: incident({ case: 'disk-data-loss' }), alarms: [TICKET], lang: c.lang, mentions, now: new Date('2026-12-03T05:00:00Z') });
      const lines = n.text.split('\n');
      for (const l of c.lines) assert.ok(lines.includes(l), `has line ${l}\n${n.text}`);
      assert.ok(n.mentions.includes('<@U111>'));
    });
  }
});

describe('hostile values', () => {
  const kinds: NoticeKind[] = ['fault', 'recovery', 'data-loss'];
  for (const lang of ['ko', 'en'] as const) {
    for (const kind of kinds) {
      it(`${kind} (${lang}) carries no raw markup, link or mention from the data`, () => {
        const { incident: inc, alarms } = hostileIncident();
        const n = renderNotice(kind, { incident: inc, alarms, lang, mentions, actions: ['rebooted'], confirmedBy: 'fate.k' });
        // Once the intended mentions are taken out, nothing can notify, link, or format.
        let rest = n.text;
        for (const m of n.mentions) rest = rest.split(m).join('');
        // faultline's own markup: the bold title and its [kind] prefix.
        rest = rest.replace(/^\*\*\[[^\]]+\] (.*)\*\*$/m, '$1');
        assert.doesNotMatch(rest, /<|@(?!\u200b)|#(?!\u200b)|(?<!\\):\/\/|(?<!\\)(?:[*`~[\]|]|_(?![\p{L}\p{N}])|(?<![\p{L}\p{N}])_)/u, rest);
        for (const name of HOSTILE_NAMES) assert.ok(n.text.includes(chatText(name)), `${name} is shown, escaped`);
        assert.deepEqual(n.mentions, ['<@U111>'], 'only the owner is mentioned');
      });
    }
  }
});
