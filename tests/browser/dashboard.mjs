// SPDX-License-Identifier: Apache-2.0
// Drives Debian's chromium (headless, over the DevTools protocol with puppeteer-core) through
// the dashboard of a running agent, as a phone would, and prints what it saw as one JSON object
// on stdout. The C++ test (tests/integration/browser_test.cpp) starts the agent and the broker
// and asserts on that JSON against the agent's own API.
//   node dashboard.mjs manager    '{"base": "http://127.0.0.1:PORT", "qr": "...?t=...", "pos_port": N, "out": "DIR"}'
//   node dashboard.mjs technician '{"base": "...", "password": "...", "out": "DIR"}'
//   node dashboard.mjs settings   '{"base": "...", "password": "...", "new_port": N, "out": "DIR"}'
//   node dashboard.mjs audit      '{"base": "...", "password": "...", "qr": "...", "token": "...", "zone": "...",
//                                   "seconds": N, "out": "DIR", "plain_base": "http://...", "spki": "..."}'
import net from 'node:net';
import puppeteer from 'puppeteer-core';

const [scenario, argsJson] = process.argv.slice(2);
const args = JSON.parse(argsJson);
const result = { scenario };
const phone = { width: 390, height: 844, deviceScaleFactor: 3, isMobile: true, hasTouch: true };

const browser = await puppeteer.launch({
  executablePath: process.env.KELU_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  userDataDir: `${args.out}/chromium-profile`,  // a fresh one per test
  // Over https the box's self-signed certificate is trusted by its key alone (what a technician
  // accepting it once amounts to); any other certificate is still refused.
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--lang=zh-CN',
    ...(args.spki ? [`--ignore-certificate-errors-spki-list=${args.spki}`] : [])],
});
const deadline = setTimeout(() => { console.error('browser scenario took over 150 s'); process.exit(3); }, 150000);
const errors = [];
// Paths a scenario asks for knowing they are gone (their 404 is the point, not a page error). The
// response event can arrive after the request's promise settles in the page, so an error list
// filtered afterwards would race it.
const expectedGone = new Set();

async function newPage() {
  const page = await browser.newPage();
  await page.setViewport(phone);
  page.on('pageerror', (e) => errors.push(e.message));
  // What went wrong in the page: script errors, and answers other than the 401s asked for.
  page.on('response', (r) => {
    const url = r.url();
    const gone = r.status() === 404 && expectedGone.has(new URL(url).pathname + new URL(url).search);
    if (r.status() >= 400 && r.status() !== 401 && !url.endsWith('/favicon.ico') && !gone) errors.push(`${r.status()} ${url}`);
  });
  return page;
}

// One sale to the agent's POS listener (JSON lines over TCP), resolved when the agent acknowledges it.
function sell(port, line) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(`${JSON.stringify(line)}\n`));
    let got = '';
    s.setTimeout(10000, () => { s.destroy(); reject(new Error('no acknowledgement in 10 s')); });
    s.on('data', (d) => { got += d; if (got.includes('\n')) { s.end(); resolve(JSON.parse(got)); } });
    s.on('error', reject);
  });
}

async function manager() {
  // No token: the box refuses, and says how to get in.
  let page = await newPage();
  const refused = await page.goto(`${args.base}/api/v1/today`);
  result.without_token = { status: refused.status(), body: await refused.text() };
  await page.close();

  // The QR code's link, on a phone-class CPU (4x slower than this machine).
  page = await newPage();
  const cdp = await page.createCDPSession();
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  await page.setExtraHTTPHeaders({ 'Accept-Language': 'zh-CN,zh;q=0.9,en;q=0.8' });
  const nav = await page.goto(args.qr, { waitUntil: 'load' });
  result.qr_status = nav.status();
  result.url_after_qr = page.url();
  await page.waitForFunction(() => document.getElementById('visitors').textContent !== '–' ||
    document.getElementById('buyers').textContent !== '–', { timeout: 20000 });
  result.figures_ms = await page.evaluate(() => performance.now());
  await page.waitForFunction(() => document.querySelector('#chart canvas'), { timeout: 10000 });
  result.timing = await page.evaluate(() => {
    const paint = Object.fromEntries(performance.getEntriesByType('paint').map((p) => [p.name, p.startTime]));
    const navEntry = performance.getEntriesByType('navigation')[0];
    const resources = performance.getEntriesByType('resource').filter((r) => !r.name.includes('/api/v1/stream'));
    return {
      first_contentful_paint_ms: paint['first-contentful-paint'],
      dom_content_loaded_ms: navEntry.domContentLoadedEventEnd,
      load_ms: navEntry.loadEventEnd,
      transferred_bytes: navEntry.transferSize + resources.reduce((s, r) => s + r.transferSize, 0),
      decoded_bytes: navEntry.decodedBodySize + resources.reduce((s, r) => s + r.decodedBodySize, 0),
      requests: 1 + resources.length,
      resources: resources.map((r) => ({ name: r.name.replace(/^.*\/\/[^/]+/, ''), transferred: r.transferSize,
        decoded: r.decodedBodySize, start_ms: r.startTime, end_ms: r.responseEnd })),
      rendered_ms: (performance.getEntriesByName('kelu-first-render')[0] || {}).startTime,
    };
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  const dom = () => page.evaluate(() => ({
    lang: document.documentElement.lang,
    funnel_title: document.querySelector('[data-t="funnel"]').textContent,
    store: document.getElementById('store').textContent,
    visitors: document.getElementById('visitors').textContent,
    buyers: document.getElementById('buyers').textContent,
    net: document.getElementById('net').textContent,
    conversion: document.getElementById('conversion').textContent,
    conversion_basis: document.getElementById('conversion-basis').textContent,
    associates: [...document.querySelectorAll('#associates > li')].map((li) => li.textContent),
    // Every percentage anywhere on the page, to check none is impossible.
    percentages: [...document.body.innerText.matchAll(/(-?\d+(?:\.\d+)?)\s*%/g)].map((m) => Number(m[1])),
    hour_rows: [...document.querySelectorAll('#hours tr')].map((tr) => [...tr.children].map((td) => td.textContent)),
    chart_series: [...document.querySelectorAll('#chart .u-legend .u-label')].map((e) => e.textContent),
    heat_maps: document.querySelectorAll('#heatmaps canvas').length,
    review_title: document.getElementById('review-title').textContent,
    review_rules: [...document.querySelectorAll('#review-rules > li')].map((li) => li.textContent),
    review_alerts: [...document.querySelectorAll('#review-alerts > li')].map((li) => li.textContent),
    updates: Number(document.body.dataset.updates || 0),
  }));
  // The camera keeps counting visitors while the page and the API are read, so a read of each can
  // straddle a crossing (seen once in a full run: the page 0, the API 1). Read the API, then the page,
  // until they agree on the counts, waiting for the page's next update (SSE) in between: a page
  // that never catches up still fails the test's comparison after the last read.
  const counts = (text) => Number(String(text).replace(/[^0-9]/g, '') || -1);
  for (let read = 1; ; ++read) {
    result.api = await page.evaluate(() => fetch('/api/v1/today').then((r) => r.json()));
    result.dom = await dom();
    result.reads = read;
    const totals = result.api.report.totals;
    if (read === 10 || (counts(result.dom.visitors) === totals.visitors &&
                        counts(result.dom.buyers) === totals.transactions)) break;
    await page.waitForFunction((n) => Number(document.body.dataset.updates || 0) > n, { timeout: 5000 },
      result.dom.updates).catch(() => {});
  }
  await page.screenshot({ path: `${args.out}/dashboard-phone.png`, fullPage: true });
  await (await page.$('#review-card')).screenshot({ path: `${args.out}/dashboard-review.png` });

  // A sale at the till: the open page shows it without a reload (Server-Sent Events).
  const before = Number(result.dom.buyers);
  const sold = Date.now();
  result.sale_ack = await sell(args.pos_port, {
    terminal: 'T9', transaction_id: `BROWSER-${sold}`, time: new Date().toISOString(), total: '88.00',
    items: [{ item_id: 'SKU-BROWSER', quantity: 1 }],
  });
  await page.waitForFunction((n) => Number(document.getElementById('buyers').textContent) === n, { timeout: 15000 },
    before + 1);
  result.sale_to_screen_ms = Date.now() - sold;
  result.dom_after_sale = await dom();
  result.api_after_sale = await page.evaluate(() => fetch('/api/v1/today').then((r) => r.json()));

  // Tapping the hour of the sale shows the raw events behind it.
  const hour = await page.evaluate(() => {
    const rows = [...document.querySelectorAll('#hours tr')];
    const row = rows.reverse().find((tr) => Number(tr.children[2].textContent) > 0);
    row.click();
    return row.dataset.hour;
  });
  await page.waitForFunction(() => !document.getElementById('events').hidden &&
    document.querySelectorAll('#events-list li').length > 0, { timeout: 10000 });
  result.events_of_hour = { hour, lines: await page.evaluate(() =>
    [...document.querySelectorAll('#events-list li')].map((li) => li.textContent)) };

  // The language toggle.
  await page.click('#lang');
  result.after_toggle = await dom();
  await page.screenshot({ path: `${args.out}/dashboard-phone-en.png`, fullPage: false });
}

async function technician() {
  const page = await newPage();
  await page.setExtraHTTPHeaders({ 'Accept-Language': 'zh-CN,zh;q=0.9' });
  // Typed as a technician would, without the scheme: http, sent on to https when the box has a certificate.
  await page.goto(`${args.plain_base || args.base}/tech`, { waitUntil: 'load' });
  result.tech_url = page.url();
  await page.waitForSelector('#login:not([hidden])');
  await page.type('#password', 'not-the-password');
  await page.click('#login-form button');
  await page.waitForFunction(() => document.getElementById('login-error').textContent !== '');
  result.wrong_password = await page.$eval('#login-error', (e) => e.textContent);
  await page.$eval('#password', (e) => { e.value = ''; });
  await page.type('#password', args.password);
  await page.click('#login-form button');
  await page.waitForSelector('.camera');
  await page.click('.camera .snap');
  await page.waitForFunction(() => document.querySelector('.camera').dataset.snapshot === 'shown', { timeout: 15000 });
  // Only the drawn line: the config's goes first.
  const count = await page.$$eval('.camera .elements li', (lis) => lis.length);
  for (let i = 0; i < count; i += 1) await page.click('.camera .elements li:first-child button:last-child');
  // The door line: across the picture at 55 % of its height, drawn with two taps.
  await page.click('.camera .add-line');
  const box = await (await page.$('.camera canvas')).boundingBox();  // after the click scrolled it into view
  result.canvas = box;
  const y = box.y + box.height * 0.55;
  await page.touchscreen.tap(box.x + 2, y);
  await page.touchscreen.tap(box.x + box.width - 2, y);
  await page.waitForFunction(() => document.querySelectorAll('.camera .elements li').length === 1);
  await page.$eval('.camera .elements li input.name', (e) => {
    e.value = 'door';
    e.dispatchEvent(new Event('change'));
  });
  await page.click('.camera .save');
  await page.waitForFunction(() => document.querySelector('.camera .save-result').classList.contains('ok') ||
    document.querySelector('.camera .save-result').classList.contains('flag'), { timeout: 10000 });
  result.save_result = await page.$eval('.camera .save-result', (e) => ({ text: e.textContent, cls: e.className }));
  // Live counts on the new line, as the technician watches them.
  const started = Date.now();
  await page.waitForFunction(() => {
    const row = document.querySelector('.camera .counts tr[data-name="door"]');
    return row && /[1-9]/.test(row.children[1].textContent + row.children[2].textContent);
  }, { timeout: 40000 });
  result.first_count_ms = Date.now() - started;
  result.counts_row = await page.$eval('.camera .counts tr[data-name="door"]', (tr) => [...tr.children].map((td) => td.textContent));
  result.state = await page.evaluate(() => fetch('/tech/api/state').then((r) => r.json()));
  // The save is in the box's history, on the page.
  await page.waitForFunction(() => document.querySelector('#changes li[data-origin="technician"]'), { timeout: 10000 });
  result.change_row = await page.$eval('#changes li[data-origin="technician"]', (e) => e.textContent);
  // The test buttons.
  await page.click('#test-broker');
  await page.waitForFunction(() => /ok|flag/.test(document.getElementById('broker-result').className), { timeout: 10000 });
  result.broker_test = await page.$eval('#broker-result', (e) => ({ text: e.textContent, cls: e.className }));
  await page.click('#sources li button');
  await page.waitForFunction(() => /ok|flag/.test(document.querySelector('#sources li .result').className), { timeout: 10000 });
  result.source_test = await page.$eval('#sources li .result', (e) => ({ text: e.textContent, cls: e.className }));
  // The page polls the box every second: the answer stays on the row after the next poll.
  const polled = await page.$eval('#status', (e) => e.textContent);
  await page.waitForFunction((p) => document.getElementById('status').textContent !== p, { timeout: 10000 }, polled);
  result.source_test_after_poll = await page.$eval('#sources li .result', (e) => ({ text: e.textContent, cls: e.className }));
  await page.evaluate(() => window.scrollTo(0, 0));  // the sticky header back on top of the full page
  await page.screenshot({ path: `${args.out}/technician-phone.png`, fullPage: true });
}

// Types `value` into the settings field of key path `key` as a person would (select all, type).
async function typeSetting(page, key, value) {
  const sel = `[id="s-${key}"]`;
  await page.waitForSelector(sel);
  await page.click(sel, { clickCount: 3 });
  await page.type(sel, String(value));
}

async function previewSettings(page) {
  await page.click('#settings-preview');
  await page.waitForFunction(() => {
    const effects = document.getElementById('settings-effects').textContent;
    return !document.getElementById('settings-plan').hidden && !/检查|Checking/.test(effects) &&
      (effects !== '' || document.getElementById('settings-errors').childElementCount > 0);
  }, { timeout: 10000 });
}

// A technician changes settings that are not lines or zones: a typo first (refused, named under
// its field), then the till port, the door camera's frame rate and the health interval, checked
// (every value's change, what rebuilds) and applied.
async function settingsScenario() {
  const page = await newPage();
  await page.setExtraHTTPHeaders({ 'Accept-Language': 'en' });
  await page.goto(`${args.base}/tech`, { waitUntil: 'load' });
  await page.waitForSelector('#login:not([hidden])');
  await page.type('#password', args.password);
  await page.click('#login-form button');
  await page.waitForFunction(() => document.querySelectorAll('#settings-section option').length > 10);
  result.sections = await page.$$eval('#settings-section option', (os) => os.map((o) => o.value));
  await page.select('#settings-section', 'health');
  await typeSetting(page, 'health.interval_s', 0);
  await previewSettings(page);
  result.typo_error = await page.$eval('[data-key="health.interval_s"] .err', (e) => e.textContent);
  result.typo_apply_hidden = await page.$eval('#settings-apply', (e) => e.hidden);
  await typeSetting(page, 'health.interval_s', 30);
  await page.select('#settings-section', 'sources.pos_tcp');
  result.port_origin_before = await page.$eval('[data-key="sources.pos_tcp.port"]', (e) => e.dataset.origin);
  await typeSetting(page, 'sources.pos_tcp.port', args.new_port);
  await page.select('#settings-section', 'cameras');
  await typeSetting(page, 'cameras[door].process_fps', 3);
  await page.select('#settings-section', 'mqtt');
  result.password_field = await page.$eval('[id="s-mqtt.password"]', (e) => ({ type: e.type, value: e.value }));
  await previewSettings(page);
  result.diff = await page.$$eval('#settings-diff li', (lis) => lis.map((li) => li.textContent));
  result.effects = await page.$eval('#settings-effects', (e) => e.textContent);
  await (await page.$('#settings')).screenshot({ path: `${args.out}/technician-settings.png` });
  await page.click('#settings-apply');
  await page.waitForFunction(() => document.getElementById('settings-result').dataset.state, { timeout: 60000 });
  result.applied = await page.$eval('#settings-result', (e) => ({ state: e.dataset.state, text: e.textContent, cls: e.className }));
  await page.select('#settings-section', 'sources.pos_tcp');
  await page.waitForSelector('[data-key="sources.pos_tcp.port"][data-origin="technician"]', { timeout: 10000 });
  result.port_field = await page.$eval('[id="s-sources.pos_tcp.port"]', (e) => e.value);
  await page.waitForFunction(() => document.querySelector('#changes li[data-origin="technician"][data-outcome="applied"]'), { timeout: 10000 });
  result.change_row = await page.$eval('#changes li[data-origin="technician"]', (e) => e.textContent);
}

// The store's local day and hour (HH:00) of an instant, as the manager's events API takes them.
function localHour(ms, zone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit',
    day: '2-digit', hour: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return { day: `${parts.year}-${parts.month}-${parts.day}`, hour: `${parts.hour}:00` };
}

// An accuracy audit as a technician does it: record a clip of the door camera, play it, tap the
// crossings (here: the box's own crossings but the first, plus one where nobody crossed, so the
// box has one "extra" and one "missed" to show), finish, and see the result; then the manager's
// page shows the audited accuracy.
async function auditScenario() {
  const page = await newPage();
  page.on('response', async (r) => {
    if (r.url().includes('/tech/api/audit/clip')) result.clip_headers = r.headers();
    if (r.url().includes('/tech/api/audit/finish')) result.finish = await r.json();
  });
  await page.setExtraHTTPHeaders({ 'Accept-Language': 'zh-CN,zh;q=0.9' });
  // Typed as a technician would, without the scheme: http, sent on to https when the box has a certificate.
  await page.goto(`${args.plain_base || args.base}/tech`, { waitUntil: 'load' });
  result.tech_url = page.url();
  await page.waitForSelector('#login:not([hidden])');
  await page.type('#password', args.password);
  await page.click('#login-form button');
  await page.waitForSelector('#audit:not([hidden]) #audit-camera option');
  await page.select('#audit-seconds', String(args.seconds));
  await page.click('#audit-start');
  await page.waitForSelector('#audit-player:not([hidden])', { timeout: (args.seconds + 30) * 1000 });
  const info = await page.evaluate(() => audit.info);
  result.audit_info = { id: info.id, frames: info.frames.length, width: info.width, height: info.height,
    lines: info.lines, started_at: info.started_at, seconds: info.seconds };
  // Playing it shows the frames in turn.
  await page.click('#audit-play');
  await page.waitForFunction(() => audit.index > 5, { timeout: 10000 });
  await page.click('#audit-play');

  // The box's own crossings over the clip's frames (the manager's events API, by local hour).
  const start = Date.parse(info.started_at);
  const frames = info.frames;
  const end = start + frames[frames.length - 1][2] + 1;  // crossings fall on frames: first to last, inclusive
  // A crossing is stored once the line counter has decided it, up to settle_s + max_coast_s
  // (1.2 s of video) after the frame it is timed by, and later still on a loaded box: wait for
  // the camera to analyse 30 more frames (at most 10 a second: 3 s of video past the clip), then
  // for an analysis tick after that, which the events API answers from.
  const processed = (cam) => fetch('/tech/api/state').then((r) => r.json())
    .then((s) => s.cameras.find((c) => c.id === cam).health.frames_processed);
  const past = (await page.evaluate(processed, info.camera)) + 30;
  await page.waitForFunction((cam, n) => fetch('/tech/api/state').then((r) => r.json())
    .then((s) => s.cameras.find((c) => c.id === cam).health.frames_processed >= n), { timeout: 40000, polling: 500 },
  info.camera, past);
  const settled = Date.now() + 500;  // and the batch they were emitted in, committed
  await page.waitForFunction((after, token) => fetch('/api/v1/today', { headers: { Authorization: `Bearer ${token}` } })
    .then((r) => r.json()).then((j) => j.ready && Date.parse(j.as_of) > after), { timeout: 40000, polling: 500 },
  Math.max(end + 2000, settled), args.token);
  const hours = [localHour(start, args.zone), localHour(end, args.zone)];
  const seen = new Map();
  for (const h of hours) {
    const events = await page.evaluate((q, token) => fetch(`/api/v1/events?day=${q.day}&hour=${q.hour}`,
      { headers: { Authorization: `Bearer ${token}` } }).then((r) => r.json()), h, args.token);
    for (const e of events.events || []) seen.set(e.id, e);
  }
  const frameAt = (ms) => { let i = 0; while (i + 1 < frames.length && frames[i + 1][2] <= ms - start) i += 1; return i; };
  const crossings = [...seen.values()].filter((e) => e.type === 'traffic.line_cross' && e.payload.camera === 'door')
    .map((e) => ({ line: e.payload.line, direction: e.payload.direction, ms: Date.parse(e.observed_at) }))
    .filter((c) => c.ms >= start && c.ms < end).sort((a, b) => a.ms - b.ms);
  result.box_crossings = crossings.map((c) => ({ ...c, frame: frameAt(c.ms) }));
  const taps = result.box_crossings.slice(1).map((c) => ({ line: c.line, direction: c.direction, frame: c.frame }));
  // Where nobody crossed that way for longest: a tap the box will have "missed" (pairs are made
  // per direction within 2 s; this one is kept 3 s clear).
  let best = null;
  for (const direction of ['in', 'out']) {
    const same = crossings.filter((c) => c.direction === direction);
    for (let i = 0; i < frames.length; i += 1) {
      const ms = start + frames[i][2];
      const gap = Math.min(...same.map((c) => Math.abs(c.ms - ms)), Infinity);
      if (!best || gap > best.gap) best = { frame: i, gap, direction };
    }
  }
  if (best && best.gap >= 3000) {
    taps.push({ line: info.lines[0].name, direction: best.direction, frame: best.frame, phantom: true });
  }
  result.taps = taps;
  for (const tap of taps) {
    await page.$eval('#audit-seek', (e, v) => { e.value = v; e.dispatchEvent(new Event('input')); }, tap.frame);
    await page.waitForFunction((v) => audit.shown === v, {}, tap.frame);
    await page.click(`#audit-taps button[data-line="${tap.line}"][data-direction="${tap.direction}"]`);
  }
  result.tapped_text = await page.$eval('#audit-count', (e) => e.textContent);
  await (await page.$('#audit')).screenshot({ path: `${args.out}/technician-audit.png` });
  await page.click('#audit-finish');
  await page.waitForSelector('#audit-result:not([hidden])', { timeout: 10000 });
  result.result_lines = await page.$$eval('#audit-lines > li', (lis) => lis.map((li) => li.textContent));
  result.after_finish = await page.evaluate(() => ({ clip: audit.clip, player_hidden: document.getElementById('audit-player').hidden }));
  // Then the box counts the clip again with each detector it could run, and deletes it.
  await page.waitForSelector('#audit-compare > li', { timeout: 60000 });
  result.compare_lines = await page.$$eval('#audit-compare > li', (lis) => lis.map((li) => li.textContent));
  await (await page.$('#audit')).screenshot({ path: `${args.out}/technician-audit-result.png` });
  // The clip is gone: that 404 is asked for, not a page error.
  expectedGone.add(`/tech/api/audit/clip?id=${info.id}`);
  result.clip_after = await page.evaluate((id) => fetch(`/tech/api/audit/clip?id=${id}`).then((r) => r.status), info.id);

  // The manager's page says how accurate the door count was found.
  const manager = await newPage();
  await manager.setExtraHTTPHeaders({ 'Accept-Language': 'zh-CN,zh;q=0.9' });
  await manager.goto(args.qr, { waitUntil: 'load' });
  await manager.waitForFunction(() => document.getElementById('audited').textContent !== '', { timeout: 20000 });
  result.manager_audited = await manager.$eval('#audited', (e) => e.textContent);
  result.today_audits = await manager.evaluate(() => fetch('/api/v1/today').then((r) => r.json()).then((j) => j.audits));
}

try {
  if (scenario === 'manager') await manager();
  else if (scenario === 'technician') await technician();
  else if (scenario === 'audit') await auditScenario();
  else if (scenario === 'settings') await settingsScenario();
  else throw new Error(`unknown scenario ${scenario}`);
  result.page_errors = errors;
  console.log(JSON.stringify(result));
} catch (e) {
  result.failure = String(e && e.stack ? e.stack : e);
  result.page_errors = errors;
  console.log(JSON.stringify(result));
  process.exitCode = 1;
} finally {
  clearTimeout(deadline);
  await browser.close();
}
