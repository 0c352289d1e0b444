// What makes a browser test "offline", shared by graphiql.mjs, dashboard.mjs and explorer.mjs: Chromium's
// flags (no background traffic; no host name resolves but the service's) and a page guard that
// aborts and records every request outside the service and reports CSP violations.

/** Chromium's command line for a test of `service` (a URL) in a `width`×`height` window. */
export function chromiumArgs(service, userDataDir, width, height) {
  const args = [
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-default-apps',
    '--disable-extensions',
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-quic',
    '--no-proxy-server',
    // Second wall behind the request interception: no host name resolves except the service's
    // (catches traffic of the browser itself, which page interception does not see).
    `--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE ${service.hostname}`,
    `--user-data-dir=${userDataDir}`,
    `--window-size=${width},${height}`,
  ];
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  return args;
}

/**
 * Guards `page`: requests outside `service` are aborted and pushed to `blocked`; CSP violations
 * become console errors. `onGraphql(req)` sees each POST /graphql and may return headers to send
 * instead of the page's.
 */
export async function guardPage(page, service, blocked, onGraphql) {
  await page.evaluateOnNewDocument(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
    });
  });
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    const u = new URL(req.url());
    const local = ['data:', 'blob:', 'about:'].includes(u.protocol);
    if (!local && u.host !== service.host) {
      blocked.push(`${req.method()} ${req.url()}`);
      req.abort('blockedbyclient');
      return;
    }
    if (u.host === service.host && u.pathname === '/graphql' && req.method() === 'POST') {
      const headers = onGraphql(req);
      if (headers) {
        req.continue({ headers });
        return;
      }
    }
    req.continue();
  });
}
