// Loads the service's GraphiQL page in headless Chromium with every request to anything but the
// service blocked, runs a query and checks the answer shows in the result pane.
//
//   node graphiql.mjs --url http://127.0.0.1:PORT [--token JWT] [--expect data|unauthorized]
//                     [--query '{ benefits { code name } }'] [--screenshot PATH]
//                     [--chromium /usr/bin/chromium] [--timeout-ms 60000]
//                     [--extra-header 'name: value']
//
// Fails (exit 1) when a request outside the service was attempted, the page logged an error or
// broke its Content-Security-Policy, a request to the service failed, or the result did not show.
// With --token the page is opened at `/#token=JWT`: the script checks the fragment is removed,
// the token is kept in sessionStorage and sent as `Authorization: Bearer JWT`, and that
// "Sign out" clears it. With --expect unauthorized the query must be refused (401) and the token
// bar must say so. --extra-header adds a header to every POST /graphql on the way out (to provoke
// a refusal from the server without a real token). Prints one JSON line with what happened.
import puppeteer from 'puppeteer-core';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromiumArgs, guardPage } from './offline.mjs';

function parseArgs(argv) {
  const opts = {
    url: null,
    token: null,
    expect: 'data',
    query: '{ benefits { code name } }',
    screenshot: null,
    chromium: process.env.CHROMIUM || '/usr/bin/chromium',
    timeoutMs: 60000,
    extraHeader: null,
  };
  const names = {
    '--url': 'url',
    '--token': 'token',
    '--expect': 'expect',
    '--query': 'query',
    '--screenshot': 'screenshot',
    '--chromium': 'chromium',
    '--timeout-ms': 'timeoutMs',
    '--extra-header': 'extraHeader',
  };
  for (let i = 0; i < argv.length; i++) {
    const key = names[argv[i]];
    if (!key || i + 1 >= argv.length) throw new Error(`unknown or incomplete argument: ${argv[i]}`);
    opts[key] = argv[++i];
  }
  if (!opts.url) throw new Error('--url http://host:port is required');
  if (!['data', 'unauthorized'].includes(opts.expect)) throw new Error('--expect data|unauthorized');
  opts.timeoutMs = Number(opts.timeoutMs);
  if (opts.extraHeader !== null) {
    const at = opts.extraHeader.indexOf(':');
    if (at < 1) throw new Error('--extra-header needs "name: value"');
    opts.extraHeader = [opts.extraHeader.slice(0, at).trim().toLowerCase(), opts.extraHeader.slice(at + 1).trim()];
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const started = Date.now();
const service = new URL(opts.url);
const blocked = []; // requests outside the service, aborted
const problems = []; // page errors, console errors, CSP violations, failed service requests
const graphqlRequests = []; // { authorization } of each POST /graphql
const steps = [];
const step = (name) => steps.push({ name, ms: Date.now() - started });

const userDataDir = mkdtempSync(join(tmpdir(), 'family-card-chromium-'));
const args = chromiumArgs(service, userDataDir, 1280, 800);

let browser;
let result = null;
let failure = null;
try {
  browser = await puppeteer.launch({
    executablePath: opts.chromium,
    headless: true,
    args,
    defaultViewport: { width: 1280, height: 800 },
    timeout: opts.timeoutMs,
  });
  step('browser started');
  const page = await browser.newPage();
  page.setDefaultTimeout(opts.timeoutMs);
  await guardPage(page, service, blocked, (req) => {
    graphqlRequests.push({ authorization: req.headers()['authorization'] || null, accept: req.headers()['accept'] || null });
    return opts.extraHeader ? { ...req.headers(), [opts.extraHeader[0]]: opts.extraHeader[1] } : undefined;
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    // The expected 401 is logged by Chromium as a failed resource; anything else counts.
    if (opts.expect === 'unauthorized' && /status of 401/.test(text)) return;
    problems.push(`console error: ${text}`);
  });
  page.on('requestfailed', (req) => {
    if (new URL(req.url()).host === service.host) {
      problems.push(`request failed: ${req.method()} ${req.url()}: ${req.failure()?.errorText}`);
    }
  });
  page.on('response', (resp) => {
    const u = new URL(resp.url());
    if (u.host !== service.host || resp.status() < 400) return;
    if (opts.expect === 'unauthorized' && resp.status() === 401 && u.pathname === '/graphql') return;
    problems.push(`HTTP ${resp.status()} for ${resp.request().method()} ${resp.url()}`);
  });

  const target = new URL('/', service);
  if (opts.token !== null) target.hash = `token=${encodeURIComponent(opts.token)}`;
  const nav = await page.goto(target.href, { waitUntil: 'load' });
  if (!nav || !nav.ok()) throw new Error(`GET / answered ${nav && nav.status()}`);
  step('page loaded');

  await page.waitForSelector('.graphiql-query-editor .CodeMirror');
  await page.waitForSelector('.graphiql-execute-button');
  step('editor shown');

  if (opts.token !== null) {
    const st = await page.evaluate(() => ({
      hash: window.location.hash,
      stored: window.sessionStorage.getItem('family-card-token'),
    }));
    if (st.hash.includes('token')) throw new Error(`the token stayed in the address bar: ${st.hash}`);
    if (st.stored !== opts.token) throw new Error('the token was not kept in sessionStorage');
  }

  await page.evaluate((q) => {
    document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(q);
  }, opts.query);
  const before = graphqlRequests.length;
  await page.click('.graphiql-execute-button');
  step('query run');

  if (opts.expect === 'data') {
    await page.waitForFunction(
      () => {
        const cm = document.querySelector('.result-window .CodeMirror');
        return cm && /"data"|"errors"/.test(cm.CodeMirror.getValue());
      },
      { polling: 100 },
    );
    const text = await page.evaluate(() =>
      document.querySelector('.result-window .CodeMirror').CodeMirror.getValue(),
    );
    result = JSON.parse(text);
    if (result.errors) throw new Error(`the query answered errors: ${JSON.stringify(result.errors)}`);
    const firstField = Object.values(result.data || {})[0];
    if (firstField == null || (Array.isArray(firstField) && firstField.length === 0)) {
      throw new Error(`the result pane shows no data: ${text}`);
    }
  } else {
    await page.waitForFunction(
      () => document.getElementById('token-status').classList.contains('error'),
      { polling: 100 },
    );
    result = { status: await page.$eval('#token-status', (el) => el.textContent) };
    if (!/401/.test(result.status)) throw new Error(`the bar does not explain the 401: ${result.status}`);
  }
  step('result shown');

  const sent = graphqlRequests.slice(before);
  if (sent.length === 0) throw new Error('no POST /graphql was made');
  for (const r of sent) {
    const want = opts.token ? `Bearer ${opts.token}` : null;
    if (r.authorization !== want) {
      throw new Error(`POST /graphql sent Authorization ${JSON.stringify(r.authorization)}, expected ${JSON.stringify(want)}`);
    }
    if (!/application\/graphql-response\+json/.test(r.accept || '')) {
      throw new Error(`POST /graphql sent Accept ${JSON.stringify(r.accept)}`);
    }
  }

  // The schema arrived (GraphiQL introspects on load): the Docs panel lists the root types.
  await page.click('button[aria-label="Show Documentation Explorer"]');
  if (opts.expect === 'data') {
    await page.waitForFunction(
      () => /Query/.test(document.querySelector('.graphiql-doc-explorer')?.textContent || ''),
      { polling: 100 },
    );
    step('docs shown');
  }

  if (opts.screenshot) {
    mkdirSync(dirname(opts.screenshot), { recursive: true });
    await page.screenshot({ path: opts.screenshot });
    step('screenshot');
  }

  // A dialog (its scroll lock injects styles in some builds: the CSP must not object).
  await page.click('button[aria-label="Open settings dialog"]');
  await page.waitForSelector('.graphiql-dialog');
  await page.keyboard.press('Escape');
  await page.waitForSelector('.graphiql-dialog', { hidden: true });
  await new Promise((r) => setTimeout(r, 200)); // let late console messages arrive
  step('dialog opened and closed');

  if (opts.token !== null) {
    await page.click('#token-signout');
    const left = await page.evaluate(() => window.sessionStorage.getItem('family-card-token'));
    if (left !== null) throw new Error('"Sign out" left the token in sessionStorage');
  }
} catch (e) {
  failure = e.message || String(e);
} finally {
  if (browser) await browser.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
}

// Outside requests first: they are what this test is for (and often why the page then broke).
const reasons = [];
if (blocked.length) reasons.push(`${blocked.length} request(s) outside the service were attempted and blocked`);
if (problems.length) reasons.push(`${problems.length} problem(s) on the page`);
if (failure) reasons.push(failure);
failure = reasons.length ? reasons.join('; ') : null;
const report = {
  ok: !failure,
  failure,
  blocked,
  problems,
  graphqlRequests: graphqlRequests.length,
  result: result && JSON.stringify(result).slice(0, 300),
  steps,
  ms: Date.now() - started,
};
console.log(JSON.stringify(report));
process.exit(failure ? 1 : 0);
