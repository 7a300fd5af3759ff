import { createHash } from 'node:crypto';
import { DASHBOARD_STYLE } from './dashboard-view.js';

/*
 * The dashboard's shell: a static page with no data in it, so it needs no
 * token. The operator pastes a token once; the script keeps it in
 * sessionStorage (gone with the tab, never in a URL or cookie, so no other site
 * can make the browser send it) and sends it as a bearer header. The view is
 * rendered and escaped by the server; the script only swaps it in, so the one
 * place untrusted names are turned into HTML stays the report's code. The
 * Content-Security-Policy allows exactly this script and this stylesheet by hash:
 * a handler attribute or script that slipped into the view cannot run.
 */

const CLIENT_SCRIPT = `
(function () {
  'use strict';
  var KEY = 'faultline-token';
  var view = document.getElementById('view');
  var login = document.getElementById('login');
  var tokenInput = document.getElementById('token');
  var problem = document.getElementById('login-problem');
  var live = document.getElementById('live');
  var forget = document.getElementById('forget');
  var generation = 0;
  var loading = null;
  var again = false;

  function token() { return sessionStorage.getItem(KEY); }
  function headers(extra) {
    var h = { authorization: 'Bearer ' + token() };
    for (var k in extra) h[k] = extra[k];
    return h;
  }
  function say(text) { live.textContent = text; }

  function askForToken(text) {
    generation += 1;
    sessionStorage.removeItem(KEY);
    view.replaceChildren();
    login.hidden = false;
    forget.hidden = true;
    problem.textContent = text || '';
    problem.hidden = !text;
    say('not connected');
    tokenInput.focus();
  }

  function show(html) {
    var doc = new DOMParser().parseFromString('<!doctype html><body>' + html, 'text/html');
    view.replaceChildren.apply(view, Array.prototype.slice.call(doc.body.childNodes).map(function (n) { return document.adoptNode(n); }));
  }

  // One fetch of the view at a time; a change during it asks for one more afterwards.
  function load() {
    if (loading) { again = true; return loading; }
    var mine = generation;
    loading = fetch('/api/v1/dashboard', { headers: headers({}), cache: 'no-store' }).then(function (res) {
      if (mine !== generation) return;
      if (res.status === 401) { askForToken('That token was refused.'); return; }
      if (!res.ok) { say('the server answered ' + res.status + '; retrying'); return; }
      return res.json().then(function (body) {
        if (mine !== generation) return;
        show(body.html);
        document.body.setAttribute('data-scan', body.scanId === null ? '' : String(body.scanId));
        document.body.setAttribute('data-role', body.role);
        say('live · ' + body.role + ' token · ' + (body.asOf ? 'newest scan ' + body.asOf.replace('T', ' ').replace(/\\.\\d+Z$/, ' UTC') : 'waiting for the first scan'));
      });
    }).catch(function () { say('cannot reach the server; retrying'); }).then(function () {
      loading = null;
      if (again) { again = false; load(); }
    });
    return loading;
  }

  // Server-sent events read through fetch: EventSource cannot send the bearer header.
  function listen(mine) {
    if (mine !== generation) return;
    fetch('/api/v1/events', { headers: headers({ accept: 'text/event-stream' }), cache: 'no-store' }).then(function (res) {
      if (res.status === 401) { askForToken('That token was refused.'); return; }
      if (!res.ok || !res.body) throw new Error('events ' + res.status);
      var reader = res.body.getReader();
      var decoder = new TextDecoder();
      var buffered = '';
      function pump() {
        return reader.read().then(function (chunk) {
          if (mine !== generation) { reader.cancel(); return; }
          if (chunk.done) throw new Error('stream ended');
          buffered += decoder.decode(chunk.value, { stream: true });
          var events = buffered.split('\\n\\n');
          buffered = events.pop();
          if (events.some(function (e) { return /^data:/m.test(e); })) load();
          return pump();
        });
      }
      return pump();
    }).catch(function () {
      if (mine !== generation) return;
      say('live stream lost; reconnecting');
      setTimeout(function () { load(); listen(mine); }, 2000);
    });
  }

  function start() {
    login.hidden = true;
    forget.hidden = false;
    generation += 1;
    say('connecting');
    load();
    listen(generation);
  }

  document.getElementById('login-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var t = tokenInput.value.trim();
    tokenInput.value = '';
    if (!t) { askForToken('Paste a token first.'); return; }
    sessionStorage.setItem(KEY, t);
    start();
  });
  forget.addEventListener('click', function () { askForToken(''); });

  view.addEventListener('click', function (e) {
    var button = e.target.closest('button[data-approve-run]');
    if (!button) return;
    var run = button.getAttribute('data-approve-run');
    var gate = button.getAttribute('data-gate');
    var result = button.closest('.run').querySelector('.approve-result');
    button.disabled = true;
    fetch('/api/v1/runs/' + encodeURIComponent(run) + '/approvals', {
      method: 'POST',
      headers: headers({ 'content-type': 'application/json' }),
      body: JSON.stringify({ gate: gate, note: 'approved on the dashboard' }),
    }).then(function (res) {
      return res.json().then(function (body) {
        result.hidden = false;
        result.textContent = res.ok ? 'Approved: ' + body.next : 'Not approved: ' + body.error;
        if (!res.ok) button.disabled = false;
      });
    }).catch(function () {
      result.hidden = false;
      result.textContent = 'Not approved: the server did not answer';
      button.disabled = false;
    });
  });

  if (token()) start(); else askForToken('');
})();
`;

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src ${sha256(CLIENT_SCRIPT)}`,
  `style-src ${sha256(DASHBOARD_STYLE)}`,
  "connect-src 'self'",
  "img-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const DASHBOARD_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>faultline dashboard</title>
<style>${DASHBOARD_STYLE}</style>
</head>
<body>
<header class="top">
<div class="wrap">
<p class="brand">faultline <span>live</span></p>
<h1>Dashboard</h1>
<p id="live" class="live" aria-live="polite">starting</p>
<button type="button" id="forget" hidden>Forget token</button>
</div>
</header>
<main class="wrap">
<div id="login" hidden>
<form id="login-form" class="login" autocomplete="off">
<label for="token">API token</label>
<input type="password" id="token" name="token" autocomplete="off" spellcheck="false" placeholder="paste a read or operate token">
<button type="submit">Connect</button>
<p id="login-problem" class="problem" role="alert" hidden></p>
</form>
<p class="muted">The token stays in this tab (sessionStorage) and is sent only as an Authorization header to this server.</p>
</div>
<div id="view"></div>
</main>
<script>${CLIENT_SCRIPT}</script>
</body>
</html>
`;
