// The explorer page's own script (no inline script: the page's Content-Security-Policy forbids it).
// Loaded after the vendored Cytoscape.js bundle (global `cytoscape`).
//
// The page holds no data: everything drawn comes from the GraphQL link queries (`neighbourhood`,
// `paths`, `timeline`, `signals`, `signalHits`) and the case mutations, sent as POST /graphql with
// the token the other pages use (the `#token=` fragment, then sessionStorage `family-card-token`),
// so the service's authentication, policy (investigators under a purpose, in their region scope)
// and audit trail apply. While a case is active every link query passes its `caseId`, so the
// audit trail links the read to the case.
//
// What is drawn is a model of the slices merged so far (nodes and edges by id); the graph is
// rebuilt from it after every change, households (persons registered at one dwelling on the
// as-of date, or today) as compound nodes around the dwelling. Edge kinds and the shown date
// range hide edges without a new query; the as-of date and hops go into the next query.
//
// For the browser test (tools/browser-test/explorer.mjs): `<body data-explorer>` is `busy` while
// a request is out and `ready`/`error` after; `window.familyCardExplorer` exposes the Cytoscape
// instance and the model read-only.
(function () {
  'use strict';

  var STORAGE_KEY = 'family-card-token';
  var ENDPOINT = '/graphql';
  /**
   * A pinned view travels as a string inside one request body (64 KiB at most, the service's
   * limit): its escaped UTF-8 size is kept under this, leaving room for the mutation's text.
   */
  var MAX_VIEW_BYTES = 62 * 1024;
  var KINDS = [
    'MARRIED_TO', 'PARENT_OF', 'GUARDIAN_OF', 'REGISTERED_AT', 'OWNS_VEHICLE', 'OWNS_REAL_ESTATE',
    'OWNS_LAND', 'RUNS_BUSINESS', 'HOLDS_ACCOUNT', 'SHARES_ACCOUNT', 'SHARES_PHONE',
  ];
  /** The kinds a path may go through (`EdgeKind::HOPS` of the service). */
  var HOP_KINDS = ['MARRIED_TO', 'PARENT_OF', 'GUARDIAN_OF', 'REGISTERED_AT', 'SHARES_ACCOUNT', 'SHARES_PHONE'];
  var KIND_LABEL = {
    MARRIED_TO: 'married', PARENT_OF: 'parent of', GUARDIAN_OF: 'guardian of', REGISTERED_AT: 'registered',
    OWNS_VEHICLE: 'owns', OWNS_REAL_ESTATE: 'owns', OWNS_LAND: 'owns', RUNS_BUSINESS: 'runs',
    HOLDS_ACCOUNT: 'holds', SHARES_ACCOUNT: 'shares account', SHARES_PHONE: 'shares phone',
  };
  var EDGE_COLOUR = {
    MARRIED_TO: '#be123c', PARENT_OF: '#1d4ed8', GUARDIAN_OF: '#0891b2', REGISTERED_AT: '#16a34a',
    OWNS_VEHICLE: '#ea580c', OWNS_REAL_ESTATE: '#a16207', OWNS_LAND: '#65a30d', RUNS_BUSINESS: '#7c3aed',
    HOLDS_ACCOUNT: '#db2777', SHARES_ACCOUNT: '#db2777', SHARES_PHONE: '#0f766e',
  };
  var NODE_STYLE = {
    PERSON: ['ellipse', '#2563eb'], DWELLING: ['round-rectangle', '#16a34a'], VEHICLE: ['triangle', '#ea580c'],
    REAL_ESTATE: ['rectangle', '#a16207'], LAND: ['hexagon', '#65a30d'], BUSINESS: ['diamond', '#7c3aed'],
    ACCOUNT: ['round-diamond', '#db2777'],
  };
  var NODE_KIND_NAME = {
    PERSON: 'person', DWELLING: 'dwelling', VEHICLE: 'vehicle', REAL_ESTATE: 'real estate', LAND: 'land',
    BUSINESS: 'business', ACCOUNT: 'account', HOUSEHOLD: 'household (compound)',
  };

  var SLICE = 'nodes { id kind label facts { name value } } edges { from to kind fromDate toDate directed } truncated';
  var Q = {
    neighbourhood:
      'query Neighbourhood($iin: String!, $hops: Int, $kinds: [LinkKind!], $asOf: NaiveDate, $caseId: String) {\n' +
      '  neighbourhood(iin: $iin, hops: $hops, kinds: $kinds, asOf: $asOf, caseId: $caseId) { ' + SLICE + ' }\n}',
    paths:
      'query Paths($from: String!, $to: String!, $maxHops: Int, $via: [LinkKind!], $asOf: NaiveDate, $caseId: String) {\n' +
      '  paths(from: $from, to: $to, maxHops: $maxHops, via: $via, asOf: $asOf, caseId: $caseId) {\n' +
      '    paths { length nodes { id kind label facts { name value } } edges { from to kind fromDate toDate directed } }\n' +
      '    truncated\n  }\n}',
    timeline:
      'query Timeline($iin: String!, $caseId: String) { timeline(iin: $iin, caseId: $caseId) { date kind label node } }',
    signals:
      'query Signals($iin: String!, $asOf: NaiveDate, $caseId: String) {\n' +
      '  signals(iin: $iin, asOf: $asOf, caseId: $caseId) { signal subjects score ruleVersion\n' +
      '    thresholds { name value } facts { name value } mattersFor evidence { ' + SLICE + ' } }\n}',
    storedHits:
      'query Stored($first: Int) { signalHits(first: $first) { nodes { signal familyId region asOf score ruleVersion\n' +
      '  subjects thresholds { name value } facts { name value } mattersFor evidence { ' + SLICE + ' } } } }',
    cases: 'query Cases { cases(status: OPEN, first: 100) { nodes { caseId title region } } }',
  };
  var CASE_FIELDS =
    'caseId title purpose legalBasis region status openedBy openedAt subjects notes { at by text } ' +
    'pinnedViews { at by name slice } conclusion';
  Q.case = 'query Case($id: String!) { case(id: $id) { ' + CASE_FIELDS + ' } }';
  Q.openCase =
    'mutation Open($t: String!, $p: String!, $l: String!, $r: String, $s: [String!]) {\n' +
    '  openCase(title: $t, purpose: $p, legalBasis: $l, region: $r, subjects: $s) { ' + CASE_FIELDS + ' }\n}';
  Q.addNote =
    'mutation Note($c: String!, $x: String!) { addCaseNote(caseId: $c, text: $x) { ' + CASE_FIELDS + ' } }';
  Q.pinView =
    'mutation Pin($c: String!, $n: String!, $s: String!) { pinCaseView(caseId: $c, name: $n, slice: $s) { ' +
    CASE_FIELDS + ' } }';
  Q.addSubject =
    'mutation Subject($c: String!, $i: String!) { addCaseSubject(caseId: $c, iin: $i) { ' + CASE_FIELDS + ' } }';

  function $(id) {
    return document.getElementById(id);
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  // ---- state ----
  var model = { nodes: {}, edges: {} };
  var state = {
    centres: [], // ids of the persons searched or expanded, in order
    truncated: false,
    path: [], // element ids of the highlighted path
    evidence: [], // element ids of the highlighted signal hit's evidence
    selected: [], // person node ids in selection order
    activeCase: null, // the Case object while one is active
    timelineOf: null,
    lastPng: null,
  };
  var pending = 0;
  var failed = false;

  function busy(delta) {
    pending += delta;
    document.body.dataset.explorer = pending > 0 ? 'busy' : failed ? 'error' : 'ready';
  }

  // ---- token (the contract of web/README.md, shared with GraphiQL and the dashboard) ----
  function readToken() {
    try {
      return window.sessionStorage.getItem(STORAGE_KEY) || '';
    } catch (e) {
      return '';
    }
  }
  function writeToken(token) {
    try {
      if (token) window.sessionStorage.setItem(STORAGE_KEY, token);
      else window.sessionStorage.removeItem(STORAGE_KEY);
    } catch (e) {
      // Storage disabled: the token lasts as long as the input holds it.
    }
  }
  function takeFragmentToken() {
    var hash = window.location.hash;
    if (!hash || hash.length < 2) return;
    var params = new URLSearchParams(hash.slice(1));
    if (!params.has('token')) return;
    writeToken((params.get('token') || '').trim());
    params.delete('token');
    var rest = params.toString();
    var url = window.location.pathname + window.location.search + (rest ? '#' + rest : '');
    window.history.replaceState(window.history.state, '', url);
  }
  function showTokenState() {
    var s = $('token-status');
    s.textContent = readToken() ? 'Token set.' : 'No token set: paste an investigator’s token.';
    s.className = readToken() ? 'ok' : 'warn';
  }

  // ---- errors: shown with their code, never swallowed ----
  function clearErrors() {
    $('errors').textContent = '';
    failed = false;
  }
  function showError(code, message) {
    failed = true;
    var d = el('div', 'error-line');
    d.appendChild(el('span', 'code', code));
    d.appendChild(el('span', 'message', message));
    $('errors').appendChild(d);
  }
  function ApiFailure(errors) {
    this.errors = errors;
  }

  /** POST /graphql; resolves to `data`, or rejects with ApiFailure after showing the errors. */
  async function gql(query, variables) {
    var headers = {
      'Content-Type': 'application/json',
      Accept: 'application/graphql-response+json, application/json',
    };
    var token = readToken();
    if (token) headers.Authorization = 'Bearer ' + token;
    busy(1);
    try {
      var resp;
      try {
        resp = await window.fetch(ENDPOINT, {
          method: 'POST',
          headers: headers,
          body: JSON.stringify({ query: query, variables: variables || {} }),
          credentials: 'same-origin',
        });
      } catch (e) {
        showError('NETWORK', 'the service did not answer: ' + (e && e.message ? e.message : e));
        throw new ApiFailure([]);
      }
      var body = null;
      try {
        body = await resp.json();
      } catch (e) {
        body = null;
      }
      var errors = (body && body.errors) || [];
      if (!body || (!resp.ok && !errors.length)) {
        showError('HTTP ' + resp.status, resp.status === 401 ? 'the token is missing, expired or not valid' : 'the service refused the request');
        throw new ApiFailure([]);
      }
      errors.forEach(function (e) {
        var code = (e.extensions && e.extensions.code) || (resp.status === 401 ? 'UNAUTHENTICATED' : 'ERROR');
        var field = e.extensions && e.extensions.field ? ' (field ' + e.extensions.field + ')' : '';
        var id = e.extensions && e.extensions.errorId ? ' [error id ' + e.extensions.errorId + ']' : '';
        showError(code, e.message + field + id);
      });
      if (errors.length || !body.data) throw new ApiFailure(errors);
      return body.data;
    } finally {
      busy(-1);
    }
  }

  /** Runs `fn` (async) as one user action: errors cleared first, API failures already shown. */
  function action(fn) {
    return async function (ev) {
      if (ev && ev.preventDefault) ev.preventDefault();
      clearErrors();
      busy(1);
      try {
        await fn(ev);
      } catch (e) {
        if (!(e instanceof ApiFailure)) showError('PAGE', e && e.message ? e.message : String(e));
      } finally {
        busy(-1);
      }
    };
  }

  function caseVar() {
    return state.activeCase ? state.activeCase.caseId : null;
  }
  function asOf() {
    return $('asof-input').value || null;
  }
  function householdDate() {
    return asOf() || new Date().toISOString().slice(0, 10);
  }
  function checkedKinds() {
    return KINDS.filter(function (k) {
      return $('kind-' + k).checked;
    });
  }
  function queryKinds(all) {
    var k = checkedKinds().filter(function (x) {
      return all.indexOf(x) >= 0;
    });
    return k.length === all.length ? null : k;
  }
  function iinOf(nodeId) {
    return nodeId.indexOf('person:') === 0 ? nodeId.slice(7) : null;
  }

  // ---- the model ----
  function edgeId(e) {
    return e.kind + ':' + e.from + '>' + e.to + ':' + (e.fromDate || '');
  }
  /** Merges a slice into the model; returns the ids of the elements it names. */
  function merge(slice) {
    var ids = [];
    (slice.nodes || []).forEach(function (n) {
      var known = model.nodes[n.id];
      if (!known || (n.facts && n.facts.length >= (known.facts || []).length)) {
        model.nodes[n.id] = { id: n.id, kind: n.kind, label: n.label, facts: n.facts || [], position: known && known.position };
      }
      ids.push(n.id);
    });
    (slice.edges || []).forEach(function (e) {
      var id = edgeId(e);
      model.edges[id] = { from: e.from, to: e.to, kind: e.kind, fromDate: e.fromDate || null, toDate: e.toDate || null, directed: !!e.directed };
      ids.push(id);
    });
    return ids;
  }
  function inForce(e, day) {
    return (!e.fromDate || e.fromDate <= day) && (!e.toDate || day < e.toDate);
  }
  /** Household compound id of every person and dwelling registered together on the date. */
  function households() {
    var day = householdDate();
    var parent = {};
    var residents = {};
    Object.keys(model.edges).forEach(function (id) {
      var e = model.edges[id];
      if (e.kind !== 'REGISTERED_AT' || !inForce(e, day)) return;
      if (!model.nodes[e.from] || !model.nodes[e.to] || parent[e.from]) return;
      var h = 'household:' + e.to;
      parent[e.from] = h;
      residents[h] = (residents[h] || 0) + 1;
    });
    Object.keys(residents).forEach(function (h) {
      parent[h.slice('household:'.length)] = h;
    });
    return { parent: parent, residents: residents };
  }
  function edgeLabel(e) {
    var period = e.fromDate || e.toDate ? ' ' + (e.fromDate || '…') + '–' + (e.toDate || '') : '';
    return KIND_LABEL[e.kind] + period;
  }

  // ---- the graph ----
  var cy = cytoscape({
    container: $('cy'),
    elements: [],
    selectionType: 'additive',
    wheelSensitivity: 0.3,
    minZoom: 0.1,
    maxZoom: 4,
    style: graphStyle(),
  });

  /** Later rules win: kinds after the bases, highlights and selection last. */
  function graphStyle() {
    var s = [
      {
        selector: 'node',
        style: {
          label: 'data(label)', 'font-size': 9, 'text-valign': 'bottom', 'text-margin-y': 3,
          'text-wrap': 'ellipsis', 'text-max-width': 120, width: 26, height: 26, color: '#111827',
          'border-width': 1, 'border-color': '#ffffff', 'min-zoomed-font-size': 5,
        },
      },
    ];
    Object.keys(NODE_STYLE).forEach(function (k) {
      s.push({ selector: 'node[kind = "' + k + '"]', style: { shape: NODE_STYLE[k][0], 'background-color': NODE_STYLE[k][1] } });
    });
    s.push(
      {
        selector: 'node.household',
        style: {
          shape: 'round-rectangle', 'background-color': '#dcfce7', 'background-opacity': 0.55,
          'border-color': '#16a34a', 'border-style': 'dashed', 'border-width': 2, 'text-valign': 'top',
          'text-margin-y': -4, 'font-size': 10, 'font-weight': 'bold', padding: 14, color: '#166534',
        },
      },
      { selector: 'node.deceased', style: { 'background-color': '#6b7280', 'border-style': 'dashed', 'border-color': '#111827', 'border-width': 2 } },
      { selector: 'node.centre', style: { 'border-color': '#111827', 'border-width': 3 } },
      {
        selector: 'edge',
        style: {
          width: 1.6, 'curve-style': 'bezier', label: 'data(label)', 'font-size': 7, 'text-rotation': 'autorotate',
          'text-background-color': '#ffffff', 'text-background-opacity': 0.8, 'text-background-padding': 1,
          'min-zoomed-font-size': 6, color: '#374151', 'arrow-scale': 0.8,
        },
      }
    );
    Object.keys(EDGE_COLOUR).forEach(function (k) {
      s.push({ selector: 'edge[kind = "' + k + '"]', style: { 'line-color': EDGE_COLOUR[k], 'target-arrow-color': EDGE_COLOUR[k] } });
    });
    s.push(
      { selector: 'edge.directed', style: { 'target-arrow-shape': 'triangle' } },
      { selector: 'edge.ended', style: { 'line-style': 'dashed', opacity: 0.6 } },
      { selector: '.filtered', style: { display: 'none' } },
      { selector: 'node.evidence', style: { 'border-color': '#f59e0b', 'border-width': 5 } },
      { selector: 'edge.evidence', style: { 'line-color': '#f59e0b', 'target-arrow-color': '#f59e0b', width: 4, 'z-index': 8 } },
      { selector: 'node.on-path', style: { 'border-color': '#dc2626', 'border-width': 5, 'z-index': 9 } },
      { selector: 'edge.on-path', style: { 'line-color': '#dc2626', 'target-arrow-color': '#dc2626', width: 5, 'z-index': 9 } },
      { selector: 'node:selected', style: { 'overlay-color': '#1d4ed8', 'overlay-opacity': 0.25, 'overlay-padding': 5 } },
      { selector: 'edge:selected', style: { 'overlay-color': '#1d4ed8', 'overlay-opacity': 0.25 } }
    );
    return s;
  }

  /**
   * Rebuilds the graph from the model. Known nodes keep their positions; new ones start next to
   * `near` (an element id) and a force layout settles them, unless `preset` (a reopened view).
   */
  function render(near, preset) {
    var selected = {};
    cy.nodes().forEach(function (n) {
      if (!n.isParent() && model.nodes[n.id()]) model.nodes[n.id()].position = n.position();
      if (n.selected()) selected[n.id()] = true;
    });
    var start = near && cy.getElementById(near).nonempty() ? cy.getElementById(near).position() : { x: 0, y: 0 };
    var h = households();
    var els = [];
    var fresh = 0;
    Object.keys(h.residents).forEach(function (hid) {
      var dwelling = model.nodes[hid.slice('household:'.length)];
      els.push({
        group: 'nodes',
        data: { id: hid, label: 'Household · ' + h.residents[hid] + ' registered · ' + (dwelling ? dwelling.label : '') },
        classes: 'household',
      });
    });
    Object.keys(model.nodes).forEach(function (id) {
      var n = model.nodes[id];
      var classes = [];
      if (state.centres.indexOf(id) >= 0) classes.push('centre');
      if ((n.facts || []).some(function (f) { return f.name === 'death_date'; })) classes.push('deceased');
      var pos = n.position;
      if (!pos) {
        fresh++;
        pos = { x: start.x + (Math.random() - 0.5) * 80, y: start.y + (Math.random() - 0.5) * 80 };
      }
      els.push({
        group: 'nodes',
        data: { id: id, kind: n.kind, label: n.label, parent: h.parent[id] },
        position: { x: pos.x, y: pos.y },
        selected: !!selected[id],
        classes: classes.join(' '),
      });
    });
    Object.keys(model.edges).forEach(function (id) {
      var e = model.edges[id];
      if (!model.nodes[e.from] || !model.nodes[e.to]) return;
      var classes = [];
      if (e.directed) classes.push('directed');
      if (e.toDate) classes.push('ended');
      els.push({
        group: 'edges',
        data: { id: id, source: e.from, target: e.to, kind: e.kind, label: edgeLabel(e) },
        classes: classes.join(' '),
      });
    });
    cy.batch(function () {
      cy.elements().remove();
      cy.add(els);
    });
    applyFilters();
    applyHighlights();
    if (!preset && fresh > 0) {
      cy.layout({
        name: 'cose', animate: false, randomize: false, fit: true, padding: 30,
        nodeRepulsion: function () { return 9000; }, idealEdgeLength: function () { return 70; },
        nestingFactor: 0.9, gravity: 0.6, numIter: 1500,
      }).run();
    } else if (preset) {
      cy.fit(undefined, 30);
    }
    showGraphStatus();
  }

  function applyFilters() {
    var kinds = checkedKinds();
    var from = $('from-input').value;
    var to = $('to-input').value;
    cy.batch(function () {
      cy.edges().forEach(function (edge) {
        var e = model.edges[edge.id()];
        if (!e) return;
        var hide = kinds.indexOf(e.kind) < 0 || (from && e.toDate && e.toDate <= from) || (to && e.fromDate && e.fromDate > to);
        edge.toggleClass('filtered', !!hide);
      });
    });
    showGraphStatus();
  }

  function applyHighlights() {
    cy.batch(function () {
      cy.elements().removeClass('on-path evidence');
      state.path.forEach(function (id) {
        cy.getElementById(id).addClass('on-path');
      });
      state.evidence.forEach(function (id) {
        cy.getElementById(id).addClass('evidence');
      });
    });
  }

  function showGraphStatus() {
    var persons = cy.nodes('[kind = "PERSON"]').length;
    var hidden = cy.edges('.filtered').length;
    var hh = cy.nodes('.household').length;
    $('graph-status').textContent =
      cy.nodes('[kind]').length + ' nodes (' + persons + ' persons), ' + cy.edges().length + ' edges' +
      (hidden ? ' (' + hidden + ' hidden by the filters)' : '') + ', ' + hh + ' households' +
      (state.activeCase ? ' · reads under case ' + state.activeCase.caseId : '');
    var banner = $('banner');
    if (state.truncated) {
      banner.textContent = 'The server’s cap (500 nodes) cut the slice: not every link is drawn. Narrow the kinds or the hops, or expand single nodes.';
      banner.classList.remove('hidden');
    } else {
      banner.classList.add('hidden');
    }
  }

  function drawLegend() {
    var lg = $('legend');
    Object.keys(NODE_KIND_NAME).forEach(function (k) {
      var s = el('span');
      s.appendChild(el('i', 'k-' + k));
      s.appendChild(document.createTextNode(NODE_KIND_NAME[k]));
      lg.appendChild(s);
    });
  }

  // ---- the side panel ----
  function factsList(facts) {
    var dl = el('dl', 'facts');
    (facts || []).forEach(function (f) {
      dl.appendChild(el('dt', null, f.name));
      dl.appendChild(el('dd', null, f.value));
    });
    return dl;
  }
  function showDetails(target) {
    var box = $('details');
    box.textContent = '';
    if (target.isNode() && target.hasClass('household')) {
      box.appendChild(el('p', null, target.data('label')));
      var members = target.children('[kind = "PERSON"]').map(function (c) { return c.data('label'); });
      box.appendChild(el('p', 'muted', 'Registered there on ' + householdDate() + ': ' + members.join('; ')));
      return;
    }
    if (target.isNode()) {
      var n = model.nodes[target.id()];
      box.appendChild(el('p', null, NODE_KIND_NAME[n.kind] + ': ' + n.label));
      box.appendChild(el('p', 'muted', n.id));
      box.appendChild(factsList(n.facts));
      if (n.kind === 'PERSON') {
        var b = el('button', null, 'Expand');
        b.type = 'button';
        b.addEventListener('click', action(function () { return expand(n.id); }));
        box.appendChild(b);
        var t = el('button', null, 'Timeline');
        t.type = 'button';
        t.addEventListener('click', action(function () { return loadTimeline(iinOf(n.id)); }));
        box.appendChild(t);
        if (state.activeCase) {
          var a = el('button', null, 'Add to case');
          a.type = 'button';
          a.addEventListener('click', action(async function () {
            var d = await gql(Q.addSubject, { c: state.activeCase.caseId, i: iinOf(n.id) });
            setActiveCase(d.addCaseSubject);
          }));
          box.appendChild(a);
        }
      }
      return;
    }
    var e = model.edges[target.id()];
    box.appendChild(el('p', null, e.kind + (e.directed ? ' (directed)' : '')));
    box.appendChild(factsList([
      { name: 'from', value: (model.nodes[e.from] || {}).label + ' · ' + e.from },
      { name: 'to', value: (model.nodes[e.to] || {}).label + ' · ' + e.to },
      { name: 'in force from', value: e.fromDate || 'unknown' },
      { name: 'in force until', value: e.toDate || 'still in force' },
    ]));
  }

  // ---- queries ----
  /** Draws `iin`'s neighbourhood: merged into the drawing, or (`replace`) instead of it once it came. */
  async function neighbourhoodOf(iin, near, replace) {
    var d = await gql(Q.neighbourhood, {
      iin: iin, hops: Number($('hops-input').value), kinds: queryKinds(KINDS), asOf: asOf(), caseId: caseVar(),
    });
    var s = d.neighbourhood;
    if (replace) resetDrawing();
    merge(s);
    state.truncated = state.truncated || s.truncated;
    var id = 'person:' + iin;
    if (state.centres.indexOf(id) < 0) state.centres.push(id);
    render(near);
    return s;
  }
  async function search() {
    var iin = $('iin-input').value.trim();
    if (!/^\d{12}$/.test(iin)) {
      showError('BAD_USER_INPUT', 'IIN: twelve digits');
      return;
    }
    await neighbourhoodOf(iin, null, true);
    await loadTimeline(iin);
  }
  /** Forgets what is drawn (a new search, Clear). */
  function resetDrawing() {
    model = { nodes: {}, edges: {} };
    state.centres = [];
    state.truncated = false;
    state.path = [];
    state.evidence = [];
    state.selected = [];
    $('paths-list').textContent = '';
    $('paths-status').textContent = 'Select two persons (click one, then the other), then “Paths”.';
    $('signals-list').textContent = '';
    $('signal-detail').textContent = '';
  }
  async function expand(id) {
    var iin = iinOf(id);
    if (!iin) {
      showError('PAGE', 'only persons can be expanded (' + id + ')');
      return;
    }
    await neighbourhoodOf(iin, id);
  }
  async function loadTimeline(iin) {
    var d = await gql(Q.timeline, { iin: iin, caseId: caseVar() });
    var list = $('timeline-list');
    list.textContent = '';
    var events = d.timeline.slice().sort(function (a, b) { return a.date < b.date ? -1 : a.date > b.date ? 1 : 0; });
    events.forEach(function (ev) {
      var li = el('li', ev.node ? 'pickable' : '');
      li.dataset.kind = ev.kind;
      li.appendChild(el('span', 'date', ev.date));
      li.appendChild(document.createTextNode(ev.kind + ': ' + ev.label));
      if (ev.node) li.addEventListener('click', function () { focus([ev.node]); });
      list.appendChild(li);
    });
    state.timelineOf = iin;
    var who = model.nodes['person:' + iin];
    $('timeline-of').textContent = 'of ' + (who ? who.label + ' · ' : '') + iin + ' (' + events.length + ' events)';
  }
  function focus(ids) {
    var c = cy.collection();
    ids.forEach(function (id) { c = c.union(cy.getElementById(id)); });
    if (c.nonempty()) cy.animate({ fit: { eles: c, padding: 80 } }, { duration: 200 });
  }

  /** The selected persons, in the order they were selected (as far as the events told). */
  function selectedPersons() {
    var ids = cy.nodes('[kind = "PERSON"]:selected').map(function (n) { return n.id(); });
    return ids.sort(function (a, b) { return state.selected.indexOf(a) - state.selected.indexOf(b); });
  }
  async function findPaths() {
    var sel = selectedPersons();
    if (sel.length < 2) {
      showError('PAGE', 'select two persons first (click one, then the other)');
      return;
    }
    var a = sel[sel.length - 2];
    var b = sel[sel.length - 1];
    var d = await gql(Q.paths, {
      from: iinOf(a), to: iinOf(b), maxHops: Number($('maxhops-input').value), via: queryKinds(HOP_KINDS),
      asOf: asOf(), caseId: caseVar(),
    });
    var found = d.paths.paths;
    var list = $('paths-list');
    list.textContent = '';
    var pathIds = found.map(function (p) {
      return merge({ nodes: p.nodes, edges: p.edges });
    });
    render(a);
    $('paths-status').textContent = found.length
      ? found.length + ' shortest path(s) of ' + found[0].length + ' hop(s) between ' + labelOf(a) + ' and ' + labelOf(b) + (d.paths.truncated ? ' (the node cap cut the search)' : '')
      : 'No path within ' + $('maxhops-input').value + ' hops' + (d.paths.truncated ? ' (the node cap cut the search)' : '') + '.';
    found.forEach(function (p, i) {
      var li = el('li', 'pickable');
      li.textContent = p.length + ' hop(s): ' + p.nodes.map(function (n) { return n.label; }).join(' → ');
      var dates = p.edges.map(function (e) { return e.kind + (e.fromDate ? ' ' + e.fromDate : '') + (e.toDate ? '–' + e.toDate : ''); });
      li.title = dates.join('; ');
      li.appendChild(el('div', 'muted', dates.join(' · ')));
      li.addEventListener('click', function () { pickPath(i, pathIds[i]); });
      list.appendChild(li);
    });
    if (found.length) pickPath(0, pathIds[0]);
    else {
      state.path = [];
      applyHighlights();
    }
  }
  function pickPath(i, ids) {
    var items = $('paths-list').children;
    for (var k = 0; k < items.length; k++) items[k].classList.toggle('picked', k === i);
    state.path = ids;
    applyHighlights();
  }
  function labelOf(id) {
    return (model.nodes[id] || { label: id }).label;
  }

  async function findSignals() {
    var sel = selectedPersons();
    var id = sel.length ? sel[sel.length - 1] : state.centres[0];
    if (!id) {
      showError('PAGE', 'search or select a person first');
      return;
    }
    var d = await gql(Q.signals, { iin: iinOf(id), asOf: asOf(), caseId: caseVar() });
    listHits(d.signals, 'around ' + labelOf(id));
  }
  async function storedHits() {
    var d = await gql(Q.storedHits, { first: 50 });
    listHits(d.signalHits.nodes, 'stored by the signals run');
  }
  function listHits(hits, where) {
    var list = $('signals-list');
    list.textContent = '';
    $('signal-detail').textContent = hits.length ? '' : 'No signal hit ' + where + '.';
    hits.forEach(function (h, i) {
      var li = el('li', 'pickable');
      li.dataset.signal = h.signal;
      li.appendChild(el('span', 'score', h.score));
      li.appendChild(document.createTextNode(' ' + h.signal + ' · ' + h.subjects.length + ' subject(s)' + (h.familyId ? ' · ' + h.familyId : '')));
      li.addEventListener('click', function () { pickHit(i, h); });
      list.appendChild(li);
    });
    if (hits.length) pickHit(0, hits[0]);
  }
  function pickHit(i, h) {
    var items = $('signals-list').children;
    for (var k = 0; k < items.length; k++) items[k].classList.toggle('picked', k === i);
    state.evidence = merge(h.evidence);
    render(state.centres[0] || null);
    var box = $('signal-detail');
    box.textContent = '';
    box.appendChild(el('p', null, h.signal + ' · score ' + h.score + ' · rules ' + (h.ruleVersion || 'unknown') + (h.asOf ? ' · on ' + h.asOf : '')));
    box.appendChild(el('p', 'muted', 'Matters for: ' + (h.mattersFor.join(', ') || '—')));
    box.appendChild(el('h3', null, 'Facts'));
    box.appendChild(factsList(h.facts));
    box.appendChild(el('h3', null, 'Thresholds'));
    box.appendChild(factsList(h.thresholds));
    box.appendChild(el('p', 'muted', 'Subjects: ' + h.subjects.join(', ')));
    box.appendChild(el('p', 'muted', 'Evidence: ' + h.evidence.nodes.length + ' nodes, ' + h.evidence.edges.length + ' edges (marked in orange).'));
  }

  // ---- cases ----
  async function loadCases(keep) {
    var d = await gql(Q.cases, {});
    var sel = $('case-select');
    var current = keep || sel.value;
    while (sel.options.length > 1) sel.remove(1);
    d.cases.nodes.forEach(function (c) {
      var o = el('option', null, c.caseId + ' · ' + c.title + ' · ' + c.region);
      o.value = c.caseId;
      sel.appendChild(o);
    });
    sel.value = current && Array.prototype.some.call(sel.options, function (o) { return o.value === current; }) ? current : '';
  }
  function setActiveCase(c) {
    state.activeCase = c;
    var label = $('case-active');
    var views = $('view-select');
    while (views.options.length > 1) views.remove(1);
    $('notes-list').textContent = '';
    if (!c) {
      label.textContent = 'No case active.';
      label.className = '';
      $('case-select').value = '';
      showGraphStatus();
      return;
    }
    label.textContent = 'Active: ' + c.caseId + ' · ' + c.title + ' (' + c.status + ', ' + c.subjects.length + ' subject(s)); reads are recorded under it.';
    label.className = 'active';
    label.dataset.caseId = c.caseId;
    c.pinnedViews.forEach(function (v, i) {
      var o = el('option', null, v.name + ' · ' + v.at + ' · ' + v.by);
      o.value = String(i);
      views.appendChild(o);
    });
    c.notes.forEach(function (n) {
      var li = el('li');
      li.appendChild(el('span', 'date', n.at));
      li.appendChild(document.createTextNode(n.by + ': ' + n.text));
      $('notes-list').appendChild(li);
    });
    if ($('case-select').value !== c.caseId) {
      if (!Array.prototype.some.call($('case-select').options, function (o) { return o.value === c.caseId; })) {
        var o = el('option', null, c.caseId + ' · ' + c.title + ' · ' + c.region);
        o.value = c.caseId;
        $('case-select').appendChild(o);
      }
      $('case-select').value = c.caseId;
    }
    showGraphStatus();
  }
  async function pickCase() {
    var id = $('case-select').value;
    if (!id) {
      setActiveCase(null);
      return;
    }
    var d = await gql(Q.case, { id: id });
    setActiveCase(d.case);
  }
  async function openCase() {
    var subjects = $('case-subjects').value.split(/[\s,;]+/).filter(Boolean);
    var d = await gql(Q.openCase, {
      t: $('case-title').value.trim(), p: $('case-purpose').value.trim(), l: $('case-legal').value.trim(),
      r: $('case-region').value.trim() || null, s: subjects,
    });
    $('case-form').classList.add('hidden');
    setActiveCase(d.openCase);
    await loadCases(d.openCase.caseId);
  }
  function requireCase() {
    if (!state.activeCase) {
      showError('PAGE', 'open or pick a case first');
      return false;
    }
    return true;
  }
  async function addNote() {
    if (!requireCase()) return;
    var text = $('case-note').value.trim();
    var d = await gql(Q.addNote, { c: state.activeCase.caseId, x: text });
    $('case-note').value = '';
    setActiveCase(d.addCaseNote);
  }

  /** The current graph as pinned JSON: elements with positions, filters, highlights. */
  function viewJson(withFacts) {
    var nodes = Object.keys(model.nodes).map(function (id) {
      var n = model.nodes[id];
      var drawn = cy.getElementById(id);
      var p = drawn.nonempty() ? drawn.position() : n.position || { x: 0, y: 0 };
      var o = { id: id, kind: n.kind, label: n.label, x: Math.round(p.x), y: Math.round(p.y) };
      if (withFacts) o.facts = n.facts;
      return o;
    });
    var edges = Object.keys(model.edges).map(function (id) { return model.edges[id]; });
    return JSON.stringify({
      format: 'family-card-explorer/1',
      asOf: asOf(),
      hops: Number($('hops-input').value),
      kinds: checkedKinds(),
      shownFrom: $('from-input').value || null,
      shownTo: $('to-input').value || null,
      centres: state.centres,
      truncated: state.truncated,
      path: state.path,
      evidence: state.evidence,
      nodes: nodes,
      edges: edges,
    });
  }
  async function saveView() {
    if (!requireCase()) return;
    var name = $('view-name').value.trim() || 'view of ' + new Date().toISOString().slice(0, 16).replace('T', ' ');
    var json = viewJson(true);
    if (sentBytes(json) > MAX_VIEW_BYTES) json = viewJson(false);
    if (sentBytes(json) > MAX_VIEW_BYTES) {
      showError('PAGE', 'the view is too large to pin (' + sentBytes(json) + ' bytes): clear part of the graph');
      return;
    }
    var d = await gql(Q.pinView, { c: state.activeCase.caseId, n: name, s: json });
    $('view-name').value = '';
    setActiveCase(d.pinCaseView);
    $('view-select').value = String(d.pinCaseView.pinnedViews.length - 1);
  }
  /** The bytes `text` takes as a JSON string in the request body. */
  function sentBytes(text) {
    return new TextEncoder().encode(JSON.stringify(text)).length;
  }
  function reopenView() {
    if (!requireCase()) return;
    var i = $('view-select').value;
    var v = i === '' ? null : state.activeCase.pinnedViews[Number(i)];
    if (!v) {
      showError('PAGE', 'pick a pinned view');
      return;
    }
    var s = JSON.parse(v.slice);
    if (!s || !Array.isArray(s.nodes)) {
      showError('PAGE', 'the view “' + v.name + '” was not pinned by the explorer');
      return;
    }
    model = { nodes: {}, edges: {} };
    s.nodes.forEach(function (n) {
      model.nodes[n.id] = { id: n.id, kind: n.kind, label: n.label, facts: n.facts || [], position: typeof n.x === 'number' ? { x: n.x, y: n.y } : null };
    });
    (s.edges || []).forEach(function (e) { model.edges[edgeId(e)] = e; });
    $('asof-input').value = s.asOf || '';
    $('hops-input').value = String(s.hops || 2);
    $('from-input').value = s.shownFrom || '';
    $('to-input').value = s.shownTo || '';
    KINDS.forEach(function (k) { $('kind-' + k).checked = !s.kinds || s.kinds.indexOf(k) >= 0; });
    state.centres = s.centres || [];
    state.truncated = !!s.truncated;
    state.path = s.path || [];
    state.evidence = s.evidence || [];
    state.selected = [];
    render(null, true);
    $('graph-status').textContent += ' · view “' + v.name + '” of ' + v.at;
  }

  function exportPng() {
    if (cy.elements().empty()) {
      showError('PAGE', 'nothing drawn to export');
      return;
    }
    var blob = cy.png({ output: 'blob', full: true, bg: '#ffffff', scale: 2, maxWidth: 4000, maxHeight: 4000 });
    var url = URL.createObjectURL(blob);
    var a = el('a');
    a.href = url;
    var who = state.activeCase ? state.activeCase.caseId : iinOf(state.centres[0] || '') || 'graph';
    a.download = 'explorer-' + who + '-' + householdDate() + '.png';
    document.body.appendChild(a);
    a.click();
    a.remove();
    state.lastPng = { name: a.download, bytes: blob.size };
    document.body.dataset.lastPng = a.download;
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  // ---- wiring ----
  function wire() {
    var boxes = $('kind-boxes');
    KINDS.forEach(function (k) {
      var label = el('label');
      var box = el('input');
      box.type = 'checkbox';
      box.id = 'kind-' + k;
      box.checked = true;
      box.addEventListener('change', applyFilters);
      label.appendChild(box);
      label.appendChild(document.createTextNode(' ' + k.toLowerCase().replace(/_/g, ' ')));
      boxes.appendChild(label);
    });
    $('from-input').addEventListener('change', applyFilters);
    $('to-input').addEventListener('change', applyFilters);
    $('asof-input').addEventListener('change', function () { render(null); });

    $('token-bar').addEventListener('submit', action(async function () {
      writeToken($('token-input').value.trim());
      $('token-input').value = '';
      showTokenState();
      await loadCases();
    }));
    $('token-signout').addEventListener('click', function () {
      writeToken('');
      $('token-input').value = '';
      setActiveCase(null);
      $('token-status').textContent = 'Signed out: the token is cleared.';
      $('token-status').className = 'warn';
    });
    $('search').addEventListener('submit', action(search));
    $('expand-selected').addEventListener('click', action(async function () {
      var sel = cy.nodes(':selected[kind = "PERSON"]');
      if (sel.empty()) {
        showError('PAGE', 'select a person to expand');
        return;
      }
      for (var i = 0; i < sel.length; i++) await expand(sel[i].id());
    }));
    $('paths-go').addEventListener('click', action(findPaths));
    $('signals-go').addEventListener('click', action(findSignals));
    $('stored-go').addEventListener('click', action(storedHits));
    $('clear-graph').addEventListener('click', function () {
      resetDrawing();
      render(null);
    });

    $('case-refresh').addEventListener('click', action(function () { return loadCases(); }));
    $('case-select').addEventListener('change', action(pickCase));
    $('case-new').addEventListener('click', function () {
      $('case-form').classList.remove('hidden');
      if (!$('case-subjects').value && state.centres[0]) $('case-subjects').value = iinOf(state.centres[0]);
      $('case-title').focus();
    });
    $('case-cancel').addEventListener('click', function () { $('case-form').classList.add('hidden'); });
    $('case-subjects-selected').addEventListener('click', function () {
      $('case-subjects').value = cy.nodes(':selected[kind = "PERSON"]').map(function (n) { return iinOf(n.id()); }).join(', ');
    });
    $('case-form').addEventListener('submit', action(openCase));
    $('case-note-form').addEventListener('submit', action(addNote));
    $('case-view-form').addEventListener('submit', action(saveView));
    $('view-open').addEventListener('click', action(reopenView));
    $('export-png').addEventListener('click', action(exportPng));

    cy.on('tap', 'node, edge', function (ev) { showDetails(ev.target); });
    cy.on('select', 'node[kind = "PERSON"]', function (ev) {
      var id = ev.target.id();
      state.selected = state.selected.filter(function (x) { return x !== id; }).concat([id]);
    });
    cy.on('unselect', 'node', function (ev) {
      var id = ev.target.id();
      state.selected = state.selected.filter(function (x) { return x !== id; });
    });
    // A double-click is two taps on the same person (Cytoscape's own `dbltap` also fires for
    // two quick taps on different nodes, which is how two persons are selected for a path).
    var lastTap = { id: null, at: 0 };
    cy.on('tap', 'node[kind = "PERSON"]', function (ev) {
      var id = ev.target.id();
      var now = Date.now();
      var twice = lastTap.id === id && now - lastTap.at < 400;
      lastTap = twice ? { id: null, at: 0 } : { id: id, at: now };
      if (twice) action(function () { return expand(id); })();
    });
  }

  // The bars above the graph grow and shrink (the case form, errors, the banner): tell
  // Cytoscape, or its clicks land where the nodes were.
  if (window.ResizeObserver) new ResizeObserver(function () { cy.resize(); }).observe($('cy'));

  window.familyCardExplorer = {
    cy: cy,
    model: function () { return model; },
    state: function () { return state; },
  };

  takeFragmentToken();
  showTokenState();
  drawLegend();
  wire();
  render(null);
  if (readToken()) {
    action(function () { return loadCases(); })();
  } else {
    busy(0);
  }
})();
