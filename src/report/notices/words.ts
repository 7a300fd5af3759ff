/**
 * What the notices say, in Korean and English. The content follows the runbook
 * (`000` §5.1–5.5): ticket, host and fault code; location and IPs; the alarm's
 * message; the servers and their owners; the DB warning; the recovery comment;
 * and the fixed data-loss statement. Written for faultline, not copied.
 */
export const NOTICE_LANGS = ['ko', 'en'] as const;
export type NoticeLang = (typeof NOTICE_LANGS)[number];

export interface NoticeWords {
  readonly faultTitle: string;
  readonly recoveryTitle: string;
  readonly dataLossTitle: string;
  readonly ticket: string;
  readonly locationIps: string;
  readonly message: string;
  readonly noTicket: string;
  readonly incident: (severity: string, zone: string, region: string | undefined) => string;
  readonly affected: (servers: number, impacted: number) => string;
  readonly noServers: string;
  readonly moreServers: (n: number) => string;
  readonly db: string;
  readonly down: string;
  readonly project: string;
  readonly owners: string;
  readonly noOwners: string;
  readonly dbImpacted: (n: number, names: string, oncall: string) => string;
  readonly dbWaiting: (n: number, names: string, oncall: string) => string;
  readonly recovered: (confirmedBy: string) => string;
  readonly actions: string;
  readonly dataLoss: readonly string[];
  readonly deleteBy: (date: string) => string;
}

const KO: NoticeWords = {
  faultTitle: '[장애 공지]',
  recoveryTitle: '[복구 완료]',
  dataLossTitle: '[데이터 유실 공지]',
  ticket: '티켓 정보 (티켓번호 / 호스트 / 장애코드)',
  locationIps: '서버 위치 / 아이피',
  message: '서버 메시지',
  noTicket: '알람 티켓 없음 (faultline 점검으로 발견)',
  incident: (severity, zone, region) => `심각도 ${severity} · ${zone === 'dev' ? '개발' : '운영'} 존${region ? ` · 리전 ${region}` : ''}`,
  affected: (servers, impacted) => `영향 서버 ${servers}대 (이미 영향 받음 ${impacted}대)`,
  noServers: '이 하이퍼바이저에 서버가 없습니다.',
  moreServers: (n) => `외 ${n}대 (전체 목록은 faultline show 로 확인)`,
  db: '⚠ DB',
  down: '영향 받음',
  project: '프로젝트',
  owners: '담당자',
  noOwners: '인벤토리에 담당자 없음',
  dbImpacted: (n, names, oncall) => `⚠ DB 서버 ${n}대 (${names}) 가 이미 영향을 받았습니다. DB 온콜에게 지금 바로 알립니다${oncall ? `: ${oncall}` : '.'}`,
  dbWaiting: (n, names, oncall) =>
    `⚠ DB 서버 ${n}대 (${names}) 는 아직 영향 전입니다. DBA의 사전 조치 확인을 받은 뒤에 작업합니다${oncall ? `: ${oncall}` : '.'}`,
  recovered: (by) => `장애 복구가 완료되었습니다. 서비스 확인 부탁드립니다. (확인자: ${by})`,
  actions: '조치',
  dataLoss: [
    '이 서버는 디스크 장애로 디스크를 교체하고 OS를 다시 설치합니다.',
    '서버의 모든 데이터가 유실되며, 인스턴스(VM)는 복구할 수 없습니다.',
    'VM은 2일 안에 일괄 삭제됩니다.',
    '쿠버네티스 클러스터의 워커·인그레스 노드는 삭제한 뒤 새 노드로 다시 추가해 주세요.',
  ],
  deleteBy: (date) => `삭제 예정: ${date} 까지`,
};

const EN: NoticeWords = {
  faultTitle: '[Fault notice]',
  recoveryTitle: '[Recovered]',
  dataLossTitle: '[Data-loss notice]',
  ticket: 'Ticket (ticket / host / fault code)',
  locationIps: 'Location / IPs',
  message: 'Message',
  noTicket: 'no alarm ticket (found by a faultline scan)',
  incident: (severity, zone, region) => `Severity ${severity} · ${zone} zone${region ? ` · region ${region}` : ''}`,
  affected: (servers, impacted) => `Affected servers: ${servers} (${impacted} already impacted)`,
  noServers: 'No servers on this hypervisor.',
  moreServers: (n) => `and ${n} more (faultline show lists them all)`,
  db: '⚠ DB',
  down: 'impacted',
  project: 'project',
  owners: 'Owners',
  noOwners: 'no owner in the inventory',
  dbImpacted: (n, names, oncall) => `⚠ ${n} DB server(s) (${names}) already impacted: telling the DB on-call now${oncall ? `: ${oncall}` : '.'}`,
  dbWaiting: (n, names, oncall) =>
    `⚠ ${n} DB server(s) (${names}) not impacted yet: the work waits until the DBA has acknowledged and prepared${oncall ? `: ${oncall}` : '.'}`,
  recovered: (by) => `The fault is fixed. Please check your services. (confirmed by: ${by})`,
  actions: 'Done',
  dataLoss: [
    'The disk of this server failed: the disk is being replaced and the OS reinstalled.',
    'All data on it is lost and its instances (VMs) cannot be recovered.',
    'The VMs will be deleted within 2 days.',
    'Kubernetes worker and ingress nodes on it must be deleted and re-added to their clusters as new nodes.',
  ],
  deleteBy: (date) => `Deletion by: ${date}`,
};

export const WORDS: Readonly<Record<NoticeLang, NoticeWords>> = { ko: KO, en: EN };
