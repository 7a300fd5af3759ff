import type { SqlEngine } from './engine.js';
import { StoreError } from './errors.js';

/**
 * The schema, as numbered steps. A step, once released, never changes: a store
 * records which steps it has, and a new binary adds steps after them. Every step
 * is plain PostgreSQL 15 so the server and PGlite (18) run the very same text.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'scans, findings, incidents, alarms, host stops, actions',
    sql: `
CREATE TABLE scans (
  id bigserial PRIMARY KEY,
  collected_at timestamptz NOT NULL,
  evaluated_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL,
  source text NOT NULL,
  faultline_version text NOT NULL,
  partial boolean NOT NULL,
  collectors jsonb NOT NULL,
  summary jsonb NOT NULL
);
CREATE INDEX scans_collected_at ON scans (collected_at);

CREATE TABLE findings (
  fingerprint text PRIMARY KEY,
  detector_id text NOT NULL,
  message_id text NOT NULL,
  severity text NOT NULL,
  message text NOT NULL,
  resource_kind text NOT NULL,
  resource_id text NOT NULL,
  resource_name text,
  region text,
  parent_kind text,
  parent_id text,
  parent_name text,
  -- A hash of what the operator sees (message, severity, names): the row is rewritten only when it changes.
  signature text NOT NULL,
  first_seen timestamptz NOT NULL,
  -- When the row was last written; an open finding was also seen at every later complete run of its detector (finding_state).
  last_seen timestamptz NOT NULL,
  resolved_at timestamptz,
  first_scan_id bigint NOT NULL,
  last_scan_id bigint NOT NULL,
  episodes integer NOT NULL
);
-- The last run of each detector over complete inputs: an open finding of it was seen then (else it would be resolved).
CREATE TABLE detector_runs (
  detector_id text PRIMARY KEY,
  last_judged_at timestamptz NOT NULL,
  last_scan_id bigint NOT NULL
);
CREATE VIEW finding_state AS
  SELECT f.fingerprint, f.detector_id, f.message_id, f.severity, f.message, f.resource_kind, f.resource_id, f.resource_name, f.region,
         f.parent_kind, f.parent_id, f.parent_name, f.first_seen,
         CASE WHEN f.resolved_at IS NULL AND d.last_judged_at > f.last_seen THEN d.last_judged_at ELSE f.last_seen END AS last_seen,
         f.resolved_at, f.episodes
    FROM findings f LEFT JOIN detector_runs d ON d.detector_id = f.detector_id;
CREATE INDEX findings_resource ON findings (resource_id);
CREATE INDEX findings_resource_name ON findings (resource_name);
CREATE INDEX findings_parent ON findings (parent_id);
CREATE INDEX findings_parent_name ON findings (parent_name);
CREATE INDEX findings_open ON findings (detector_id) WHERE resolved_at IS NULL;

CREATE TABLE finding_episodes (
  fingerprint text NOT NULL,
  opened_at timestamptz NOT NULL,
  closed_at timestamptz,
  PRIMARY KEY (fingerprint, opened_at)
);

CREATE TABLE incidents (
  id text PRIMARY KEY,
  incident_case text NOT NULL,
  severity text NOT NULL,
  title text NOT NULL,
  region text,
  root_kind text NOT NULL,
  root_id text NOT NULL,
  root_name text,
  root_detector text NOT NULL,
  root_fingerprint text NOT NULL,
  finding_fingerprints jsonb NOT NULL,
  tickets jsonb NOT NULL,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  resolved_at timestamptz,
  first_scan_id bigint NOT NULL,
  last_scan_id bigint NOT NULL,
  times_seen integer NOT NULL,
  episodes integer NOT NULL
);
CREATE INDEX incidents_root ON incidents (root_id);
CREATE INDEX incidents_root_name ON incidents (root_name);

CREATE TABLE incident_episodes (
  incident_id text NOT NULL,
  opened_at timestamptz NOT NULL,
  closed_at timestamptz,
  PRIMARY KEY (incident_id, opened_at)
);

CREATE TABLE alarms (
  ticket_id text PRIMARY KEY,
  host text NOT NULL,
  fault_code text NOT NULL,
  message text NOT NULL,
  raised_at timestamptz NOT NULL,
  status text NOT NULL,
  count integer NOT NULL,
  max_count integer NOT NULL,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL
);
CREATE INDEX alarms_host ON alarms (host);

-- One row per change of a ticket's count or status, not per read: a feed read
-- every five minutes would otherwise write the same row thousands of times a month.
CREATE TABLE alarm_counts (
  ticket_id text NOT NULL,
  observed_at timestamptz NOT NULL,
  scan_id bigint NOT NULL,
  count integer NOT NULL,
  status text NOT NULL,
  PRIMARY KEY (ticket_id, observed_at)
);

CREATE TABLE host_stops (
  request_id text PRIMARY KEY,
  server_id text NOT NULL,
  server_name text,
  host text,
  started_at timestamptz NOT NULL,
  first_recorded timestamptz NOT NULL
);
CREATE INDEX host_stops_server ON host_stops (server_id, started_at);

CREATE TABLE actions (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  finished_at timestamptz,
  actor text NOT NULL,
  command text NOT NULL,
  action text NOT NULL,
  target_kind text NOT NULL,
  target_id text NOT NULL,
  target_name text,
  host text,
  region text,
  result text NOT NULL,
  before_state text,
  after_state text,
  detail text NOT NULL,
  request_id text
);
CREATE INDEX actions_target ON actions (target_id);
CREATE INDEX actions_host ON actions (host);
`,
  },
  {
    version: 2,
    name: 'runbook runs, steps, leases, approvals, audit, kill switch',
    sql: `
CREATE TABLE runbook_runs (
  id text PRIMARY KEY,
  runbook text NOT NULL,
  target_kind text NOT NULL,
  target_id text NOT NULL,
  target_name text NOT NULL,
  context jsonb NOT NULL,
  status text NOT NULL,
  cursor_at integer NOT NULL,
  reason text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  created_by text NOT NULL
);
CREATE INDEX runbook_runs_target ON runbook_runs (target_id, created_at);

-- One row per try of a step on one item, written before it acts: a row left 'started' is an outcome to find out, not to repeat.
CREATE TABLE runbook_steps (
  key text PRIMARY KEY,
  run_id text NOT NULL REFERENCES runbook_runs (id),
  seq bigserial,
  step_id text NOT NULL,
  item text NOT NULL,
  attempt integer NOT NULL,
  status text NOT NULL,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  baseline text,
  detail text NOT NULL,
  request_ids jsonb NOT NULL,
  failing jsonb NOT NULL
);
CREATE INDEX runbook_steps_run ON runbook_steps (run_id, seq);

-- One active run per hypervisor and per server; a crashed run's lease runs out, a waiting one holds until it ends.
CREATE TABLE runbook_leases (
  resource text PRIMARY KEY,
  run_id text NOT NULL REFERENCES runbook_runs (id),
  expires_at timestamptz
);

CREATE TABLE runbook_approvals (
  run_id text NOT NULL REFERENCES runbook_runs (id),
  gate text NOT NULL,
  by_name text NOT NULL,
  at timestamptz NOT NULL,
  note text,
  PRIMARY KEY (run_id, gate)
);

CREATE TABLE runbook_audit (
  id bigserial PRIMARY KEY,
  run_id text NOT NULL REFERENCES runbook_runs (id),
  at timestamptz NOT NULL,
  actor text NOT NULL,
  step_id text,
  what text NOT NULL,
  why text NOT NULL,
  result text NOT NULL,
  request_ids jsonb NOT NULL
);
CREATE INDEX runbook_audit_run ON runbook_audit (run_id, id);

CREATE TABLE runbook_switch (
  name text PRIMARY KEY,
  by_name text NOT NULL,
  why text NOT NULL,
  at timestamptz NOT NULL
);
`,
  },
  {
    version: 3,
    name: 'each finding episode keeps its own message id, message and alarm ticket',
    sql: `
-- An episode read its message through the finding, which holds only the latest one: a spell opened by
-- one alarm reported the ticket and wording of whichever alarm came last.
ALTER TABLE finding_episodes ADD COLUMN message_id text, ADD COLUMN message text, ADD COLUMN alarm_ticket text;
-- The message id is part of a fingerprint, so the finding's is exactly what each earlier spell had;
-- its wording and ticket are the best left of what they were.
UPDATE finding_episodes e SET message_id = f.message_id, message = f.message FROM findings f WHERE f.fingerprint = e.fingerprint;
-- Spells whose finding was pruned were already unreachable (every reader joins the finding).
DELETE FROM finding_episodes WHERE message_id IS NULL;
ALTER TABLE finding_episodes ALTER COLUMN message_id SET NOT NULL, ALTER COLUMN message SET NOT NULL;
`,
  },
  {
    version: 4,
    name: 'per-target action budgets: what the watch loop spent on each target, and its escalations',
    sql: `
-- One row per restart the watch loop spent on a target (with the run that did it) and per escalation once the
-- budget ran out. Kept in the store, not in memory, so a restarted faultline still knows a server keeps dying.
CREATE TABLE action_budget (
  id bigserial PRIMARY KEY,
  budget text NOT NULL,
  target_id text NOT NULL,
  target_name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('spent', 'escalated')),
  at timestamptz NOT NULL,
  run_id text UNIQUE,
  detail text NOT NULL
);
CREATE INDEX action_budget_target ON action_budget (budget, target_id, at);
`,
  },
  {
    version: 5,
    name: 'the outbox of notices and pages',
    sql: `
-- One row per message that must leave faultline (a chat notice, a PagerDuty event), written before it is sent so
-- a crash or a failing sink loses nothing. The key names the event (<incident-or-run>/<kind>/<sink>): the same event
-- enqueued twice is one row, which is what keeps it from going out twice. No secret is kept here: the webhook URL
-- and the routing key are added from faultline.yaml when the row is sent.
CREATE TABLE notify_outbox (
  key text PRIMARY KEY,
  sink text NOT NULL,
  payload jsonb NOT NULL,
  -- pending: waiting for its next attempt; claimed: taken by a sender, not yet on the wire; sending: on the wire
  -- (a crash here leaves it unknown whether it arrived); sent and failed are final.
  state text NOT NULL CHECK (state IN ('pending', 'claimed', 'sending', 'sent', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  lease_until timestamptz,
  claim_token text,
  last_error text,
  last_status integer,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  sent_at timestamptz
);
CREATE INDEX notify_outbox_due ON notify_outbox (next_attempt_at) WHERE state IN ('pending', 'claimed', 'sending');
`,
  },
  {
    version: 6,
    name: 'alerts received from Alertmanager',
    sql: `
-- One row per alert firing: Alertmanager sends the same alert again on every repeat and once more when it
-- resolves, so (fingerprint, starts_at) is the alert and everything else is its latest word.
CREATE TABLE alerts (
  fingerprint text NOT NULL,
  starts_at timestamptz NOT NULL,
  status text NOT NULL,
  ends_at timestamptz,
  alertname text,
  labels jsonb NOT NULL,
  annotations jsonb NOT NULL,
  generator_url text,
  receiver text NOT NULL,
  group_key text NOT NULL,
  first_received timestamptz NOT NULL,
  last_received timestamptz NOT NULL,
  times_received integer NOT NULL,
  resolved_at timestamptz,
  PRIMARY KEY (fingerprint, starts_at)
);
CREATE INDEX alerts_open ON alerts (last_received) WHERE status = 'firing';
`,
  },
  {
    version: 7,
    name: 'faultline instances and the regions each one holds',
    sql: `
-- Several faultline serve processes on one server split the regions: each says it is alive here,
-- and holds a region by a lease it renews. A lease that ran out is free; the epoch moves on
-- every change of holder, so work stamped with an old epoch is known to be stale.
CREATE TABLE faultline_instances (
  id text PRIMARY KEY,
  started_at timestamptz NOT NULL,
  heartbeat_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE TABLE region_leases (
  region text PRIMARY KEY,
  holder text NOT NULL,
  epoch bigint NOT NULL,
  acquired_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
`,
  },
  {
    version: 8,
    name: 'detector runs by region, for scans of part of the fleet',
    sql: `
-- A process that scans only its regions has judged a detector over those regions alone: its run is a
-- sighting of that detector's open findings there, not elsewhere. '' is a run over the whole fleet.
ALTER TABLE detector_runs ADD COLUMN region text NOT NULL DEFAULT '';
ALTER TABLE detector_runs DROP CONSTRAINT detector_runs_pkey;
ALTER TABLE detector_runs ADD PRIMARY KEY (detector_id, region);
CREATE OR REPLACE VIEW finding_state AS
  SELECT f.fingerprint, f.detector_id, f.message_id, f.severity, f.message, f.resource_kind, f.resource_id, f.resource_name, f.region,
         f.parent_kind, f.parent_id, f.parent_name, f.first_seen,
         CASE WHEN f.resolved_at IS NULL AND d.last_judged_at > f.last_seen THEN d.last_judged_at ELSE f.last_seen END AS last_seen,
         f.resolved_at, f.episodes
    FROM findings f
    LEFT JOIN LATERAL (SELECT max(r.last_judged_at) AS last_judged_at FROM detector_runs r WHERE r.detector_id = f.detector_id AND (r.region = '' OR r.region = f.region)) d ON true;
`,
  },
];

export const LATEST_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

// Any fixed number: every faultline takes the same advisory lock while it migrates a server.
const MIGRATION_LOCK = 7_301_914;

export interface MigrationReport {
  readonly from: number;
  readonly to: number;
  readonly applied: readonly Migration[];
}

export async function currentVersion(engine: SqlEngine): Promise<number> {
  await engine.exec(
    'CREATE TABLE IF NOT EXISTS faultline_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  const rows = await engine.query<{ v: number | null }>('SELECT max(version) AS v FROM faultline_migrations');
  return rows[0]?.v ?? 0;
}

export class StoreTooNewError extends StoreError {}

/**
 * Brings the store to this binary's schema, one transaction per step, and
 * refuses a store written by a newer faultline: guessing at its tables could
 * lose what that version keeps.
 */
export async function migrate(engine: SqlEngine, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationReport> {
  const latest = Math.max(0, ...migrations.map((m) => m.version));
  const from = await currentVersion(engine);
  if (from > latest) {
    throw new StoreTooNewError(
      `the store at ${engine.where} has schema version ${from}, newer than this faultline knows (${latest}); ` +
        'upgrade faultline, or point store.path / store.url at another store',
    );
  }
  // Steps are numbered as they are planned, not as they ship: a store may hold 7 and not yet 6 (written by a
  // build that had only 7), so a step is skipped because the store has it, not because a later one is there.
  const have = new Set((await engine.query<{ version: number }>('SELECT version FROM faultline_migrations')).map((r) => Number(r.version)));
  const applied: Migration[] = [];
  for (const step of [...migrations].sort((a, b) => a.version - b.version)) {
    if (have.has(step.version)) continue;
    const done = await engine.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      // Another process may have applied it while we waited for the lock.
      const already = await tx.query('SELECT 1 FROM faultline_migrations WHERE version = $1', [step.version]);
      if (already.length > 0) return false;
      await tx.exec(step.sql);
      await tx.query('INSERT INTO faultline_migrations (version, name) VALUES ($1, $2)', [step.version, step.name]);
      return true;
    });
    if (done) applied.push(step);
  }
  return { from, to: Math.max(from, latest), applied };
}
