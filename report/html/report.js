// ospo-scan HTML report: builds the matrix and the per-repository details
// from the JSON block, and filters and sorts them. Vanilla JavaScript, no
// network. Repository text only ever goes into the page as textContent or
// as an attribute value, never as markup; links only get http(s) or
// relative addresses.
(function () {
  'use strict';
  var started = performance.now();

  var data = JSON.parse(document.getElementById('ospo-data').textContent);
  var STATUSES = data.statuses;
  var SEVERITIES = data.severities;
  var rules = data.rules || [];
  var repos = data.repos || [];
  var RANK = { fail: 5, error: 4, exempt: 3, pass: 2, 'not-applicable': 1 };
  var SYMBOL = { pass: '✓', fail: '✗', exempt: 'E', error: '!', 'not-applicable': '–' };
  var WORD = { pass: 'pass', fail: 'fail', exempt: 'exempt', error: 'could not be checked', 'not-applicable': 'not applicable' };
  var REPO_RANK = { errored: 3, failed: 2, passed: 1 };
  var ruleIndex = {};
  rules.forEach(function (r, i) { ruleIndex[r.id] = i; });

  // Results: [rule, status, severity, message, path, line, note, new].
  function res(a) {
    return {
      rule: a[0], status: STATUSES[a[1]], severity: SEVERITIES[a[2]], message: a[3] || '',
      path: a[4] || '', line: a[5] || 0, note: a[6] || '', isNew: !!a[7]
    };
  }

  repos.forEach(function (repo, i) {
    repo.i = i;
    repo.results = (repo.r || []).map(res);
    repo.cells = [];
    repo.fails = [];
    repo.c = { error: 0, warning: 0, note: 0, exempt: 0, unchecked: 0 };
    repo.results.forEach(function (x) {
      var cur = repo.cells[x.rule];
      if (!cur || RANK[x.status] > RANK[cur]) { repo.cells[x.rule] = x.status; }
      if (x.status === 'fail') {
        repo.c[x.severity]++;
        repo.fails[x.rule] = (repo.fails[x.rule] || 0) + 1;
      } else if (x.status === 'exempt') {
        repo.c.exempt++;
      } else if (x.status === 'error') {
        repo.c.unchecked++;
      }
    });
  });

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  // safeHref admits only web addresses and relative paths, so no
  // script or data address can become a link.
  function safeHref(u) {
    if (typeof u !== 'string' || u === '') { return ''; }
    if (/^https?:\/\//i.test(u)) { return u; }
    if (/^[a-z][a-z0-9+.-]*:/i.test(u) || u.indexOf('//') === 0) { return ''; }
    return u;
  }

  function link(href, text) {
    var h = safeHref(href);
    if (!h) { return el('span', null, text); }
    var a = el('a', null, text);
    a.href = h;
    a.rel = 'noopener noreferrer';
    return a;
  }

  function encodePath(p) {
    return p.split('/').map(encodeURIComponent).join('/');
  }

  function fileHref(repo, x) {
    if (typeof repo.k !== 'string' || !x.path) { return ''; }
    var p = x.path.replace(/^\.\//, '');
    return repo.k + encodePath(p) + (x.line > 0 ? '#L' + x.line : '');
  }

  function findingsText(c) {
    var parts = [];
    if (c.error) { parts.push(c.error + (c.error === 1 ? ' error' : ' errors')); }
    if (c.warning) { parts.push(c.warning + (c.warning === 1 ? ' warning' : ' warnings')); }
    if (c.note) { parts.push(c.note + (c.note === 1 ? ' note' : ' notes')); }
    if (c.exempt) { parts.push(c.exempt + ' exempt'); }
    if (c.unchecked) { parts.push(c.unchecked + ' unchecked'); }
    return parts.join(', ');
  }

  // ---- Matrix ----
  var matrix = document.getElementById('matrix');
  var tbody = el('tbody');
  var ruleButtons = [];

  function buildMatrix() {
    var thead = el('thead');
    var hr = el('tr');
    hr.appendChild(el('th', 'name', 'Repository'));
    hr.appendChild(el('th', null, 'Status'));
    hr.appendChild(el('th', null, 'Findings'));
    var failing = rules.map(function () { return 0; });
    repos.forEach(function (repo) {
      repo.cells.forEach(function (s, j) { if (s === 'fail') { failing[j]++; } });
    });
    rules.forEach(function (r, j) {
      var th = el('th', 'rule');
      th.scope = 'col';
      var b = el('button', null, r.id);
      b.type = 'button';
      b.title = (r.title ? r.title + ' — ' : '') + failing[j] + ' of ' + repos.length + ' repositories fail. Click to sort by this rule.';
      b.setAttribute('aria-pressed', 'false');
      b.addEventListener('click', function () { sortByRule(j); });
      ruleButtons.push(b);
      th.appendChild(b);
      hr.appendChild(th);
    });
    thead.appendChild(hr);
    matrix.appendChild(thead);

    repos.forEach(function (repo) {
      var tr = el('tr');
      tr.dataset.repo = repo.i;
      var name = el('th', 'name');
      name.scope = 'row';
      var a = el('a', null, repo.n);
      a.href = '#repo-' + repo.i;
      a.addEventListener('click', function () { openRepo(repo); });
      name.appendChild(a);
      tr.appendChild(name);
      tr.appendChild(el('td', 'st-' + repo.s, repo.s));
      var f = el('td', 'findings', repo.s === 'errored' ? '' : findingsText({ error: repo.c.error, warning: repo.c.warning, note: repo.c.note }));
      tr.appendChild(f);
      for (var j = 0; j < rules.length; j++) {
        var s = repo.cells[j];
        var td;
        if (!s) {
          td = el('td', 'cell s-none', repo.s === 'errored' ? '?' : '');
          td.title = repo.s === 'errored' ? repo.n + ' could not be scanned' : rules[j].id + ' did not run';
        } else {
          var n = repo.fails[j] || 0;
          td = el('td', 'cell s-' + s, n > 1 ? String(n) : SYMBOL[s]);
          td.title = rules[j].id + ': ' + WORD[s] + (n > 1 ? ' (' + n + ' findings)' : '');
        }
        tr.appendChild(td);
      }
      repo.row = tr;
      tbody.appendChild(tr);
    });
    matrix.appendChild(tbody);

    var tfoot = el('tfoot');
    var fr = el('tr');
    fr.appendChild(el('td', 'name', 'Failing repositories'));
    fr.appendChild(el('td'));
    fr.appendChild(el('td'));
    failing.forEach(function (n) { fr.appendChild(el('td', null, n)); });
    tfoot.appendChild(fr);
    matrix.appendChild(tfoot);
  }

  // ---- Per-repository details (built when first opened) ----
  var reposBox = document.getElementById('repos');

  function buildDetails() {
    repos.forEach(function (repo) {
      var d = el('details');
      d.id = 'repo-' + repo.i;
      var s = el('summary');
      s.appendChild(el('span', 'st-' + repo.s, repo.s === 'passed' ? '✓ ' : repo.s === 'failed' ? '✗ ' : '! '));
      s.appendChild(el('strong', null, repo.n));
      s.appendChild(el('span', 'counts', repo.s === 'errored' ? 'could not be scanned' : (findingsText(repo.c) || 'passed')));
      d.appendChild(s);
      d.addEventListener('toggle', function () { if (d.open) { fillDetails(repo); } });
      repo.details = d;
      reposBox.appendChild(d);
    });
  }

  function openRepo(repo) {
    repo.details.open = true;
    fillDetails(repo);
  }

  function fillDetails(repo) {
    if (repo.filled) { return; }
    repo.filled = true;
    var body = el('div', 'body');
    var dl = el('dl');
    function item(label, node) {
      dl.appendChild(el('dt', null, label));
      var dd = el('dd');
      dd.appendChild(typeof node === 'string' ? document.createTextNode(node) : node);
      dl.appendChild(dd);
    }
    if (repo.u) { item('Address', link(repo.u, repo.u)); }
    if (repo.d) { item('Description', repo.d); }
    if (repo.b) { item('Default branch', repo.b); }
    if (repo.v) { item('Visibility', repo.v); }
    if (repo.p) { item('Policy profile', repo.p); }
    if (repo.l && repo.l.length) { item('Licences', repo.l.join('; ')); }
    if (repo.m) {
      item('Mirror of', repo.m);
      if (repo.md && repo.md.length) { item('Rules that differ from the origin', repo.md.join(', ')); }
    }
    if (dl.childNodes.length) { body.appendChild(dl); }
    if (repo.e) {
      body.appendChild(el('p', 'errored-msg', 'Could not be scanned: ' + repo.e));
    }
    if (repo.results.length) {
      var t = el('table', 'results');
      var head = el('tr');
      ['Status', 'Severity', 'Rule', 'Message', 'Location'].forEach(function (h) { head.appendChild(el('th', null, h)); });
      var th = el('thead');
      th.appendChild(head);
      t.appendChild(th);
      var tb = el('tbody');
      repo.resultRows = [];
      repo.results.forEach(function (x) {
        var tr = el('tr');
        tr.appendChild(el('td', 'status s-' + x.status, SYMBOL[x.status] + ' ' + WORD[x.status]));
        tr.appendChild(el('td', 'sev sev-' + x.severity, x.severity));
        var rid = el('td', 'rid');
        rid.appendChild(el('code', null, rules[x.rule] ? rules[x.rule].id : '?'));
        tr.appendChild(rid);
        var msg = el('td', 'msg');
        if (x.isNew) { msg.appendChild(el('span', 'new', 'new')); }
        msg.appendChild(document.createTextNode(x.message));
        var hint = '';
        var fix = rules[x.rule] && rules[x.rule].fix;
        if (x.status === 'exempt') {
          hint = x.note ? 'Reason: ' + x.note : '';
        } else if (x.status === 'fail') {
          hint = fix ? 'Fix: ' + fix : '';
          if (x.note) { hint += (hint ? ' — ' : '') + x.note; }
        }
        if (hint) {
          msg.appendChild(el('br'));
          msg.appendChild(el('span', 'hint', hint));
        }
        tr.appendChild(msg);
        var loc = el('td', 'mono');
        if (x.path) {
          var label = x.path + (x.line > 0 ? ':' + x.line : '');
          var href = fileHref(repo, x);
          loc.appendChild(href ? link(href, label) : el('span', null, label));
        }
        tr.appendChild(loc);
        tr.hidden = !resultMatches(x);
        repo.resultRows.push({ tr: tr, x: x });
        tb.appendChild(tr);
      });
      t.appendChild(tb);
      body.appendChild(t);
    }
    repo.details.appendChild(body);
  }

  // ---- Filters ----
  var fName = document.getElementById('f-name');
  var fRule = document.getElementById('f-rule');
  var fStatus = document.getElementById('f-status');
  var fSeverity = document.getElementById('f-severity');
  var fSort = document.getElementById('sort');
  var shown = document.getElementById('shown');
  var columnStyle = el('style');
  document.head.appendChild(columnStyle);
  var state = { name: '', rule: -1, status: '', severity: '', sortRule: -1 };
  var report = { lastFilterMs: 0, lastSortMs: 0 };

  function readState() {
    state.name = fName.value.trim().toLowerCase();
    state.rule = fRule.value in ruleIndex ? ruleIndex[fRule.value] : -1;
    state.status = fStatus.value;
    state.severity = fSeverity.value;
  }

  function resultFilterSet() {
    return state.rule >= 0 || state.status !== '' || state.severity !== '';
  }

  function resultMatches(x) {
    return (state.rule < 0 || x.rule === state.rule) &&
      (state.status === '' || x.status === state.status) &&
      (state.severity === '' || x.severity === state.severity);
  }

  function repoMatches(repo) {
    if (state.name && repo.n.toLowerCase().indexOf(state.name) < 0) { return false; }
    if (!resultFilterSet()) { return true; }
    if (repo.s === 'errored') {
      // Nothing could be checked there: it counts as "could not be checked"
      // for every rule, and has no severity.
      return (state.status === '' || state.status === 'error') && state.severity === '';
    }
    for (var k = 0; k < repo.results.length; k++) {
      if (resultMatches(repo.results[k])) { return true; }
    }
    return false;
  }

  function applyFilters() {
    var t0 = performance.now();
    readState();
    var n = 0;
    for (var i = 0; i < repos.length; i++) {
      var repo = repos[i];
      var ok = repoMatches(repo);
      if (ok) { n++; }
      if (repo.row.hidden === ok) { repo.row.hidden = !ok; }
      if (repo.details.hidden === ok) { repo.details.hidden = !ok; }
      if (repo.resultRows) {
        for (var k = 0; k < repo.resultRows.length; k++) {
          var rr = repo.resultRows[k];
          var show = resultMatches(rr.x);
          if (rr.tr.hidden === show) { rr.tr.hidden = !show; }
        }
      }
    }
    // Only the chosen rule's column: one style rule instead of touching
    // every cell.
    columnStyle.textContent = state.rule >= 0
      ? '#matrix tr > :nth-child(n+4):not(:nth-child(' + (state.rule + 4) + ')) { display: none; }'
      : '';
    shown.textContent = 'Showing ' + n + ' of ' + repos.length + (repos.length === 1 ? ' repository' : ' repositories');
    report.lastFilterMs = performance.now() - t0;
    return n;
  }

  // ---- Sorting ----
  function byName(a, b) { return a.n < b.n ? -1 : a.n > b.n ? 1 : 0; }

  function comparator(kind) {
    switch (kind) {
      case 'name-desc':
        return function (a, b) { return byName(b, a); };
      case 'status':
        return function (a, b) { return (REPO_RANK[b.s] - REPO_RANK[a.s]) || severityCmp(a, b) || byName(a, b); };
      case 'severity':
        return function (a, b) { return severityCmp(a, b) || byName(a, b); };
      case 'rule':
        var j = state.sortRule >= 0 ? state.sortRule : state.rule;
        if (j < 0) { return byName; }
        return function (a, b) {
          return ((RANK[b.cells[j]] || 0) - (RANK[a.cells[j]] || 0)) || ((b.fails[j] || 0) - (a.fails[j] || 0)) || byName(a, b);
        };
    }
    return byName;
  }

  function severityCmp(a, b) {
    return (b.c.error - a.c.error) || (b.c.warning - a.c.warning) || (b.c.note - a.c.note);
  }

  function applySort() {
    var t0 = performance.now();
    var kind = fSort.value;
    if (kind !== 'rule') { state.sortRule = -1; }
    ruleButtons.forEach(function (b, j) { b.setAttribute('aria-pressed', String(kind === 'rule' && j === state.sortRule)); });
    var order = repos.slice().sort(comparator(kind));
    var rows = document.createDocumentFragment();
    var boxes = document.createDocumentFragment();
    order.forEach(function (repo) { rows.appendChild(repo.row); boxes.appendChild(repo.details); });
    tbody.appendChild(rows);
    reposBox.appendChild(boxes);
    report.lastSortMs = performance.now() - t0;
  }

  function sortByRule(j) {
    state.sortRule = j;
    fSort.value = 'rule';
    applySort();
  }

  buildMatrix();
  buildDetails();
  [fName, fRule, fStatus, fSeverity].forEach(function (c) {
    c.addEventListener(c === fName ? 'input' : 'change', applyFilters);
  });
  fSort.addEventListener('change', applySort);
  document.getElementById('controls').addEventListener('submit', function (e) { e.preventDefault(); });
  applyFilters();

  // Open the repository named in the address (#repo-N), e.g. from a link.
  var m = /^#repo-(\d+)$/.exec(location.hash);
  if (m && repos[+m[1]]) { openRepo(repos[+m[1]]); }

  report.buildMs = performance.now() - started;
  report.repoCount = repos.length;
  report.applyFilters = applyFilters;
  report.applySort = applySort;
  report.openRepo = function (i) { openRepo(repos[i]); };
  window.ospoReport = report;
}());
