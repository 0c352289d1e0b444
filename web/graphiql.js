// The GraphiQL page's own script (no inline script: the page's Content-Security-Policy forbids it).
// Loaded after the vendored React, ReactDOM and GraphiQL bundles (globals React, ReactDOM, GraphiQL).
//
// Token contract (docs: web/README.md):
// - `#token=<jwt>` in the URL fragment is read on load, stored, then removed from the address bar;
// - the token lives in sessionStorage under `family-card-token` (gone when the tab closes);
// - every request to /graphql carries `Authorization: Bearer <token>` when a token is set;
// - a 401 answer is explained in the bar above GraphiQL.
(function () {
  'use strict';

  var STORAGE_KEY = 'family-card-token';
  var ENDPOINT = '/graphql';
  var DEFAULT_QUERY =
    '# family-card GraphQL API. Run with Ctrl-Enter; the schema is in the Docs panel.\n' +
    '{\n  benefits {\n    code\n    name\n  }\n}\n';

  var input = document.getElementById('token-input');
  var statusEl = document.getElementById('token-status');

  function readToken() {
    try {
      return window.sessionStorage.getItem(STORAGE_KEY) || '';
    } catch (e) {
      return '';
    }
  }

  function writeToken(token) {
    try {
      if (token) {
        window.sessionStorage.setItem(STORAGE_KEY, token);
      } else {
        window.sessionStorage.removeItem(STORAGE_KEY);
      }
    } catch (e) {
      // Storage disabled: the token then lasts as long as the input holds it.
    }
  }

  // A token passed in the fragment (`#token=...`, other fragment parameters kept).
  function takeFragmentToken() {
    var hash = window.location.hash;
    if (!hash || hash.length < 2) return;
    var params = new URLSearchParams(hash.slice(1));
    if (!params.has('token')) return;
    var token = (params.get('token') || '').trim();
    params.delete('token');
    var rest = params.toString();
    var url = window.location.pathname + window.location.search + (rest ? '#' + rest : '');
    window.history.replaceState(window.history.state, '', url);
    writeToken(token);
  }

  // The expiry (`exp`, seconds) of a JWT, or null when the token is not a readable JWT.
  function tokenExpiry(token) {
    var parts = token.split('.');
    if (parts.length !== 3) return null;
    try {
      var b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
      while (b64.length % 4) b64 += '=';
      var claims = JSON.parse(window.atob(b64));
      return typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : null;
    } catch (e) {
      return null;
    }
  }

  function say(text, kind) {
    statusEl.textContent = text;
    statusEl.className = kind || '';
  }

  function showTokenState() {
    var token = readToken();
    if (!token) {
      say('No token set: requests are sent without one.', 'warn');
      return;
    }
    var exp = tokenExpiry(token);
    if (exp && exp.getTime() <= Date.now()) {
      say('The token expired at ' + exp.toLocaleString() + '. Paste a new one.', 'error');
    } else if (exp) {
      say('Token set; it expires at ' + exp.toLocaleString() + '.', 'ok');
    } else {
      say('Token set.', 'ok');
    }
  }

  function showUnauthorized(serverMessage) {
    var why = readToken()
      ? 'The server did not accept your token (401): it is missing, expired or not valid. Paste a new token above.'
      : 'The server needs a token (401) and none is set. Paste a token above.';
    say(serverMessage ? why + ' Server said: ' + serverMessage : why, 'error');
  }

  document.getElementById('token-bar').addEventListener('submit', function (ev) {
    ev.preventDefault();
    writeToken(input.value.trim());
    showTokenState();
  });

  document.getElementById('token-signout').addEventListener('click', function () {
    writeToken('');
    input.value = '';
    say('Signed out: the token is cleared.', 'warn');
  });

  async function fetcher(params, opts) {
    var headers = {
      'Content-Type': 'application/json',
      Accept: 'application/graphql-response+json, application/json',
    };
    var token = readToken();
    if (token) headers.Authorization = 'Bearer ' + token;
    // Headers typed in GraphiQL's own Headers tab come last and win.
    var extra = (opts && opts.headers) || {};
    Object.keys(extra).forEach(function (k) {
      headers[k] = extra[k];
    });
    var resp = await window.fetch(ENDPOINT, {
      method: 'POST',
      headers: headers,
      body: JSON.stringify(params),
      credentials: 'same-origin',
    });
    var text = await resp.text();
    var body = null;
    try {
      body = JSON.parse(text);
    } catch (e) {
      body = null;
    }
    if (resp.status === 401) {
      var msg = body && body.errors && body.errors[0] && body.errors[0].message;
      showUnauthorized(msg || '');
    } else if (resp.ok && statusEl.className === 'error') {
      showTokenState();
    }
    if (body === null) {
      return { errors: [{ message: 'HTTP ' + resp.status + ' from ' + ENDPOINT + ': ' + text.slice(0, 500) }] };
    }
    return body;
  }

  takeFragmentToken();
  input.value = readToken();
  showTokenState();

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY,
      shouldPersistHeaders: false,
    }),
  );
})();
