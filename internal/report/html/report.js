// eksguard HTML report: renders the interactive findings table from the JSON block
// #eksguard-data (layout: internal/report/html.go, writeHTMLData). Vanilla JS, no
// dependencies, nothing loaded. Report strings are only ever set with textContent.
(function () {
  'use strict';
  var dataEl = document.getElementById('eksguard-data');
  var app = document.getElementById('app');
  if (!dataEl || !app) return;
  var data = JSON.parse(dataEl.textContent);
  var S = data.strings, F = data.findings, N = F.length, SEV = data.severities;
  // Field indexes of a finding array (see writeHTMLData).
  var CHECK = 0, SEVERITY = 1, EXEMPT = 2, APIVERSION = 3, KIND = 4, NS = 5, NAME = 6, FILE = 7, LINE = 8,
    COL = 9, RENDERED = 10, PATH = 11, MESSAGE = 12, TITLE = 13, REMEDIATION = 14, RESOURCE = 15,
    CLUSTER = 16, MANAGEDBY = 17, STATUS = 18, EXC_SOURCE = 19, EXC_TYPE = 20, EXC_WHY = 21, EXC_OWNER = 22,
    EXC_EXPIRES = 23;
  var NONE = '\u0000'; // the select value for "no namespace" / "no file"

  document.body.classList.remove('no-js');
  document.body.classList.add('js');
  app.hidden = false;
  if (N === 0) { app.hidden = true; return; }

  var $ = function (id) { return document.getElementById(id); };
  var sectionOf = {}, checkTitle = {}, sectionTitle = {};
  data.controls.forEach(function (c) { sectionOf[c.id] = c.section; checkTitle[c.id] = c.title; });
  data.sections.forEach(function (s) { sectionTitle[s.id] = s.title; });

  var state = {
    text: '', sev: {}, section: '', check: '', ns: '', file: '', exempt: true, excepted: true,
    sortKey: '', sortDir: 1, page: 0, pageSize: 100, expandAll: false, printing: false
  };
  var open = {};      // finding index -> expanded
  var view = [];      // indexes of the findings that pass the filters, in display order
  var hay = null;     // lower-cased search text per finding, built on first search

  function str(f, i) { return S[f[i]]; }
  function objectText(f) { return str(f, KIND) + '/' + (str(f, NAME) || '<unnamed>'); }
  function location(f) {
    var file = str(f, FILE);
    if (file) {
      var loc = file;
      if (f[LINE] > 0) { loc += ':' + f[LINE]; if (f[COL] > 0) loc += ':' + f[COL]; }
      return loc;
    }
    if (str(f, RESOURCE)) return str(f, RESOURCE);
    if (str(f, CLUSTER)) return 'cluster ' + str(f, CLUSTER);
    return '';
  }
  // breakable appends text with a line-break opportunity after each separator (sep, default
  // "/"), so a long location wraps between directories rather than inside line:column, and a
  // field path between fields.
  function breakable(parent, text, sep) {
    var parts = text.split(sep || '/');
    for (var i = 0; i < parts.length; i++) {
      if (i > 0) parent.appendChild(document.createElement('wbr'));
      parent.appendChild(document.createTextNode(i < parts.length - 1 ? parts[i] + (sep || '/') : parts[i]));
    }
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  // ---- filter options -------------------------------------------------------------
  function tally(key) {
    var m = new Map();
    for (var i = 0; i < N; i++) { var k = key(F[i]); m.set(k, (m.get(k) || 0) + 1); }
    return m;
  }
  function fill(select, entries) {
    var frag = document.createDocumentFragment();
    entries.forEach(function (e) {
      var o = el('option', null, e[1] + ' (' + e[2] + ')');
      o.value = e[0];
      frag.appendChild(o);
    });
    select.appendChild(frag);
    if (entries.length < 2) select.disabled = entries.length === 0;
  }
  function sortedKeys(m) { return Array.from(m.keys()).sort(function (a, b) { return a < b ? -1 : a > b ? 1 : 0; }); }

  var bySection = tally(function (f) { return sectionOf[str(f, CHECK)] || ''; });
  fill($('f-section'), data.sections.filter(function (s) { return bySection.has(s.id); })
    .map(function (s) { return [s.id, s.title, bySection.get(s.id)]; }));
  var findingTitle = {};
  var byCheck = tally(function (f) { var id = str(f, CHECK); findingTitle[id] = str(f, TITLE); return id; });
  fill($('f-check'), sortedKeys(byCheck).map(function (id) {
    return [id, id + ' \u00b7 ' + (checkTitle[id] || findingTitle[id]), byCheck.get(id)];
  }));
  var byNS = tally(function (f) { return str(f, NS); });
  fill($('f-namespace'), sortedKeys(byNS).map(function (ns) {
    return [ns || NONE, ns || '(cluster-scoped / none)', byNS.get(ns)];
  }));
  var byFile = tally(function (f) { return str(f, FILE); });
  fill($('f-file'), sortedKeys(byFile).map(function (file) {
    return [file || NONE, file || '(no file: live object)', byFile.get(file)];
  }));
  function isExcepted(f) { return str(f, STATUS) === 'excepted'; }
  if (!F.some(function (f) { return f[EXEMPT] === 1; })) $('f-exempt').parentNode.hidden = true;
  if (!F.some(isExcepted)) $('f-excepted').parentNode.hidden = true;

  // ---- filtering and sorting ------------------------------------------------------
  function buildHay() {
    hay = new Array(N);
    for (var i = 0; i < N; i++) {
      var f = F[i];
      hay[i] = [str(f, CHECK), str(f, TITLE), str(f, NS), objectText(f), location(f), str(f, RENDERED),
        f[PATH], f[MESSAGE]].join('\n').toLowerCase();
    }
  }

  var compare = {
    severity: function (a, b) { return F[a][SEVERITY] - F[b][SEVERITY]; },
    check: function (a, b) { return cmp(str(F[a], CHECK), str(F[b], CHECK)); },
    namespace: function (a, b) { return cmp(str(F[a], NS), str(F[b], NS)) || cmp(objectText(F[a]), objectText(F[b])); },
    object: function (a, b) { return cmp(objectText(F[a]), objectText(F[b])) || cmp(str(F[a], NS), str(F[b], NS)); },
    location: function (a, b) {
      var x = F[a], y = F[b];
      return cmp(str(x, FILE) || location(x), str(y, FILE) || location(y)) || x[LINE] - y[LINE] || x[COL] - y[COL];
    },
    message: function (a, b) { return cmp(F[a][MESSAGE], F[b][MESSAGE]); }
  };
  function cmp(a, b) { return a < b ? -1 : a > b ? 1 : 0; }

  function apply() {
    var terms = state.text.toLowerCase().split(/\s+/).filter(Boolean);
    if (terms.length && !hay) buildHay();
    var sevOn = SEV.filter(function (s, i) { return state.sev[i]; }).length > 0;
    var counts = [0, 0, 0, 0, 0];
    var out = [];
    for (var i = 0; i < N; i++) {
      var f = F[i];
      if (!state.exempt && f[EXEMPT] === 1) continue;
      if (!state.excepted && isExcepted(f)) continue;
      if (state.check && str(f, CHECK) !== state.check) continue;
      if (state.section && (sectionOf[str(f, CHECK)] || '') !== state.section) continue;
      if (state.ns && (str(f, NS) || NONE) !== state.ns) continue;
      if (state.file && (str(f, FILE) || NONE) !== state.file) continue;
      if (terms.length) {
        var h = hay[i], ok = true;
        for (var t = 0; t < terms.length; t++) if (h.indexOf(terms[t]) < 0) { ok = false; break; }
        if (!ok) continue;
      }
      counts[f[SEVERITY]]++;
      if (sevOn && !state.sev[f[SEVERITY]]) continue;
      out.push(i);
    }
    if (state.sortKey) {
      var c = compare[state.sortKey], dir = state.sortDir;
      out.sort(function (a, b) { return dir * c(a, b) || a - b; });
    }
    view = out;
    document.querySelectorAll('#f-severity .chip').forEach(function (b) {
      var i = SEV.indexOf(b.dataset.severity);
      b.querySelector('.n').textContent = counts[i];
      b.setAttribute('aria-pressed', state.sev[i] ? 'true' : 'false');
    });
    var pages = pageCount();
    if (state.page >= pages) state.page = Math.max(0, pages - 1);
    render();
  }

  function pageCount() {
    return state.pageSize > 0 ? Math.max(1, Math.ceil(view.length / state.pageSize)) : 1;
  }

  // ---- rendering ------------------------------------------------------------------
  function row(i) {
    var f = F[i], sev = SEV[f[SEVERITY]], exempt = f[EXEMPT] === 1, excepted = isExcepted(f);
    var expanded = state.expandAll || state.printing || !!open[i];
    var tr = el('tr', 'finding sev-' + sev + (exempt ? ' exempt' : '') + (excepted ? ' excepted' : '') + (expanded ? ' open' : ''));
    tr.dataset.index = i;
    tr.dataset.severity = sev;
    tr.tabIndex = 0;
    tr.setAttribute('aria-expanded', expanded ? 'true' : 'false');

    var td = el('td', 'sevcell');
    td.appendChild(el('span', 'caret', '\u25B6'));
    td.appendChild(el('span', 'sev', sev));
    if (exempt) { td.appendChild(document.createElement('br')); td.appendChild(el('span', 'tag-exempt', 'exempt')); }
    if (excepted) { td.appendChild(document.createElement('br')); td.appendChild(el('span', 'tag-exempt tag-excepted', 'excepted')); }
    tr.appendChild(td);

    td = el('td');
    var id = el('span', 'checkid', str(f, CHECK));
    id.title = str(f, TITLE);
    td.appendChild(id);
    tr.appendChild(td);

    td = el('td', null, str(f, NS));
    if (!str(f, NS)) td.appendChild(el('span', 'muted', '\u2014'));
    tr.appendChild(td);

    td = el('td');
    td.title = str(f, APIVERSION);
    td.appendChild(el('span', 'kind', str(f, KIND) + '/'));
    td.appendChild(document.createTextNode(str(f, NAME) || '<unnamed>'));
    tr.appendChild(td);

    td = el('td', 'loc');
    breakable(td, location(f));
    if (str(f, RENDERED)) td.appendChild(el('div', 'path', str(f, RENDERED)));
    tr.appendChild(td);

    td = el('td', 'msg', f[MESSAGE]);
    if (f[PATH]) { var p = el('div', 'path'); breakable(p, f[PATH], '.'); td.appendChild(p); }
    tr.appendChild(td);

    var d = el('tr', 'detail');
    d.hidden = !expanded;
    var dtd = el('td');
    dtd.colSpan = 6;
    var rem = el('div', 'rem');
    rem.appendChild(el('b', null, 'Remediation'));
    rem.appendChild(document.createTextNode(str(f, REMEDIATION) || 'See eksguard explain ' + str(f, CHECK) + '.'));
    dtd.appendChild(rem);
    var dl = el('dl');
    // print: whether the entry is also printed (the others repeat the row's columns).
    function item(k, v, print) {
      if (!v) return;
      dl.appendChild(el('dt', print ? 'print' : null, k));
      dl.appendChild(el('dd', print ? 'print' : null, v));
    }
    item('Check', str(f, CHECK) + ' \u2014 ' + str(f, TITLE));
    item('Section', sectionTitle[sectionOf[str(f, CHECK)]] || '');
    item('Object', [str(f, APIVERSION), str(f, KIND), (str(f, NS) ? str(f, NS) + '/' : '') + str(f, NAME)].filter(Boolean).join(' '));
    item('Field', f[PATH]);
    item('Location', location(f));
    item('Rendered from', str(f, RENDERED));
    item('Resource', str(f, RESOURCE));
    item('Cluster', str(f, CLUSTER));
    item('Managed by', str(f, MANAGEDBY));
    if (exempt) item('Exempt', 'system namespace: reported for visibility only, never fails the run', true);
    if (excepted) {
      var who = [str(f, EXC_OWNER) && 'owner ' + str(f, EXC_OWNER), str(f, EXC_EXPIRES) && 'expires ' + str(f, EXC_EXPIRES)].filter(Boolean);
      item('Excepted', (str(f, EXC_WHY) || 'no justification given') + (who.length ? ' (' + who.join(', ') + ')' : ''), true);
      item('Exception', [str(f, EXC_TYPE), str(f, EXC_SOURCE)].filter(Boolean).join(': '), true);
    }
    dtd.appendChild(dl);
    d.appendChild(dtd);
    return [tr, d];
  }

  function render() {
    var size = state.printing ? 0 : state.pageSize;
    var start = size > 0 ? state.page * size : 0;
    var end = size > 0 ? Math.min(view.length, start + size) : view.length;
    var frag = document.createDocumentFragment();
    for (var k = start; k < end; k++) {
      var r = row(view[k]);
      frag.appendChild(r[0]);
      frag.appendChild(r[1]);
    }
    $('rows').replaceChildren(frag);
    $('empty').hidden = view.length > 0;
    var shown = view.length === 0 ? 'No findings shown' :
      'Showing ' + (start + 1).toLocaleString('en') + '\u2013' + end.toLocaleString('en') + ' of ' + view.length.toLocaleString('en');
    if (view.length !== N) shown += ' (filtered from ' + N.toLocaleString('en') + ')';
    $('shown').textContent = shown;
    document.querySelectorAll('#findings-table th[data-sort]').forEach(function (th) {
      if (th.dataset.sort === state.sortKey) th.setAttribute('aria-sort', state.sortDir > 0 ? 'ascending' : 'descending');
      else th.removeAttribute('aria-sort');
    });
    renderPager(size);
  }

  function renderPager(size) {
    var pager = $('pager');
    pager.replaceChildren();
    var pages = pageCount();
    if (size <= 0 || pages <= 1) return;
    function btn(label, page, disabled) {
      var b = el('button', null, label);
      b.type = 'button';
      b.disabled = disabled;
      b.addEventListener('click', function () { state.page = page; render(); $('findings').scrollIntoView(); });
      pager.appendChild(b);
    }
    btn('\u00ab First', 0, state.page === 0);
    btn('\u2039 Prev', state.page - 1, state.page === 0);
    pager.appendChild(el('span', null, 'Page ' + (state.page + 1) + ' of ' + pages));
    btn('Next \u203a', state.page + 1, state.page >= pages - 1);
    btn('Last \u00bb', pages - 1, state.page >= pages - 1);
  }

  function toggle(tr) {
    var i = +tr.dataset.index, d = tr.nextElementSibling;
    var on = !tr.classList.contains('open');
    if (on) open[i] = true; else delete open[i];
    tr.classList.toggle('open', on);
    tr.setAttribute('aria-expanded', on ? 'true' : 'false');
    d.hidden = !on;
  }

  // ---- events ---------------------------------------------------------------------
  var timer = 0;
  $('f-text').addEventListener('input', function (e) {
    state.text = e.target.value;
    state.page = 0;
    clearTimeout(timer);
    if (N > 20000) timer = setTimeout(apply, 150); else apply();
  });
  [['f-section', 'section'], ['f-check', 'check'], ['f-namespace', 'ns'], ['f-file', 'file']].forEach(function (p) {
    $(p[0]).addEventListener('change', function (e) { state[p[1]] = e.target.value; state.page = 0; apply(); });
  });
  $('f-exempt').addEventListener('change', function (e) { state.exempt = e.target.checked; state.page = 0; apply(); });
  $('f-excepted').addEventListener('change', function (e) { state.excepted = e.target.checked; state.page = 0; apply(); });
  $('f-severity').addEventListener('click', function (e) {
    var b = e.target.closest('.chip');
    if (!b) return;
    var i = SEV.indexOf(b.dataset.severity);
    if (state.sev[i]) delete state.sev[i]; else state.sev[i] = true;
    state.page = 0;
    apply();
  });
  $('f-reset').addEventListener('click', function () {
    state.text = ''; state.sev = {}; state.section = state.check = state.ns = state.file = '';
    state.exempt = state.excepted = true; state.sortKey = ''; state.sortDir = 1; state.page = 0;
    $('f-text').value = '';
    ['f-section', 'f-check', 'f-namespace', 'f-file'].forEach(function (id) { $(id).value = ''; });
    $('f-exempt').checked = $('f-excepted').checked = true;
    apply();
  });
  document.querySelectorAll('#findings-table th[data-sort] .sort').forEach(function (b) {
    function sortBy() {
      var key = b.parentNode.dataset.sort;
      if (state.sortKey === key) state.sortDir = -state.sortDir;
      else { state.sortKey = key; state.sortDir = key === 'severity' ? -1 : 1; }
      apply();
    }
    b.addEventListener('click', sortBy);
    b.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sortBy(); }
    });
  });
  $('page-size').addEventListener('change', function (e) { state.pageSize = +e.target.value; state.page = 0; render(); });
  $('expand-all').addEventListener('click', function (e) {
    state.expandAll = !state.expandAll;
    open = {};
    e.target.textContent = state.expandAll ? 'Collapse all' : 'Expand all';
    e.target.setAttribute('aria-pressed', state.expandAll ? 'true' : 'false');
    render();
  });
  $('rows').addEventListener('click', function (e) {
    var tr = e.target.closest('tr.finding');
    if (tr && !window.getSelection().toString()) toggle(tr);
  });
  $('rows').addEventListener('keydown', function (e) {
    var tr = e.target.closest('tr.finding');
    if (tr && (e.key === 'Enter' || e.key === ' ')) { e.preventDefault(); toggle(tr); }
  });

  // Print every filtered finding with its remediation, and every collapsed detail.
  var closedDetails = [];
  window.addEventListener('beforeprint', function () {
    state.printing = true;
    closedDetails = Array.from(document.querySelectorAll('details:not([open])'));
    closedDetails.forEach(function (d) { d.open = true; });
    render();
  });
  window.addEventListener('afterprint', function () {
    state.printing = false;
    closedDetails.forEach(function (d) { d.open = false; });
    render();
  });

  apply();
})();
