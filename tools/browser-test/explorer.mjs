// Drives the investigators' explorer (/explorer) in headless Chromium with every request to
// anything but the service blocked, the way an investigator would: search a person, check the
// drawn cluster and its household compound, expand a node, find a path between two persons,
// highlight a signal hit with its evidence, open a case, read under it, add a note, save and
// reopen a view, export the graph as PNG.
//
//   node explorer.mjs --url http://127.0.0.1:PORT --token JWT --iin IIN [--as-of YYYY-MM-DD]
//        [--hops 1] --expect-persons IIN,IIN,… --household NODE_ID
//        [--hide-kind KIND] --expand IIN --expand-adds NODE_ID [--expand-hops 1]
//        --path-from IIN --path-to IIN --signal NAME
//        [--case-region CODE] [--screenshot PATH] [--chromium /usr/bin/chromium] [--timeout-ms 60000]
//
// With --hide-kind the kind's checkbox is unchecked before the search (the kind is then left out
// of the query and no such edge may be drawn) and checked again before the expansion, which must
// draw --expand-adds.
//
// Fails (exit 1) when a request outside the service was attempted, the page logged an error or
// broke its Content-Security-Policy, a request to the service failed (4xx/5xx), the page showed
// an API error, or any step did not change the drawing as it should. Clicks and double-clicks
// land on the nodes' positions on screen; the graph itself is read through
// `window.familyCardExplorer.cy`. Prints one JSON line with what happened (the case id, the
// view's name, the PNG's size, the steps with timings).
import puppeteer from 'puppeteer-core';
import { mkdtempSync, rmSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromiumArgs, guardPage } from './offline.mjs';

function parseArgs(argv) {
  const opts = {
    url: null,
    token: null,
    iin: null,
    asOf: '2026-06-15',
    hops: '1',
    expectPersons: '',
    household: null,
    hideKind: null,
    expand: null,
    expandAdds: null,
    expandHops: '1',
    pathFrom: null,
    pathTo: null,
    signal: null,
    caseRegion: '',
    screenshot: null,
    chromium: process.env.CHROMIUM || '/usr/bin/chromium',
    timeoutMs: 60000,
  };
  const names = {
    '--url': 'url', '--token': 'token', '--iin': 'iin', '--as-of': 'asOf', '--hops': 'hops',
    '--expect-persons': 'expectPersons', '--household': 'household', '--expand': 'expand', '--expand-adds': 'expandAdds', '--hide-kind': 'hideKind',
    '--expand-hops': 'expandHops', '--path-from': 'pathFrom', '--path-to': 'pathTo',
    '--signal': 'signal', '--case-region': 'caseRegion', '--screenshot': 'screenshot',
    '--chromium': 'chromium', '--timeout-ms': 'timeoutMs',
  };
  for (let i = 0; i < argv.length; i++) {
    const key = names[argv[i]];
    if (!key || i + 1 >= argv.length) throw new Error(`unknown or incomplete argument: ${argv[i]}`);
    opts[key] = argv[++i];
  }
  for (const k of ['url', 'token', 'iin', 'household', 'expand', 'expandAdds', 'pathFrom', 'pathTo', 'signal']) {
    if (!opts[k]) throw new Error(`--${k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} is required`);
  }
  opts.expectPersons = opts.expectPersons.split(',').filter(Boolean);
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
const step = (name, extra) => steps.push({ name, ms: Date.now() - started, ...(extra || {}) });

const userDataDir = mkdtempSync(join(tmpdir(), 'family-card-chromium-'));
const downloads = mkdtempSync(join(tmpdir(), 'family-card-downloads-'));
const args = chromiumArgs(service, userDataDir, 1500, 1000);

let browser;
let page;
const result = {};
let failure = null;

/** Waits until no request of the page is out; fails if the page shows an API error. */
async function settled(what) {
  await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.explorer), { polling: 50 });
  const st = await page.evaluate(() => ({
    explorer: document.body.dataset.explorer,
    errors: document.getElementById('errors').textContent,
  }));
  if (st.explorer !== 'ready' || st.errors) throw new Error(`${what}: the page shows an error: ${st.errors}`);
}
async function clickButton(selector, what) {
  await page.click(selector);
  await new Promise((r) => setTimeout(r, 30));
  await settled(what);
}
/** Where node `id` is on screen. */
async function nodeAt(id) {
  const p = await page.evaluate((nid) => {
    const cy = window.familyCardExplorer.cy;
    const n = cy.getElementById(nid);
    if (n.empty()) return null;
    const r = cy.container().getBoundingClientRect();
    const rp = n.renderedPosition();
    return { x: r.left + rp.x, y: r.top + rp.y };
  }, id);
  if (!p) throw new Error(`${id} is not drawn`);
  return p;
}
const graph = () =>
  page.evaluate(() => {
    const cy = window.familyCardExplorer.cy;
    return {
      nodes: cy.nodes('[kind]').map((n) => n.id()),
      households: cy.nodes('.household').map((h) => ({ id: h.id(), children: h.children().map((c) => c.id()) })),
      edges: cy.edges().length,
      path: cy.elements('.on-path').map((e) => e.id()),
      evidence: cy.elements('.evidence').map((e) => e.id()),
      selected: cy.nodes(':selected').map((n) => n.id()),
    };
  });

try {
  browser = await puppeteer.launch({
    executablePath: opts.chromium,
    headless: true,
    args,
    defaultViewport: { width: 1500, height: 1000 },
    timeout: opts.timeoutMs,
  });
  step('browser started');
  const session = await browser.target().createCDPSession();
  await session.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads, eventsEnabled: true });
  page = await browser.newPage();
  page.setDefaultTimeout(opts.timeoutMs);
  await guardPage(page, service, blocked, (req) => {
    let body = {};
    try {
      body = JSON.parse(req.postData() || '{}');
    } catch (e) {
      body = {};
    }
    graphqlRequests.push({
      authorization: req.headers()['authorization'] || null,
      operation: (/^\s*(query|mutation)\s+(\w+)/.exec(body.query || '') || [])[2] || null,
      caseId: body.variables ? body.variables.caseId || null : null,
    });
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('requestfailed', (req) => {
    const u = new URL(req.url());
    if (u.host === service.host) problems.push(`request failed: ${req.method()} ${req.url()}: ${req.failure()?.errorText}`);
  });
  page.on('response', (resp) => {
    const u = new URL(resp.url());
    if (u.host === service.host && resp.status() >= 400) {
      problems.push(`HTTP ${resp.status()} for ${resp.request().method()} ${resp.url()}`);
    }
  });

  // 1. The page loads offline with the token from the fragment.
  const target = new URL('/explorer', service);
  target.hash = `token=${encodeURIComponent(opts.token)}`;
  const nav = await page.goto(target.href, { waitUntil: 'load' });
  if (!nav || !nav.ok()) throw new Error(`GET /explorer answered ${nav && nav.status()}`);
  await settled('page load');
  const st = await page.evaluate(() => ({
    hash: window.location.hash,
    stored: window.sessionStorage.getItem('family-card-token'),
    cytoscape: typeof window.cytoscape,
  }));
  if (st.hash.includes('token')) throw new Error(`the token stayed in the address bar: ${st.hash}`);
  if (st.stored !== opts.token) throw new Error('the token was not kept in sessionStorage');
  if (st.cytoscape !== 'function') throw new Error('Cytoscape.js did not load');
  step('page loaded');

  // 2. Search: the cluster and its household drawn as a compound node.
  await page.$eval('#asof-input', (el, v) => { el.value = v; }, opts.asOf);
  await page.select('#hops-input', opts.hops);
  await page.type('#iin-input', opts.iin);
  if (opts.hideKind) await page.click(`#kind-${opts.hideKind}`);
  await clickButton('#search-go', 'search');
  let g = await graph();
  if (opts.hideKind) {
    const kinds = await page.evaluate(() => window.familyCardExplorer.cy.edges().map((e) => e.data('kind')));
    if (kinds.includes(opts.hideKind)) throw new Error(`${opts.hideKind} was unchecked but is drawn`);
    await page.click(`#kind-${opts.hideKind}`);
  }
  if (g.nodes.includes(opts.expandAdds)) throw new Error(`${opts.expandAdds} is drawn before the expansion`);
  for (const p of opts.expectPersons) {
    if (!g.nodes.includes(`person:${p}`)) throw new Error(`person:${p} is not drawn: ${JSON.stringify(g.nodes)}`);
  }
  const hh = g.households.find((h) => h.id === `household:${opts.household}`);
  if (!hh) throw new Error(`no household compound around ${opts.household}: ${JSON.stringify(g.households)}`);
  for (const p of opts.expectPersons) {
    if (!hh.children.includes(`person:${p}`)) throw new Error(`person:${p} is not inside ${hh.id}: ${JSON.stringify(hh)}`);
  }
  if (!hh.children.includes(opts.household)) throw new Error(`the dwelling is not inside its household: ${JSON.stringify(hh)}`);
  const timeline = await page.$$eval('#timeline-list li', (lis) => lis.map((l) => l.textContent));
  if (timeline.length < 1) throw new Error('the timeline is empty');
  const dates = timeline.map((t) => t.slice(0, 10));
  if (dates.join() !== dates.slice().sort().join()) throw new Error(`the timeline is not in date order: ${dates}`);
  result.search = { nodes: g.nodes.length, edges: g.edges, household: hh.children.length, timeline: timeline.length };
  step('searched', result.search);

  // Filters: a date range before the cluster moved in hides its registrations (no query).
  const setDate = (sel, v) =>
    page.$eval(sel, (el, x) => { el.value = x; el.dispatchEvent(new Event('change')); }, v);
  await setDate('#to-input', '2025-10-31');
  const hidden = await page.evaluate(() => window.familyCardExplorer.cy.edges('.filtered').length);
  const regs = await page.evaluate(() => window.familyCardExplorer.cy.edges('[kind = "REGISTERED_AT"]').length);
  if (hidden !== regs || regs < opts.expectPersons.length) throw new Error(`the date range hid ${hidden} of ${regs} registrations`);
  await setDate('#to-input', '');
  if (await page.evaluate(() => window.familyCardExplorer.cy.edges('.filtered').length)) throw new Error('clearing the date range left edges hidden');
  result.dateFilter = { hidden };
  // An API error is shown with its code, not swallowed (the check digit is wrong).
  const mark = problems.length;
  await page.$eval('#iin-input', (el) => { el.value = '123456789012'; });
  await page.click('#search-go');
  await page.waitForFunction(() => document.body.dataset.explorer === 'error', { polling: 50 });
  const shown = await page.$eval('#errors', (e) => e.textContent);
  if (!/BAD_USER_INPUT/.test(shown) || !/iin/.test(shown)) throw new Error(`the API's error is not shown: ${shown}`);
  // The refusal's own HTTP status and Chromium's note about it are expected here.
  const unexpected = problems.splice(mark).filter((p) => !/\b4\d\d\b/.test(p));
  problems.push(...unexpected);
  result.errorShown = shown;
  g = await graph();
  if (g.nodes.length === 0) throw new Error('a refused search cleared the drawing');
  await page.$eval('#iin-input', (el, v) => { el.value = v; }, opts.iin);
  step('filters and errors');

  // 3. Expand: double-click a node; its neighbourhood is merged into the drawing.
  await page.select('#hops-input', opts.expandHops);
  const before = g.nodes.length;
  let at = await nodeAt(`person:${opts.expand}`);
  await page.mouse.click(at.x, at.y, { count: 2 });
  await new Promise((r) => setTimeout(r, 100));
  await settled('expand');
  g = await graph();
  if (g.nodes.length <= before || !g.nodes.includes(opts.expandAdds)) {
    throw new Error(`expanding ${opts.expand} did not add ${opts.expandAdds} (${before} → ${g.nodes.length} nodes)`);
  }
  result.expand = { before, after: g.nodes.length };
  step('expanded', result.expand);

  // 4. Paths: select two persons by clicking them, then ask for the paths.
  await page.evaluate(() => window.familyCardExplorer.cy.elements().unselect());
  for (const p of [opts.pathFrom, opts.pathTo]) {
    at = await nodeAt(`person:${p}`);
    await page.mouse.click(at.x, at.y);
    await new Promise((r) => setTimeout(r, 50));
  }
  g = await graph();
  for (const p of [opts.pathFrom, opts.pathTo]) {
    if (!g.selected.includes(`person:${p}`)) throw new Error(`clicking did not select person:${p}: ${g.selected}`);
  }
  await clickButton('#paths-go', 'paths');
  g = await graph();
  const pathItems = await page.$$eval('#paths-list li', (lis) => lis.length);
  for (const p of [opts.pathFrom, opts.pathTo]) {
    if (!g.path.includes(`person:${p}`)) throw new Error(`the path does not highlight person:${p}: ${g.path}`);
  }
  if (pathItems < 1 || !g.path.some((id) => id.includes('>'))) throw new Error(`no path edge highlighted: ${g.path}`);
  result.paths = { listed: pathItems, highlighted: g.path.length };
  step('paths', result.paths);

  // 5. Signals of the selected person: the hit's evidence marked, facts and thresholds shown.
  await clickButton('#signals-go', 'signals');
  const hits = await page.$$eval('#signals-list li', (lis) => lis.map((l) => l.dataset.signal));
  if (!hits.includes(opts.signal)) throw new Error(`no ${opts.signal} hit listed: ${hits}`);
  const idx = hits.indexOf(opts.signal);
  await page.click(`#signals-list li:nth-child(${idx + 1})`);
  g = await graph();
  if (g.evidence.length < 2) throw new Error(`the hit's evidence is not marked: ${g.evidence}`);
  const detail = await page.$eval('#signal-detail', (d) => d.textContent);
  if (!/score/.test(detail) || !/rules \d{4}-\d{2}-\d{2}/.test(detail) || !/Thresholds/.test(detail)) {
    throw new Error(`the hit's facts, rule version or thresholds are not shown: ${detail}`);
  }
  result.signal = { hits, evidence: g.evidence.length, detail: detail.slice(0, 300) };
  step('signal highlighted', { evidence: g.evidence.length });

  // 6. A case: open it, read under it, note, pin the view, reopen it.
  await page.click('#case-new');
  await page.type('#case-title', 'Explorer: shared flat');
  await page.type('#case-purpose', 'shared-address cluster check');
  await page.type('#case-legal', 'Social Code art. 12');
  if (opts.caseRegion) await page.type('#case-region', opts.caseRegion);
  await clickButton('#case-form button[type="submit"]', 'open case');
  const caseId = await page.$eval('#case-active', (e) => e.dataset.caseId || '');
  if (!/^CASE-/.test(caseId)) throw new Error(`no case is active: ${caseId}`);
  result.caseId = caseId;
  step('case opened', { caseId });
  const readsBefore = graphqlRequests.length;
  at = await nodeAt(`person:${opts.iin}`);
  await page.evaluate(() => window.familyCardExplorer.cy.elements().unselect());
  await page.mouse.click(at.x, at.y);
  await clickButton('#expand-selected', 'expand under the case');
  const underCase = graphqlRequests.slice(readsBefore).filter((r) => r.operation === 'Neighbourhood');
  if (!underCase.length || underCase.some((r) => r.caseId !== caseId)) {
    throw new Error(`the reads after opening the case did not pass its id: ${JSON.stringify(underCase)}`);
  }
  await page.type('#case-note', 'twelve unrelated men registered at one flat');
  await clickButton('#case-note-form button', 'add note');
  const notes = await page.$$eval('#notes-list li', (lis) => lis.map((l) => l.textContent));
  if (!notes.some((n) => n.includes('twelve unrelated men'))) throw new Error(`the note is not listed: ${notes}`);
  const drawn = (await graph()).nodes.length;
  await page.type('#view-name', 'cluster with path and hit');
  await clickButton('#case-view-form button', 'save view');
  const views = await page.$$eval('#view-select option', (os) => os.map((o) => o.textContent));
  if (!views.some((v) => v.startsWith('cluster with path and hit'))) throw new Error(`the view is not listed: ${views}`);
  result.view = 'cluster with path and hit';
  await page.click('#clear-graph');
  if ((await graph()).nodes.length !== 0) throw new Error('clearing left nodes');
  await clickButton('#view-open', 'reopen view');
  g = await graph();
  if (g.nodes.length !== drawn) throw new Error(`the reopened view has ${g.nodes.length} nodes, not ${drawn}`);
  if (!g.households.some((h) => h.id === `household:${opts.household}`)) throw new Error('the reopened view lost the household');
  if (g.evidence.length < 2 || g.path.length < 2) throw new Error('the reopened view lost its highlights');
  result.reopened = { nodes: g.nodes.length };
  step('view saved and reopened', result.reopened);

  // 7. Export PNG: a real download of a PNG file.
  await clickButton('#export-png', 'export PNG');
  let file = null;
  for (let i = 0; i < 100 && !file; i++) {
    file = readdirSync(downloads).find((f) => f.endsWith('.png'));
    if (!file) await new Promise((r) => setTimeout(r, 100));
  }
  if (!file) throw new Error(`no PNG was downloaded: ${readdirSync(downloads)}`);
  const png = readFileSync(join(downloads, file));
  if (png.length < 1000 || png.subarray(1, 4).toString() !== 'PNG') throw new Error(`${file} is not a PNG (${png.length} bytes)`);
  result.png = { name: file, bytes: png.length };
  step('png exported', result.png);

  if (graphqlRequests.some((r) => r.authorization !== `Bearer ${opts.token}`)) {
    throw new Error('a POST /graphql went without the token');
  }
  if (opts.screenshot) {
    mkdirSync(dirname(opts.screenshot), { recursive: true });
    await page.screenshot({ path: opts.screenshot });
    step('screenshot');
  }
  await new Promise((r) => setTimeout(r, 200)); // let late console messages arrive
} catch (e) {
  failure = e.message || String(e);
  if (page && opts.screenshot) {
    await page.screenshot({ path: opts.screenshot.replace(/\.png$/, '-failed.png') }).catch(() => {});
  }
} finally {
  if (browser) await browser.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
  rmSync(downloads, { recursive: true, force: true });
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
