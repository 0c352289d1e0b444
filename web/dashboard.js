// The dashboard page's own script (no inline script: the page's Content-Security-Policy forbids it).
// Loaded after the vendored ECharts bundle (global `echarts`).
//
// Data: one GraphQL query, `dashboard(region:, asOf:)`, aggregates only (no personal data), sent as
// POST /graphql with the token GraphiQL uses (the `#token=` fragment, then sessionStorage
// `family-card-token`), so the service's authentication, policy and region scope apply.
// Each chart's container says what happened in `data-state` (`drawn`, `empty`, `error`) and how
// many values it drew in `data-points`; `<body data-dashboard="ready|error">` when all are done
// (tools/browser-test/dashboard.mjs reads these).
(function () {
  'use strict';

  var STORAGE_KEY = 'family-card-token';
  var ENDPOINT = '/graphql';
  var LEVELS = ['A', 'B', 'C', 'D', 'E'];
  var LEVEL_COLOURS = { A: '#15803d', B: '#65a30d', C: '#ca8a04', D: '#ea580c', E: '#b91c1c' };
  var QUERY =
    'query Dashboard($region: String, $asOf: NaiveDate) {\n' +
    '  dashboard(region: $region, asOf: $asOf) {\n' +
    '    region asOf\n' +
    '    regions { region families needShare rank levels { level families } }\n' +
    '    wellbeingTrend { asOf families levels { level families } }\n' +
    '    benefitsByMonth { month benefit title entitlements amountKzt }\n' +
    '    funnel { benefit title detected notified replied consented refused expired assigned paid\n' +
    '      awaitingOffer amountKzt notifiedRate consentRate assignedRate paidRate overallRate }\n' +
    '    jobRuns { job runId startedAt updatedAt seconds processed total progress finished }\n' +
    '  }\n' +
    '}\n';

  var tokenInput = document.getElementById('token-input');
  var statusEl = document.getElementById('token-status');
  var scopeEl = document.getElementById('scope');
  var regionInput = document.getElementById('region-input');
  var asOfInput = document.getElementById('asof-input');
  var charts = {};

  // ---- token (the same contract as the GraphiQL page, web/README.md) ----
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
  function say(el, text, kind) {
    el.textContent = text;
    el.className = kind || '';
  }
  function showTokenState() {
    say(statusEl, readToken() ? 'Token set.' : 'No token set: paste one to see the figures.', readToken() ? 'ok' : 'warn');
  }
  document.getElementById('token-bar').addEventListener('submit', function (ev) {
    ev.preventDefault();
    writeToken(tokenInput.value.trim());
    showTokenState();
    load();
  });
  document.getElementById('token-signout').addEventListener('click', function () {
    writeToken('');
    tokenInput.value = '';
    say(statusEl, 'Signed out: the token is cleared.', 'warn');
  });
  document.getElementById('filters').addEventListener('submit', function (ev) {
    ev.preventDefault();
    load();
  });

  // ---- GraphQL ----
  async function fetchDashboard() {
    var headers = {
      'Content-Type': 'application/json',
      Accept: 'application/graphql-response+json, application/json',
    };
    var token = readToken();
    if (token) headers.Authorization = 'Bearer ' + token;
    var region = regionInput.value.trim();
    var variables = { region: region || null, asOf: asOfInput.value || null };
    var resp = await window.fetch(ENDPOINT, {
      method: 'POST',
      headers: headers,
      body: JSON.stringify({ query: QUERY, variables: variables }),
      credentials: 'same-origin',
    });
    var body = null;
    try {
      body = await resp.json();
    } catch (e) {
      body = null;
    }
    return { status: resp.status, body: body };
  }

  // ---- charts ----
  function chartOf(id) {
    if (!charts[id]) {
      charts[id] = echarts.init(document.getElementById(id), null, { renderer: 'canvas' });
    }
    return charts[id];
  }
  function base() {
    return {
      animation: false,
      tooltip: { trigger: 'axis', renderMode: 'richText', axisPointer: { type: 'shadow' } },
      legend: { top: 0, type: 'scroll' },
      grid: { left: 8, right: 24, top: 36, bottom: 24, containLabel: true },
    };
  }
  function draw(id, option, points) {
    var el = document.getElementById(id);
    if (!points) {
      if (charts[id]) {
        charts[id].dispose();
        delete charts[id];
      }
      el.textContent = '';
      var empty = document.createElement('div');
      empty.className = 'empty';
      empty.textContent = 'Nothing stored yet for this scope.';
      el.appendChild(empty);
      el.dataset.state = 'empty';
      el.dataset.points = '0';
      return;
    }
    var empties = el.querySelectorAll('.empty');
    for (var i = 0; i < empties.length; i++) empties[i].remove();
    var c = chartOf(id);
    c.setOption(option, true);
    el.dataset.state = 'drawn';
    el.dataset.points = String(points);
  }
  function fail(id, message) {
    var el = document.getElementById(id);
    if (charts[id]) {
      charts[id].dispose();
      delete charts[id];
    }
    el.textContent = '';
    var d = document.createElement('div');
    d.className = 'empty error';
    d.textContent = message;
    el.appendChild(d);
    el.dataset.state = 'error';
    el.dataset.points = '0';
  }
  function count(levels, l) {
    for (var i = 0; i < levels.length; i++) if (levels[i].level === l) return levels[i].families;
    return 0;
  }
  function pct(x) {
    return x === null || x === undefined ? '—' : (100 * x).toFixed(1) + ' %';
  }
  function kzt(n) {
    return n.toLocaleString('ru-RU') + ' ₸';
  }

  function drawRegions(ranked) {
    var regions = ranked.slice().sort(function (a, b) { return a.region < b.region ? -1 : a.region > b.region ? 1 : 0; });
    var names = regions.map(function (r) { return r.region; });
    var o = base();
    o.xAxis = { type: 'value', nameLocation: 'middle', nameGap: 26, name: 'families' };
    o.yAxis = { type: 'category', data: names, inverse: true };
    o.series = LEVELS.map(function (l) {
      return {
        name: l,
        type: 'bar',
        stack: 'levels',
        itemStyle: { color: LEVEL_COLOURS[l] },
        data: regions.map(function (r) { return count(r.levels, l); }),
      };
    });
    draw('chart-regions', o, regions.length * LEVELS.length);
  }
  function drawRanking(regions) {
    var o = base();
    o.legend = { show: false };
    o.xAxis = { type: 'value', nameLocation: 'middle', nameGap: 26, name: 'share at D–E', max: 1, axisLabel: { formatter: function (v) { return 100 * v + ' %'; } } };
    o.yAxis = {
      type: 'category',
      inverse: true,
      data: regions.map(function (r) { return r.rank + '. ' + r.region; }),
    };
    o.series = [
      {
        type: 'bar',
        name: 'share at D–E',
        itemStyle: { color: '#ea580c' },
        label: { show: true, position: 'right', formatter: function (p) { return pct(p.value); } },
        data: regions.map(function (r) { return r.needShare; }),
      },
    ];
    draw('chart-ranking', o, regions.length);
  }
  function drawTrend(points) {
    var o = base();
    o.xAxis = { type: 'category', data: points.map(function (p) { return p.asOf; }) };
    o.yAxis = { type: 'value', name: 'families' };
    o.series = LEVELS.map(function (l) {
      return {
        name: l,
        type: points.length > 1 ? 'line' : 'bar',
        stack: 'levels',
        areaStyle: points.length > 1 ? {} : undefined,
        itemStyle: { color: LEVEL_COLOURS[l] },
        data: points.map(function (p) { return count(p.levels, l); }),
      };
    });
    draw('chart-trend', o, points.length * LEVELS.length);
  }
  function drawBenefits(rows) {
    var months = [];
    var benefits = [];
    rows.forEach(function (r) {
      if (months.indexOf(r.month) < 0) months.push(r.month);
      if (benefits.indexOf(r.benefit) < 0) benefits.push(r.benefit);
    });
    months.sort();
    var amounts = months.map(function (m) {
      return rows.filter(function (r) { return r.month === m; }).reduce(function (s, r) { return s + r.amountKzt; }, 0);
    });
    var o = base();
    o.xAxis = { type: 'category', data: months };
    o.yAxis = [
      { type: 'value', name: 'entitlements' },
      { type: 'value', name: 'amount, ₸', axisLabel: { formatter: function (v) { return v >= 1e6 ? (v / 1e6).toFixed(2) + 'M' : Math.round(v / 1e3) + 'k'; } } },
    ];
    o.series = benefits
      .map(function (b) {
        return {
          name: b,
          type: 'bar',
          stack: 'benefits',
          data: months.map(function (m) {
            var r = rows.filter(function (x) { return x.month === m && x.benefit === b; })[0];
            return r ? r.entitlements : 0;
          }),
        };
      })
      .concat([{ name: 'amount, ₸', type: 'line', yAxisIndex: 1, symbolSize: 8, itemStyle: { color: '#111827' }, data: amounts }]);
    draw('chart-benefits', o, rows.length);
  }
  var STAGES = [
    ['detected', 'detected'],
    ['notified', 'notified'],
    ['consented', 'consented'],
    ['refused', 'refused'],
    ['expired', 'expired'],
    ['assigned', 'assigned'],
    ['paid', 'paid'],
  ];
  function drawFunnel(rows) {
    var o = base();
    o.xAxis = { type: 'value', nameLocation: 'middle', nameGap: 26, name: 'entitlements / offers' };
    o.yAxis = { type: 'category', inverse: true, data: rows.map(function (r) { return r.benefit; }) };
    o.series = STAGES.map(function (s) {
      return { name: s[1], type: 'bar', data: rows.map(function (r) { return r[s[0]]; }) };
    });
    draw('chart-funnel', o, rows.length * STAGES.length);
    var tbody = document.querySelector('#funnel-table tbody');
    tbody.textContent = '';
    rows.forEach(function (r) {
      var tr = document.createElement('tr');
      [
        r.benefit + ' (' + kzt(r.amountKzt) + ')',
        r.detected, r.notified, r.consented, r.refused, r.expired, r.assigned, r.paid,
        pct(r.notifiedRate), pct(r.consentRate), pct(r.assignedRate), pct(r.paidRate), pct(r.overallRate),
      ].forEach(function (v, i) {
        var td = document.createElement('td');
        td.textContent = String(v);
        if (i === 0) td.title = r.title;
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
  }
  function duration(s) {
    if (s === null || s === undefined) return '—';
    if (s < 60) return s.toFixed(1) + ' s';
    return Math.floor(s / 60) + ' min ' + Math.round(s % 60) + ' s';
  }
  function drawJobs(runs) {
    var o = base();
    o.legend = { show: false };
    o.xAxis = { type: 'value', nameLocation: 'middle', nameGap: 26, name: 'progress', max: 1, axisLabel: { formatter: function (v) { return 100 * v + ' %'; } } };
    o.yAxis = { type: 'category', inverse: true, data: runs.map(function (r) { return r.job; }) };
    o.series = [
      {
        type: 'bar',
        name: 'progress',
        itemStyle: { color: '#1d4ed8' },
        label: {
          show: true,
          position: 'insideLeft',
          color: '#ffffff',
          formatter: function (p) {
            var r = runs[p.dataIndex];
            return pct(r.progress) + ' · ' + duration(r.seconds) + (r.finished ? ' · finished' : ' · running or interrupted');
          },
        },
        data: runs.map(function (r) { return r.progress || 0; }),
      },
    ];
    draw('chart-jobs', o, runs.length);
    var tbody = document.querySelector('#jobs-table tbody');
    tbody.textContent = '';
    runs.forEach(function (r) {
      var tr = document.createElement('tr');
      var cells = [r.job, r.startedAt || '—', r.updatedAt || '—', duration(r.seconds), null, r.finished ? 'yes' : 'no'];
      cells.forEach(function (v) {
        var td = document.createElement('td');
        if (v === null) {
          var bar = document.createElement('progress');
          bar.max = 1;
          bar.value = r.progress || 0;
          td.appendChild(bar);
          td.appendChild(document.createTextNode(' ' + r.processed + ' / ' + r.total));
        } else {
          td.textContent = String(v);
        }
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
  }

  var ALL = ['chart-regions', 'chart-ranking', 'chart-trend', 'chart-benefits', 'chart-funnel', 'chart-jobs'];

  async function load() {
    document.body.dataset.dashboard = 'loading';
    ALL.forEach(function (id) { document.getElementById(id).dataset.state = 'loading'; });
    var r;
    try {
      r = await fetchDashboard();
    } catch (e) {
      ALL.forEach(function (id) { fail(id, 'The service did not answer: ' + e.message); });
      document.body.dataset.dashboard = 'error';
      return;
    }
    var errors = (r.body && r.body.errors) || [];
    var d = r.body && r.body.data && r.body.data.dashboard;
    if (r.status === 401) {
      say(statusEl, 'The server did not accept the token (401): it is missing, expired or not valid. Paste a new token above.', 'error');
    }
    if (!d) {
      var why = errors.length ? errors[0].message : 'HTTP ' + r.status;
      ALL.forEach(function (id) { fail(id, why); });
      say(scopeEl, why, 'error');
      document.body.dataset.dashboard = 'error';
      return;
    }
    say(scopeEl, (d.region ? 'Region ' + d.region : 'The whole country') + ', levels as of ' + d.asOf + '.', 'ok');
    drawRegions(d.regions);
    drawRanking(d.regions);
    drawTrend(d.wellbeingTrend);
    drawBenefits(d.benefitsByMonth);
    drawFunnel(d.funnel);
    if (d.jobRuns) {
      drawJobs(d.jobRuns);
    } else {
      var jobError = errors.filter(function (e) { return (e.path || []).indexOf('jobRuns') >= 0; })[0];
      fail('chart-jobs', 'Job runs have no region: they need national scope' + (jobError ? ' (the server said: ' + jobError.message + ')' : '') + '.');
    }
    document.body.dataset.dashboard = 'ready';
  }

  window.addEventListener('resize', function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });

  takeFragmentToken();
  tokenInput.value = readToken();
  showTokenState();
  load();
})();
