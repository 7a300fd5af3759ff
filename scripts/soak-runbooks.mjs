// The kill soak of the runbook executor (issue 15's acceptance, outside the default suite):
// `faultline run vm-hang` and `faultline run pm-hang` against the lab are killed with SIGKILL
// at random moments (inside HTTP calls, between writes, anywhere), then resumed until they
// end. The lab's own action log and BMC log are the witness: every run must end done with
// exactly one stop and one start per server (vm-hang) or one power cycle of the hypervisor
// and one start of each of its servers (pm-hang), never two, never none.
//
//   npm run build && flock /tmp/faultline-lab.lock node scripts/soak-runbooks.mjs
// (under the lab lock: labs on one machine share their 127.x addresses, so two at once disturb each
// other), or alone in a network namespace of its own, which needs no lock:
//   unshare -n sh -c 'ip link set lo up && exec node scripts/soak-runbooks.mjs'
// SIGINT lets the moments under way finish and writes what was seen (exit 3: stopped early, or
// SOAK_MOMENTS ran out before SOAK_KILLS kills had landed).
//   SOAK_KILLS=1000    SIGKILLs that land inside a run (default 1000)
//   SOAK_MOMENTS=n     runs in all at most (default 1.5 x SOAK_KILLS)
//   SOAK_CLEAN_EVERY=10  every n-th run of a kind in a lane is not killed (default 10)
//   SOAK_LANES=3       runs at once, each on its own store and targets (default 3)
//   SOAK_PM_EVERY=5    every n-th moment of a lane is a pm-hang run (default 5)
//   SOAK_OUT=.bench/soak.json
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clearTimeout, setTimeout } from 'node:timers';
import { parse, stringify } from 'yaml';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = join(ROOT, 'dist', 'cli', 'main.js');
// The soak goes on until SOAK_KILLS kills have landed inside runs (a kill timed after a run had
// already ended is a moment, not a kill), or SOAK_MOMENTS moments, whichever comes first.
const KILLS = Number(process.env.SOAK_KILLS ?? 1000);
const MOMENTS = Number(process.env.SOAK_MOMENTS ?? Math.ceil(KILLS * 1.5));
// Every CLEAN_EVERY-th run of a kind in a lane runs unkilled: it checks a clean run too, and its
// length keeps the kill bound up to date as the machine's load changes.
const CLEAN_EVERY = Number(process.env.SOAK_CLEAN_EVERY ?? 10);
const LANES = Number(process.env.SOAK_LANES ?? 3);
const PM_EVERY = Number(process.env.SOAK_PM_EVERY ?? 5);
const OUT = process.env.SOAK_OUT ?? join(ROOT, '.bench', 'soak.json');
const RUN_FLAGS = ['--yes', '--action-timeout', '60', '--wait-timeout', '30', '--storm-fraction', '1', '--dedup-minutes', '0.01'];

const dir = mkdtempSync(join(tmpdir(), 'fl-soak-'));
const posted = [];
const chat = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    posted.push(body);
    res.end('ok');
  });
});
await new Promise((r) => chat.listen(0, '127.0.0.1', r));

function faultline(args, { killAfterMs } = {}) {
  return new Promise((res) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir, NO_COLOR: '1', OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'), OS_CLOUD: 'lab', USER: 'soak' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = killAfterMs === undefined ? null : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      res({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

// The lab, healthy, with a chat webhook for the fault notices.
const lab = spawn(process.execPath, [MAIN, 'lab', '--dir', '.', '--size', '1,60,360', '--action-seconds', '0.3', '--ssh-port', '0', '--hosts-ssh-port', '0', '--no-prometheus'], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
const banner = await new Promise((res, rej) => {
  let text = '';
  lab.stdout.on('data', (d) => {
    text += d;
    if (text.includes('Stop with Ctrl-C')) res(text);
  });
  lab.on('exit', (code) => rej(new Error(`lab exited ${code}: ${text}`)));
});
// A lab left running keeps its nftables set of dropped addresses, and every other lab on the machine
// (they share the 127.x addresses) loses those servers too: it is stopped whatever happens.
async function stopLab() {
  if (lab.exitCode !== null) return;
  const exited = new Promise((r) => lab.once('exit', r));
  lab.kill('SIGINT');
  await exited;
}
async function giveUp(why) {
  console.error(`soak: ${why}`);
  await stopLab();
  chat.close();
  process.exit(2);
}
const [, admin, token] = /admin\s+(\S+)\s+header X-Lab-Admin: (\S+)/.exec(banner);
const adminCall = async (path, init = {}) => {
  const res = await fetch(`${admin}${path}`, { method: init.method ?? 'GET', headers: { 'x-lab-admin': token, 'content-type': 'application/json' }, ...(init.body ? { body: JSON.stringify(init.body) } : {}) });
  return res.json();
};
const configFile = join(dir, 'faultline.yaml');
const config = parse(readFileSync(configFile, 'utf8'));
config.notices = { ...config.notices, webhook: `http://127.0.0.1:${chat.address().port}/hooks/soak` };
writeFileSync(configFile, stringify(config));

// Targets: hypervisors without DB servers (a DB would wait at the DBA's gate), split between the
// lanes; in each lane one hypervisor is power-cycled by pm-hang, the servers of the others are vm-hang's.
const inventory = JSON.parse(readFileSync(join(dir, 'inventory.json'), 'utf8'));
const hosts = inventory.entries.filter((e) => e.roles?.includes('hypervisor')).map((e) => e.match.host);
const shown = [];
for (const host of hosts) {
  // Probed: only servers that answer ping and SSH now can be expected to after a stop and start
  // (some of the fleet's servers drop ICMP by design, and a run on them rightly escalates).
  const r = await faultline(['show', host, '--format', 'json']);
  if (r.code !== 0) continue;
  const servers = JSON.parse(r.stdout).servers ?? [];
  const healthy = (s) => s.status === 'ACTIVE' && s.ping === true && s.ssh === 'ok' && s.db !== true;
  // pm-hang's last check takes a ping-only server (no SSH expected) as back; vm-hang's wants an SSH banner.
  const back = (s) => s.status === 'ACTIVE' && s.ping === true && (s.ssh === 'ok' || s.ssh === 'not-expected') && s.db !== true;
  if (servers.length === 0) continue;
  shown.push({ host, whole: servers.length >= 2 && servers.every(back), servers: servers.filter(healthy).map((s) => ({ id: s.id, name: s.name })) });
}
// pm-hang needs hypervisors whose every server answers; vm-hang takes the healthy servers of the others.
const whole = shown.filter((h) => h.whole).slice(0, LANES);
if (whole.length < LANES) await giveUp(`only ${whole.length} hypervisors whose servers all answer, for ${LANES} lanes`);
const rest = shown.filter((h) => !whole.includes(h)).flatMap((h) => h.servers);
const lanes = Array.from({ length: LANES }, (_, i) => ({ i, pm: whole[i], vm: rest.filter((_, j) => j % LANES === i), store: join(dir, `store-${i}`), runs: {} }));
if (lanes.some((l) => l.vm.length === 0)) await giveUp('no healthy servers left for vm-hang');

const counts = async (serverIds, host) => {
  const actions = (await adminCall('/actions')).actions.filter((a) => !a.byHost);
  const per = Object.fromEntries(serverIds.map((id) => [id, { stop: 0, start: 0, reboot: 0 }]));
  for (const a of actions) if (per[a.server.id] && a.action in per[a.server.id]) per[a.server.id][a.action]++;
  const resets = host ? (await adminCall('/bmc/log')).requests.filter((q) => q.bmc === host && q.resetType !== null && q.status < 300).length : 0;
  return { per, resets };
};

const latestRun = async (store) => {
  const r = await faultline(['runs', '--store', store, '--format', 'json']);
  return r.code === 0 ? JSON.parse(r.stdout).runs?.[0] : undefined;
};

const results = [];
// Notices in the chat channel that name a hypervisor, since a moment began (lanes share the channel).
const noticesFor = (host, since) => posted.slice(since).filter((body) => new RegExp(`\\b${host}\\b`).test(body)).length;
const durations = { 'vm-hang': [], 'pm-hang': [] };
let done = 0;

async function moment(lane, n) {
  const pm = n % PM_EVERY === PM_EVERY - 1;
  const runbook = pm ? 'pm-hang' : 'vm-hang';
  const target = pm ? lane.pm.host : lane.vm[n % lane.vm.length];
  const ids = pm ? lane.pm.servers.map((s) => s.id) : [target.id];
  if (pm) await adminCall('/faults', { method: 'POST', body: { id: `soak-${lane.i}-${n}`, kind: 'pm-hang', hypervisor: { hostname: lane.pm.host } } });
  const before = await counts(ids, pm ? lane.pm.host : null);
  const postedBefore = posted.length;
  const previous = await latestRun(lane.store);
  // The first run of each kind in a lane, and every CLEAN_EVERY-th after it, is a clean run: their
  // lengths bound where the kills fall.
  const known = durations[runbook];
  const nth = (lane.runs[runbook] = (lane.runs[runbook] ?? 0) + 1) - 1;
  // Uniform below the shortest of the recent clean runs: a run's length follows the machine's load,
  // and a bound taken from a slow run lets the kill fall after a faster run has ended.
  const recent = known.slice(-5);
  const killAfterMs = known.length === 0 || nth % CLEAN_EVERY === 0 ? undefined : Math.floor(Math.random() * Math.min(...recent) * 0.97);
  const first = await faultline(['run', runbook, pm ? target : target.id, '--execute', ...RUN_FLAGS, '--store', lane.store], { killAfterMs });
  if (first.signal !== 'SIGKILL' && first.code === 0) known.push(first.ms);
  const ours = (r) => r && r.id !== previous?.id && (r.target === (pm ? target : target.name) || r.context?.target?.name === (pm ? target : target.name) || r.targetName === (pm ? target : target.name));
  let run = await latestRun(lane.store);
  let resumes = 0;
  let refused = '';
  if (!ours(run)) {
    // Killed before the run was written: nothing was done, so it is started afresh.
    const again = await faultline(['run', runbook, pm ? target : target.id, '--execute', ...RUN_FLAGS, '--store', lane.store]);
    run = await latestRun(lane.store);
    if (!ours(run)) {
      refused = again.stderr.trim().split('\n').pop() ?? '';
      run = undefined;
    }
  }
  let handPosted = 0;
  let approvals = 0;
  while (run && !['done', 'escalated', 'failed', 'aborted', 'storm'].includes(run.status) && resumes < 3) {
    // A kill while the fault notice was on the wire leaves it unknown whether the chat got it, and a chat
    // notice is never sent twice: the run waits for the operator, who looks at the channel, posts it by
    // hand if it is not there, and approves. The soak plays that operator, and the channel is the witness.
    const gate = run.status === 'waiting' ? new RegExp(`faultline approve ${run.id} (\\S+) --by`).exec(run.reason ?? '') : null;
    if (gate && pm) {
      if (noticesFor(target, postedBefore) === 0) {
        posted.push(`by hand: fault notice for ${target}`);
        handPosted++;
      }
      approvals++;
      await faultline(['approve', run.id, gate[1], '--by', 'soak', '--store', lane.store]);
    }
    resumes++;
    await faultline(['resume', run.id, ...RUN_FLAGS.filter((f) => f !== '--dedup-minutes' && f !== '0.01'), '--store', lane.store]);
    run = await latestRun(lane.store);
  }
  const after = await counts(ids, pm ? lane.pm.host : null);
  const problems = [];
  if (refused) problems.push(`not started: ${refused}`);
  else if (run?.status !== 'done') problems.push(`ended ${run?.status ?? 'unrecorded'}`);
  for (const id of ids) {
    const d = { stop: after.per[id].stop - before.per[id].stop, start: after.per[id].start - before.per[id].start, reboot: after.per[id].reboot - before.per[id].reboot };
    if (pm ? d.start !== 1 || d.stop !== 0 : d.stop !== 1 || d.start !== 1) problems.push(`${id}: ${JSON.stringify(d)}`);
    if (d.reboot !== 0) problems.push(`${id}: rebooted`);
  }
  if (pm && after.resets - before.resets !== 1) problems.push(`${after.resets - before.resets} power cycles`);
  if (pm && noticesFor(target, postedBefore) !== 1) problems.push(`${noticesFor(target, postedBefore)} fault notices in the channel`);
  if (pm) await adminCall(`/faults/soak-${lane.i}-${n}`, { method: 'DELETE' });
  // What the run itself says happened, for a moment that went wrong.
  const detail = problems.length && run ? JSON.parse((await faultline(['runs', run.id, '--store', lane.store, '--format', 'json'])).stdout || '{}') : undefined;
  const steps = detail?.steps?.map((s) => `${s.stepId}/${s.item}/${s.attempt}: ${s.status} ${s.detail}`);
  results.push({ lane: lane.i, n, runbook, target: pm ? target : target.name, killAfterMs: killAfterMs ?? null, killed: first.signal === 'SIGKILL', resumes, approvals, handPosted, status: run?.status, reason: run?.reason, problems, ...(steps ? { steps } : {}) });
  done++;
  if (problems.length) console.error(`moment ${done}: ${runbook} killed at ${killAfterMs} ms: ${problems.join('; ')}`);
  if (done % 25 === 0) console.error(`${done} moments, ${results.filter((r) => r.killed).length} of ${KILLS} kills, ${results.filter((r) => r.problems.length).length} with problems`);
}

const t0 = Date.now();
// The summary is written every 25 moments too, so a soak stopped early still leaves what it saw.
function summarize(complete) {
  const killed = results.filter((r) => r.killed);
  const bad = results.filter((r) => r.problems.length > 0);
  const summary = {
    at: new Date().toISOString(),
    complete,
    killsWanted: KILLS,
    moments: results.length,
    killed: killed.length,
    resumed: results.reduce((s, r) => s + r.resumes, 0),
    // Runs that waited for the operator because a kill left the fault notice's delivery unknown.
    approvedByOperator: results.reduce((s, r) => s + r.approvals, 0),
    postedByHand: results.reduce((s, r) => s + r.handPosted, 0),
    byRunbook: Object.fromEntries(['vm-hang', 'pm-hang'].map((k) => [k, { moments: results.filter((r) => r.runbook === k).length, killed: killed.filter((r) => r.runbook === k).length, cleanRunMs: durations[k].slice(0, 3) }])),
    withProblems: bad.length,
    problems: bad.slice(0, 50),
    seconds: Math.round((Date.now() - t0) / 1000),
  };
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, JSON.stringify({ summary, results }, null, 2));
  return { summary, bad };
}
let stopping = false;
process.once('SIGINT', () => {
  // Lanes finish the moment they are in; no new moment starts.
  stopping = true;
  console.error('soak: stopping after the moments under way');
});
const killsLanded = () => results.filter((r) => r.killed).length;
try {
  await Promise.all(
    lanes.map(async (lane) => {
      for (let n = 0; killsLanded() < KILLS && done < MOMENTS && !stopping; n++) {
        await moment(lane, n);
        if (done % 25 === 0) summarize(false);
      }
    }),
  );
} finally {
  await stopLab();
  chat.close();
}
const { summary, bad } = summarize(!stopping && killsLanded() >= KILLS);
console.log(JSON.stringify(summary, null, 2));
if (bad.length) console.error(`kept ${dir} (the stores of the runs that went wrong)`);
else rmSync(dir, { recursive: true, force: true });
process.exit(bad.length ? 1 : summary.complete ? 0 : 3);
