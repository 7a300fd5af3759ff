import { z } from 'zod';
import { SEVERITIES } from '../core/severity.js';

/**
 * The shape of `faultline.yaml`. Every section is optional and has defaults, so an
 * empty file (or none) is a valid configuration. Objects are strict: a misspelt key
 * is an error with a "did you mean", never a silently ignored setting.
 *
 * Refinements carry `params.fix`, the sentence the loader shows as the fix.
 */

const severity = z.enum(SEVERITIES);

const seconds = (fallback: number, what: string) =>
  z.number().positive().default(fallback).describe(`${what}, in seconds (default ${fallback}).`);

function isRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

/** `2026-03-01` or a full ISO timestamp such as `2026-03-01T12:00:00Z`. */
function isIsoDate(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(text) && !Number.isNaN(Date.parse(text));
}

function isHttpUrl(text: string): boolean {
  return /^https?:\/\//i.test(text);
}

export const openstackSchema = z
  .strictObject({
    cloud: z.string().min(1).optional().describe('Cloud name in clouds.yaml; default: OS_CLOUD, then the OS_* variables.'),
    regions: z.array(z.string().min(1)).optional().describe('Regions to collect; default: the region chosen by clouds.yaml.'),
    interface: z.enum(['public', 'internal', 'admin']).default('public').describe('Endpoint interface from the service catalog.'),
    timeoutSeconds: seconds(30, 'Timeout of one OpenStack API request'),
    computeHostPattern: z
      .string()
      .refine(isRegExp, { message: 'is not a valid regular expression', params: { fix: 'write a JavaScript regular expression, e.g. "^cmp-\\\\d+"' } })
      .optional()
      .describe('Regular expression selecting compute host names; default: every host.'),
    microversion: z
      .string()
      .refine((v) => /^\d+\.\d+$/.test(v) || v === 'latest', {
        message: 'is not a compute API microversion',
        params: { fix: 'write a version such as "2.88" (quoted, so YAML keeps it a string)' },
      })
      .default('2.88')
      .describe('Compute API microversion to request.'),
  })
  .describe('How to reach OpenStack.');

export const kubernetesSchema = z
  .strictObject({
    kubeconfig: z.string().min(1).optional().describe('Path to a kubeconfig; default: KUBECONFIG, then ~/.kube/config.'),
    contexts: z.array(z.string().min(1)).optional().describe('Contexts to collect; default: the current context; ["*"]: every context in the kubeconfig(s).'),
    inCluster: z.boolean().optional().describe('Use the pod\'s service account (KUBERNETES_SERVICE_HOST and /var/run/secrets/kubernetes.io/serviceaccount); default: when those are present and no kubeconfig is configured or found.'),
    concurrency: z.number().int().positive().default(16).describe('Clusters read at once.'),
    clusterTimeoutSeconds: z.number().positive().default(60).describe('Deadline for reading one cluster, in seconds; kinds not listed by then are reported unlisted.'),
    pageSize: z.number().int().positive().max(10_000).default(500).describe('Objects per list page (the limit parameter).'),
  })
  .describe('How to reach Kubernetes.');

export const collectorSettingsSchema = z.strictObject({
  enabled: z.boolean().optional().describe('false turns the collector off.'),
  timeoutSeconds: z.number().positive().optional().describe('Deadline for this collector, in seconds.'),
});

export const alarmsSchema = z
  .strictObject({
    source: z.string().min(1).describe('A file path or an http(s) URL to read alarms from.'),
    format: z.enum(['tickets', 'alertmanager']).default('tickets').describe('How the alarms are written.'),
    timeoutSeconds: seconds(15, 'Timeout of the alarm request'),
    headers: z.record(z.string(), z.string()).optional().describe('HTTP headers for a URL source, e.g. Authorization.'),
  })
  .refine((a) => a.headers === undefined || isHttpUrl(a.source), {
    message: 'headers only apply to an http(s) source',
    path: ['headers'],
    params: { fix: 'remove headers, or make source an http:// or https:// URL' },
  })
  .describe('Where hardware alarms come from.');

export const prometheusConfigSchema = z
  .strictObject({
    url: z.string().refine(isHttpUrl, { message: 'is not an http(s) URL', params: { fix: 'write the base URL, e.g. http://prometheus.monitoring:9090' } }).describe('Base URL of the Prometheus HTTP API (or Thanos Query / Mimir), without /api/v1, e.g. http://prometheus.monitoring:9090.'),
    clusterLabel: z
      .string()
      .refine((v) => /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(v), { message: 'is not a Prometheus label name', params: { fix: 'use letters, digits and underscores, e.g. "cluster"' } })
      .default('cluster')
      .describe('The label that names the Kubernetes cluster on every series (its value must equal the cluster name).'),
    windowDays: z.number().int().positive().default(7).describe('Days a Service must be idle to count as unused.'),
    timeoutSeconds: seconds(30, 'Timeout of the Prometheus queries'),
    headers: z.record(z.string(), z.string()).optional().describe('HTTP headers, e.g. X-Scope-OrgID for Mimir. Values of Authorization headers are secrets.'),
    bearerToken: z.string().min(1).optional().describe('Sent as Authorization: Bearer. A secret: redacted from all output.'),
  })
  .describe('The Prometheus that holds the unused-service signals (istio_requests_total, kafka consumer rates, kube-state-metrics).');

export const inventorySchema = z
  .strictObject({ file: z.string().min(1).describe('Path to the inventory file.') })
  .describe('The host inventory.');

/** One BMC's login; the password is a secret (redacted from all output). */
export const bmcEntrySchema = z
  .strictObject({
    address: z.url({ protocol: /^https?$/ }).describe('The BMC\'s base URL, e.g. https://10.0.8.21 (the Redfish service is below /redfish/v1).'),
    username: z.string().min(1).describe('BMC user allowed to reset the system.'),
    password: z.string().min(1).describe('Its password (a secret: redacted from all output).'),
  })
  .describe('How to reach one hypervisor\'s BMC.');

export const bmcSchema = z
  .strictObject({
    inventory: z.string().min(1).optional().describe('YAML file with `hypervisors: {<name>: {address, username, password}}` (faultline lab writes bmc.yaml); entries under hypervisors here win.'),
    hypervisors: z.record(z.string(), bmcEntrySchema).default({}).describe('BMC per hypervisor name.'),
    requestTimeoutSeconds: seconds(10, 'One Redfish request'),
    powerTimeoutSeconds: seconds(300, 'Waiting for PowerState to reach On or Off after a reset'),
    pollIntervalSeconds: seconds(2, 'Between PowerState reads'),
    resetSettleSeconds: seconds(30, 'How long a reset may show no effect before it is sent once more (a timed-out one is observed first)'),
  })
  .describe('The hypervisors\' BMCs (Redfish), for power actions out of band.');

export const hostsSchema = z
  .strictObject({
    username: z.string().min(1).default('root').describe('SSH user on the hypervisors.'),
    port: z.number().int().min(1).max(65535).default(22).describe('SSH port on the hypervisors.'),
    privateKey: z.string().min(1).optional().describe('Private key file; default: only the ssh-agent.'),
    passphrase: z.string().optional().describe('Passphrase of the private key (a secret: redacted from all output).'),
    agent: z.union([z.boolean(), z.string().min(1)]).default(true).describe('Use the ssh-agent (SSH_AUTH_SOCK), a socket path, or false.'),
    knownHosts: z.string().min(1).default('~/.ssh/known_hosts').describe('known_hosts file that host keys are checked against.'),
    insecureSkipHostKeyCheck: z.boolean().default(false).describe('Accept any host key. Dangerous; every run says so.'),
    jumpHost: z
      .strictObject({ host: z.string().min(1), port: z.number().int().min(1).max(65535).optional(), username: z.string().min(1).optional() })
      .optional()
      .describe('Bastion to go through (like ProxyJump).'),
    concurrency: z.number().int().positive().default(32).describe('Hosts collected at once.'),
    hostTimeoutSeconds: seconds(120, 'Everything on one host, connection included'),
    connectTimeoutSeconds: seconds(15, 'TCP connect, SSH handshake and authentication on one host (a hung host answers nothing)'),
    commandTimeoutSeconds: seconds(30, 'One command on one host'),
    address: z.enum(['hostIp', 'name', 'host']).default('hostIp').describe('Which hypervisor field to connect to.'),
    hostPattern: z
      .string()
      .refine(isRegExp, { message: 'is not a valid regular expression', params: { fix: 'write a JavaScript regular expression, e.g. "^krane-[a-z0-9]+-com"' } })
      .optional()
      .describe('Only hosts whose name matches; default: openstack.computeHostPattern.'),
    sudo: z.boolean().default(false).describe('Run root-only commands through sudo -n.'),
    nodes: z
      .strictObject({
        serverPattern: z
          .string()
          .refine(isRegExp, { message: 'is not a valid regular expression', params: { fix: 'write a JavaScript regular expression, e.g. "^k8s-.+-(master|worker)-\\d+$"' } })
          .default('^k8s-.+-(master|worker)-\\d+$')
          .describe('Servers whose name matches are Kubernetes node VMs.'),
        storageInterfaces: z
          .string()
          .refine(isRegExp, { message: 'is not a valid regular expression', params: { fix: 'write a JavaScript regular expression, e.g. "^(stor|san)"' } })
          .default('^(stor|san|iscsi)')
          .describe('Node interfaces whose name matches carry storage traffic (judged against the jumbo MTU).'),
        port: z.number().int().min(1).max(65535).optional().describe('SSH port on the nodes; default: hosts.port.'),
        concurrency: z.number().int().positive().optional().describe('Nodes collected at once; default: hosts.concurrency.'),
      })
      .optional()
      .describe('Also collect host facts from the Kubernetes node VMs (kubelet, containerd and its socket, join errors, swap, interfaces and MTU, iSCSI, multipath) at their server addresses, with the same SSH credentials.'),
    hugepages: z
      .strictObject({
        pageSize: z.enum(['2M', '1G']).describe('Page size the flavors ask for (hw:mem_page_size).'),
        minTotal: z.number().int().positive().describe('Pages of that size a hypervisor must have reserved.'),
      })
      .optional()
      .describe('Huge pages a hypervisor must reserve; check-host checks them only when this is set.'),
  })
  .describe('Host facts over SSH (dmesg, smartctl, free, df, containers, …); read-only, allow-listed commands.');

export const detectorSettingsSchema = z.strictObject({
  enabled: z.boolean().optional().describe('false turns the detector off.'),
  severity: severity.optional().describe("Overrides the detector's severity."),
  options: z.record(z.string(), z.unknown()).optional().describe('Detector options; see the detector docs.'),
});

const SUPPRESSION_MATCHERS = ['detector', 'resource', 'parent', 'fingerprint'] as const;

export const suppressionSchema = z
  .strictObject({
    detector: z.string().min(1).optional().describe('Detector id; omitted = every detector.'),
    resource: z.string().min(1).optional().describe('Glob (*) over the resource id or name.'),
    parent: z.string().min(1).optional().describe("Glob over the parent's id or name, e.g. one hypervisor."),
    fingerprint: z.string().min(1).optional().describe("A finding's fingerprint."),
    reason: z.string().trim().min(1).describe('Why this is suppressed; shown in reports.'),
    until: z
      .string()
      .refine(isIsoDate, { message: 'is not an ISO date', params: { fix: 'write a date such as "2026-03-31" or "2026-03-31T18:00:00Z"' } })
      .optional()
      .describe('ISO date after which the suppression stops applying.'),
  })
  .refine((s) => SUPPRESSION_MATCHERS.some((k) => s[k] !== undefined), {
    message: 'matches every finding: it names none of detector, resource, parent or fingerprint',
    params: { fix: 'add at least one of detector, resource, parent or fingerprint' },
  });

export const probesSchema = z
  .strictObject({
    sshPort: z.number().int().min(1).max(65535).default(22).describe('TCP port of the SSH banner check.'),
    sshHangSeconds: seconds(10, 'How long after connecting an SSH banner may take before the server counts as hanging'),
    sshConnectTimeoutSeconds: seconds(3, 'How long the TCP connect of the SSH check may take'),
    sshConcurrency: z.number().int().positive().default(256).describe('SSH checks in flight at once.'),
    pingTimeoutMs: z.number().int().positive().default(500).describe('fping per-target timeout, in milliseconds.'),
    pingRetries: z.number().int().min(0).default(1).describe('fping retries per target.'),
    pingIntervalMs: z.number().int().min(0).default(1).describe('Gap between ping packets of one fping process, in milliseconds (fping -i).'),
    pingOnlyPattern: z
      .string()
      .refine(isRegExp, { message: 'is not a valid regular expression', params: { fix: 'write a JavaScript regular expression, e.g. "^amphora-"' } })
      .default('^amphora-')
      .describe('Servers whose name matches are checked by ping only (load-balancer amphorae).'),
    hypervisors: z.boolean().default(true).describe('Also probe hypervisors that have a host IP.'),
  })
  .describe('Reachability probes (ICMP through fping, SSH banner).');

export const consoleLogsSchema = z
  .strictObject({
    lines: z.number().int().positive().max(10_000).default(200).describe('Lines read from the end of each console log (Nova os-getConsoleOutput length).'),
    concurrency: z.number().int().positive().default(8).describe('Console logs read at once (each is an RPC to the compute host).'),
    maxServers: z.number().int().positive().default(500).describe('At most this many console logs per region and run; the rest are named in a warning.'),
  })
  .describe('Guest console logs, read for servers that fail a probe and servers in ERROR, to find kernel panics.');

export const noticesSchema = z
  .strictObject({
    webhook: z
      .string()
      .refine(isHttpUrl, { message: 'is not an http(s) URL', params: { fix: 'write the incoming-webhook URL, e.g. "https://hooks.slack.com/services/…"' } })
      .optional()
      .describe('Slack-compatible incoming-webhook URL the notices are posted to. A secret: redacted from all output.'),
    timeoutSeconds: seconds(10, 'Timeout of one webhook post'),
    lang: z.enum(['ko', 'en']).default('ko').describe('Language of the notices.'),
    mention: z
      .string()
      .refine((t) => t.includes('{owner}'), { message: 'does not contain {owner}', params: { fix: 'write a template such as "@{owner}"; {owner} stands for the owner\'s name' } })
      .optional()
      .describe('How an owner not listed under owners is mentioned; {owner} is the name as the inventory gives it, e.g. "@{owner}". Unset: only listed owners are mentioned.'),
    owners: z.record(z.string(), z.string().min(1)).default({}).describe('Owner (as the inventory names them) → the exact mention, e.g. "<@U0123ABCD>" for Slack.'),
    dbOncall: z.string().min(1).optional().describe('How the DB on-call is mentioned in the DB warning, e.g. "@db-oncall".'),
  })
  .describe('Fault, recovery and data-loss notices (chat Markdown).');

export const pagerDutySchema = z
  .strictObject({
    routingKey: z
      .string()
      .refine((k) => /^[A-Za-z0-9]{32}$/.test(k), { message: 'is not a 32-character integration key', params: { fix: "copy the Integration Key of the service's Events API v2 integration (32 letters and digits)" } })
      .describe('Integration (routing) key of an Events API v2 integration. A secret: redacted from all output and never kept in the store.'),
    eventsUrl: z
      .string()
      .refine(isHttpUrl, { message: 'is not an http(s) URL', params: { fix: 'leave it out for PagerDuty itself (https://events.pagerduty.com/v2/enqueue), or write the full enqueue URL' } })
      .default('https://events.pagerduty.com/v2/enqueue')
      .describe('Events API v2 enqueue URL (default PagerDuty\'s own; the EU service is https://events.eu.pagerduty.com/v2/enqueue).'),
    timeoutSeconds: seconds(10, 'Timeout of one event post'),
    source: z.string().min(1).default('faultline').describe('payload.source of the events when the incident names no host.'),
  })
  .describe('PagerDuty Events API v2: fault notices and prod escalations trigger an alert keyed by the incident or run id; recovery notices resolve it.');

export const notifyRetrySchema = z
  .strictObject({
    maxAttempts: z.number().int().min(1).max(50).default(6).describe('Attempts in all for one notice or page, the first included (default 6).'),
    initialSeconds: seconds(2, 'Wait after the first failed attempt; it doubles after each further one, with jitter'),
    maxSeconds: seconds(300, 'Longest wait between two attempts'),
    leaseSeconds: seconds(60, 'How long a sender holds a notice it is sending; one that died lets go after this'),
  })
  .refine((r) => r.initialSeconds <= r.maxSeconds, { message: 'initialSeconds is larger than maxSeconds', params: { fix: 'make maxSeconds at least initialSeconds, e.g. initialSeconds 2, maxSeconds 300' } })
  .describe('Retries of notices and pages that fail (5xx, 429, no answer); a 4xx that cannot succeed is not retried.');

export const notifySchema = z
  .strictObject({
    pagerduty: pagerDutySchema.optional(),
    retry: notifyRetrySchema.prefault({}),
    waitSeconds: seconds(60, 'How long a runbook step or `faultline notice --send` waits for its notice to be delivered (retries included) before it reports it as not out'),
  })
  .describe('Delivery of notices and pages through the outbox in the store: each is written there first, sent once per event, retried with backoff. The chat webhook is notices.webhook.');

export const reportSchema = z
  .strictObject({
    format: z.enum(['html', 'json', 'table', 'markdown']).optional().describe('Report format.'),
    out: z.string().min(1).optional().describe('File to write the report to; default: standard output.'),
    failOn: severity.optional().describe('Exit non-zero when a finding is at least this severe.'),
  })
  .describe('How to report.');

function isPostgresUrl(text: string): boolean {
  if (!/^postgres(ql)?:\/\//i.test(text)) return false;
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}

const days = (fallback: number, what: string) => z.number().positive().default(fallback).describe(`${what}, in days (default ${fallback}).`);

export const storeSchema = z
  .strictObject({
    path: z
      .string()
      .min(1)
      .optional()
      .describe('Directory of the embedded store (PGlite); default: $XDG_STATE_HOME/faultline, else ~/.local/state/faultline.'),
    url: z
      .string()
      .refine(isPostgresUrl, { message: 'is not a PostgreSQL URL', params: { fix: 'write postgres://user:password@host:5432/database' } })
      .optional()
      .describe('A PostgreSQL server to use instead of the embedded store (postgres://user:password@host:5432/database; the password is a secret).'),
    record: z.boolean().default(true).describe('Record every scan; `faultline scan --record` / `--no-record` override it.'),
    lockTimeoutSeconds: seconds(30, 'How long to wait for another faultline using the embedded store'),
    connectTimeoutSeconds: seconds(10, 'How long connecting to the server may take'),
    lookbackDays: days(62, 'How far back the rules that need memory read'),
    retention: z
      .strictObject({
        scansDays: days(400, 'Scans and ticket count history kept'),
        resolvedDays: days(400, 'Resolved findings and incidents kept, so one that comes back a year later is recognised'),
        actionsDays: days(730, 'Operator actions and stops Nova did on its own kept'),
      })
      .prefault({})
      .describe('How long the store keeps things.'),
  })
  .refine((s) => s.path === undefined || s.url === undefined, {
    message: 'sets both path and url',
    params: { fix: 'keep url to use the PostgreSQL server, or path for the embedded store (move data with faultline store export / import)' },
  })
  .describe('The history store: embedded by default, a PostgreSQL server when url is set. Without this section scans are not recorded.');

export const API_ROLES = ['read', 'operate', 'admin'] as const;

export const serverTokenSchema = z
  .strictObject({
    name: z.string().min(1).describe('Who holds the token; the actor the audit log names for its calls (e.g. "night-shift").'),
    role: z.enum(API_ROLES).describe('read < operate < admin: read lists, operate also approves gates and posts alerts, admin may do everything.'),
    tokenFile: z.string().min(1).optional().describe('File holding the token (one line; relative to this file). Keep it mode 0600.'),
    tokenEnv: z
      .string()
      .refine((v) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(v), { message: 'is not an environment variable name', params: { fix: 'write the variable name, e.g. FAULTLINE_READ_TOKEN' } })
      .optional()
      .describe('Environment variable holding the token.'),
    sha256: z
      .string()
      .refine((v) => /^[0-9a-fA-F]{64}$/.test(v), { message: 'is not a SHA-256 hex digest', params: { fix: 'write the 64 hex digits of `printf %s "$TOKEN" | sha256sum`' } })
      .optional()
      .describe('SHA-256 (hex) of the token, so faultline.yaml never holds the token itself.'),
  })
  .refine((t) => [t.tokenFile, t.tokenEnv, t.sha256].filter((v) => v !== undefined).length === 1, {
    message: 'needs exactly one of tokenFile, tokenEnv and sha256',
    params: { fix: 'say where the token is: tokenFile: <file>, tokenEnv: <VARIABLE> or sha256: <hex digest>' },
  })
  .describe('A bearer token of the HTTP API. The token itself is never written to the file, logs or output.');

export const serverSchema = z
  .strictObject({
    listen: z
      .string()
      .refine((v) => /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(v), { message: 'is not host:port', params: { fix: 'write e.g. "127.0.0.1:8080" or "[::1]:8080"' } })
      .default('127.0.0.1:8080')
      .describe('Where `faultline serve` listens (host:port); `--listen` overrides it.'),
    scanIntervalSeconds: seconds(300, 'Time between the scans `faultline serve` records'),
    leaseTtlSeconds: seconds(
      30,
      'How long a region lease of `faultline serve` lasts without renewal, on a PostgreSQL store with several instances; each instance renews its leases every third of it, and another takes a dead one\'s regions over once they run out',
    ),
    outboxIntervalSeconds: seconds(5, 'Time between the passes of the outbox delivery loop in `faultline serve` (notices and pages a run or a crash left pending)'),
    tokens: z.array(serverTokenSchema).default([]).describe('Bearer tokens of the HTTP API; every call needs one.'),
  })
  .describe('`faultline serve`: the HTTP API, the Alertmanager webhook and /metrics.');

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const HH_MM = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;

const timeOfDay = (fallback: string, what: string) =>
  z
    .string()
    .refine((t) => HH_MM.test(t), { message: 'is not a time of day', params: { fix: 'write 24-hour HH:MM in quotes, e.g. "09:00" ("24:00" is the end of the day)' } })
    .default(fallback)
    .describe(`${what}, HH:MM on the business hours' wall clock (default ${fallback}).`);

export const runbooksSchema = z
  .strictObject({
    stormFraction: z
      .number()
      .positive()
      .max(1)
      .default(0.3)
      .describe(
        "Storm check before a run's first disruptive step: more than this fraction of the region's hypervisors down, or of a ping sample of its other ACTIVE servers silent, and the run pages and does nothing disruptive (default 0.3; 1 turns the check off). `faultline run --storm-fraction` overrides it.",
      ),
    stormSample: z.number().int().positive().default(200).describe('How many of the region\'s other ACTIVE servers the storm check pings (default 200).'),
    advanceNoticeHours: z
      .number()
      .nonnegative()
      .default(4)
      .describe('Planned part work (part-needs-judgement) starts no earlier than this many hours after its announcement (default 4; more when the owners ask).'),
    monitorHours: z
      .number()
      .positive()
      .default(24)
      .describe('A part under the ticket count is watched this many hours before it is judged again and closed without action (default 24).'),
    businessHours: z
      .strictObject({
        timeZone: z
          .string()
          .refine(isTimeZone, { message: 'is not a time zone this Node knows', params: { fix: 'write an IANA zone name, e.g. "Asia/Seoul" or "UTC"' } })
          .optional()
          .describe('IANA time zone of the hours; default: the time zone of the machine faultline runs on.'),
        days: z
          .array(z.number().int().min(1).max(7))
          .default([1, 2, 3, 4, 5])
          .describe('ISO weekdays with business hours, 1 = Monday … 7 = Sunday (default Monday to Friday).'),
        start: timeOfDay('09:00', 'When the day starts'),
        end: timeOfDay('18:00', 'When it ends (exclusive)'),
      })
      // Judged only between two valid times, so a bad one is reported once, under its own key.
      .refine((h) => !HH_MM.test(h.start) || !HH_MM.test(h.end) || h.start < h.end, { message: 'ends before it starts', params: { fix: 'make end later than start, e.g. start "09:00", end "18:00"' } })
      .prefault({})
      .describe("When a dev zone's escalation goes out: a chat mention of the on-call, never a page, held until the hours open (the run waits; resume it then)."),
  })
  .describe('How runbooks run.');

const flapLimitSchema = z
  .strictObject({
    restarts: z.number().int().positive().default(3).describe('Starts allowed per server within the window (default 3).'),
    windowMinutes: z.number().positive().default(60).describe('The sliding window, in minutes (default 60).'),
  })
  .describe('After this many starts of one server within the window the watch stops starting it and escalates once, pointing at its hypervisor. Counted in the store, so a restart of faultline keeps the count.');

export const watchSchema = z
  .strictObject({
    intervalSeconds: z.number().min(1).default(10).describe('Seconds between rounds (default 10); `faultline watch --interval` overrides it.'),
    resyncEvery: z.number().int().positive().default(60).describe('Every this many rounds Nova is asked for the whole fleet instead of only what changed (default 60).'),
    autoRun: z
      .strictObject({
        'host-stopped-server': z
          .strictObject({
            enabled: z.boolean().default(false).describe('Start servers their host stopped, through the host-stopped-server runbook (default false: the watch only reports them).'),
            flapLimit: flapLimitSchema.prefault({}),
            maxStopAgeMinutes: z
              .number()
              .positive()
              .default(60)
              .describe('Only stops by the host this recent are answered with a start (default 60); a server left SHUTOFF longer was left so by its owner or needs a person, and is only reported.'),
          })
          .prefault({}),
      })
      .prefault({})
      .describe('Runbooks the watch may start on its own, each opted in by name. Only host-stopped-server can be, so far.'),
    alertmanager: z
      .strictObject({
        url: z
          .string()
          .refine(isHttpUrl, { message: 'is not an http(s) URL', params: { fix: 'write the base URL, e.g. http://alertmanager.monitoring:9093' } })
          .describe('Base URL of Alertmanager (its API v2 is under /api/v2).'),
        timeoutSeconds: seconds(5, 'Timeout of one poll'),
        headers: z.record(z.string(), z.string()).optional().describe('HTTP headers, e.g. Authorization. Their values are secrets.'),
      })
      .optional()
      .describe('An Alertmanager polled each round: a new firing alert that names a server or hypervisor starts a round for it at once.'),
  })
  .describe('How `faultline watch` runs.');

export const configSchema = z
  .strictObject({
    openstack: openstackSchema.prefault({}),
    kubernetes: kubernetesSchema.prefault({}),
    collectors: z.record(z.string(), collectorSettingsSchema).default({}).describe('Per-collector settings by collector id.'),
    collectTimeoutSeconds: seconds(120, 'Deadline of a collector that sets none'),
    alarms: alarmsSchema.optional(),
    inventory: inventorySchema.optional(),
    prometheus: prometheusConfigSchema.optional(),
    hosts: hostsSchema.optional(),
    bmc: bmcSchema.optional(),
    detectors: z.record(z.string(), detectorSettingsSchema).default({}).describe('Per-detector settings by detector id.'),
    suppressions: z.array(suppressionSchema).default([]).describe('Findings to hide, each with a reason.'),
    probes: probesSchema.prefault({}),
    consoleLogs: consoleLogsSchema.prefault({}),
    report: reportSchema.prefault({}),
    notices: noticesSchema.optional(),
    notify: notifySchema.optional(),
    store: storeSchema.optional(),
    runbooks: runbooksSchema.prefault({}),
    server: serverSchema.optional(),
    watch: watchSchema.prefault({}),
    zones: z.record(z.string(), z.enum(['prod', 'dev'])).default({}).describe('Whether each region is prod or dev.'),
  })
  .meta({ title: 'faultline.yaml', description: 'Configuration of faultline. Relative paths are taken from the directory of this file.' });

/** The configuration after defaults are applied. */
export type FaultlineConfig = z.output<typeof configSchema>;
/** What may be written in `faultline.yaml`. */
export type FaultlineConfigInput = z.input<typeof configSchema>;
export type DetectorConfig = z.output<typeof detectorSettingsSchema>;
export type SuppressionConfig = z.output<typeof suppressionSchema>;
export type CollectorConfig = z.output<typeof collectorSettingsSchema>;
export type NoticesConfig = z.output<typeof noticesSchema>;
export type NotifyConfig = z.output<typeof notifySchema>;
export type StoreConfig = z.output<typeof storeSchema>;
export type BmcConfig = z.output<typeof bmcSchema>;
export type RunbooksConfig = z.output<typeof runbooksSchema>;
export type ServerConfig = z.output<typeof serverSchema>;
export type ApiRole = (typeof API_ROLES)[number];
export type WatchConfig = z.output<typeof watchSchema>;

/** The configuration used when there is no file. */
export function defaultConfig(): FaultlineConfig {
  return configSchema.parse({});
}

/** JSON Schema of what may be written in `faultline.yaml`, for editors and docs. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input' }) as Record<string, unknown>;
}
