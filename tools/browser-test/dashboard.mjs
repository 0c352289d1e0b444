// Loads the service's dashboard page (/dashboard) in headless Chromium with every request to
// anything but the service blocked, and checks every chart was drawn from the service's data.
//
//   node dashboard.mjs --url http://127.0.0.1:PORT --token JWT [--region CODE]
//                      [--expect drawn|jobs-forbidden] [--screenshot PATH]
//                      [--chromium /usr/bin/chromium] [--timeout-ms 60000]
//
// Fails (exit 1) when a request outside the service was attempted, the page logged an error or
// broke its Content-Security-Policy, a request to the service failed, a chart is not drawn (its
// container's `data-state` is not `drawn`, it drew no values, or its canvas is blank), or the
// token was not sent as `Authorization: Bearer JWT`. With --expect jobs-forbidden every chart but
// the job runs must be drawn and the job runs panel must say it is refused (a regional token).
// Prints one JSON line with what happened.
import puppeteer from 'puppeteer-core';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromiumArgs, guardPage } from './offline.mjs';

const CHARTS = ['chart-regions', 'chart-ranking', 'chart-trend', 'chart-benefits', 'chart-funnel', 'chart-jobs'];

function parseArgs(argv) {
  const opts = {
    url: null,
    token: null,
    region: null,
    expect: 'drawn',
    screenshot: null,
    chromium: process.env.CHROMIUM || '/usr/bin/chromium',
    timeoutMs: 60000,
  };
  const names = {
    '--url': 'url',
    '--token': 'token',
    '--region': 'region',
    '--expect': 'expect',
    '--screenshot': 'screenshot',
    '--chromium': 'chromium',
    '--timeout-ms': 'timeoutMs',
  };
  for (let i = 0; i < argv.length; i++) {
    const key = names[argv[i]];
    if (!key || i + 1 >= argv.length) throw new Error(`unknown or incomplete argument: ${argv[i]}`);
    opts[key] = argv[++i];
  }
  if (!opts.url) throw new Error('--url http://host:port is required');
  if (!opts.token) throw new Error('--token JWT is required');
  if (!['drawn', 'jobs-forbidden'].includes(opts.expect)) throw new Error('--expect drawn|jobs-forbidden');
  opts.timeoutMs = Number(opts.timeoutMs);
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const started = Date.now();
const service = new URL(opts.url);
const blocked = [];
const problems = [];
const graphqlRequests = [];
const steps = [];
const step = (name) => steps.push({ name, ms: Date.now() - started });

const userDataDir = mkdtempSync(join(tmpdir(), 'family-card-chromium-'));
const args = chromiumArgs(service, userDataDir, 1280, 1600);

let browser;
let result = null;
let failure = null;
try {
  browser = await puppeteer.launch({
    executablePath: opts.chromium,
    headless: true,
    args,
    defaultViewport: { width: 1280, height: 1600 },
    timeout: opts.timeoutMs,
  });
  step('browser started');
  const page = await browser.newPage();
  page.setDefaultTimeout(opts.timeoutMs);
  await guardPage(page, service, blocked, (req) => {
    graphqlRequests.push({ authorization: req.headers()['authorization'] || null });
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('requestfailed', (req) => {
    if (new URL(req.url()).host === service.host) {
      problems.push(`request failed: ${req.method()} ${req.url()}: ${req.failure()?.errorText}`);
    }
  });
  page.on('response', (resp) => {
    const u = new URL(resp.url());
    if (u.host === service.host && resp.status() >= 400) {
      problems.push(`HTTP ${resp.status()} for ${resp.request().method()} ${resp.url()}`);
    }
  });

  const target = new URL('/dashboard', service);
  target.hash = `token=${encodeURIComponent(opts.token)}`;
  const nav = await page.goto(target.href, { waitUntil: 'load' });
  if (!nav || !nav.ok()) throw new Error(`GET /dashboard answered ${nav && nav.status()}`);
  step('page loaded');

  if (opts.region) {
    // Ask for one region through the page's own filter.
    await page.waitForFunction(() => document.body.dataset.dashboard && document.body.dataset.dashboard !== 'loading');
    await page.$eval('#region-input', (el, r) => { el.value = r; }, opts.region);
    await page.click('#filters button[type="submit"]');
    await new Promise((r) => setTimeout(r, 50));
  }
  await page.waitForFunction(
    () => ['ready', 'error'].includes(document.body.dataset.dashboard),
    { polling: 100 },
  );
  step('data shown');

  const st = await page.evaluate(() => ({
    hash: window.location.hash,
    stored: window.sessionStorage.getItem('family-card-token'),
    dashboard: document.body.dataset.dashboard,
    scope: document.getElementById('scope').textContent,
  }));
  if (st.hash.includes('token')) throw new Error(`the token stayed in the address bar: ${st.hash}`);
  if (st.stored !== opts.token) throw new Error('the token was not kept in sessionStorage');
  if (st.dashboard !== 'ready') throw new Error(`the dashboard did not load: ${st.scope}`);

  // Every chart: drawn, with values, and its canvas is not blank.
  const charts = await page.evaluate((ids) => {
    return ids.map((id) => {
      const el = document.getElementById(id);
      const canvas = el.querySelector('canvas');
      let inked = 0;
      if (canvas) {
        const ctx = canvas.getContext('2d');
        const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 3; i < px.length; i += 4 * 7) if (px[i] > 0) inked++;
      }
      return {
        id,
        state: el.dataset.state,
        points: Number(el.dataset.points || 0),
        inked,
        text: el.textContent.slice(0, 200),
        instance: !!(window.echarts && window.echarts.getInstanceByDom(el)),
      };
    });
  }, CHARTS);
  result = { scope: st.scope, charts };
  for (const c of charts) {
    if (opts.expect === 'jobs-forbidden' && c.id === 'chart-jobs') {
      if (c.state !== 'error' || !/national scope/i.test(c.text)) {
        throw new Error(`the job runs panel should be refused for this scope: ${JSON.stringify(c)}`);
      }
      continue;
    }
    if (c.state !== 'drawn' || c.points < 1 || !c.instance) {
      throw new Error(`chart ${c.id} is not drawn: ${JSON.stringify(c)}`);
    }
    if (c.inked < 50) throw new Error(`chart ${c.id} has a blank canvas: ${JSON.stringify(c)}`);
  }
  const rows = await page.$$eval('#funnel-table tbody tr', (trs) => trs.length);
  if (rows < 1) throw new Error('the conversion table is empty');
  result.funnelRows = rows;
  step('charts checked');

  if (graphqlRequests.length === 0) throw new Error('no POST /graphql was made');
  for (const r of graphqlRequests) {
    if (r.authorization !== `Bearer ${opts.token}`) {
      throw new Error(`POST /graphql sent Authorization ${JSON.stringify(r.authorization)}`);
    }
  }

  if (opts.screenshot) {
    mkdirSync(dirname(opts.screenshot), { recursive: true });
    await page.screenshot({ path: opts.screenshot, fullPage: true });
    step('screenshot');
  }
  await new Promise((r) => setTimeout(r, 200)); // let late console messages arrive
} catch (e) {
  failure = e.message || String(e);
} finally {
  if (browser) await browser.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
}

const reasons = [];
if (blocked.length) reasons.push(`${blocked.length} request(s) outside the service were attempted and blocked`);
if (problems.length) reasons.push(`${problems.length} problem(s) on the page`);
if (failure) reasons.push(failure);
failure = reasons.length ? reasons.join('; ') : null;
console.log(
  JSON.stringify({
    ok: !failure,
    failure,
    blocked,
    problems,
    graphqlRequests: graphqlRequests.length,
    result,
    steps,
    ms: Date.now() - started,
  }),
);
process.exit(failure ? 1 : 0);
