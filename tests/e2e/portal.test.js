/*
 * portal.test.js - the portal in a real browser (Debian's chromium,
 * headless, driven by playwright-core with executablePath /usr/bin/chromium;
 * no browser is downloaded).
 *
 * Run by tests/integration/test_web_e2e.c, which starts Mosquitto, the
 * services, the simulator and a gateway, then this script with:
 *   AMR_WEB_URL         http://127.0.0.1:PORT
 *   AMR_ADMIN_PASSWORD  the first-start password from amr-web's log
 *   AMR_MQTT_PORT       the broker, for the feeder below
 *   AMR_E2E_OUT         where screenshots go
 *   AMR_SIM_CTL         the simulator's control socket (status, leak)
 *   AMR_DEMO_OBJ        the demo building (object 1, its registry applied by
 *                       deploy/demo-registry.sh: labels, m3 and kWh)
 *   CHROMIUM            the browser (default /usr/bin/chromium)
 *
 * A feeder publishes canonical batches of object 9 (as ingest would) every
 * second (the on-line view's backfill). Object 1 is the demo building of
 * amr-sim and amr-gateway: its status page shows a live value change from
 * the simulator, its archive chart and the downloaded CSV are checked; a leak on input 1 of device 1 makes it pulse, an
 * operator blocks output 1 (the pulses stop, as the simulator shows) and
 * unblocks it, and the audit trail shows both with their reasons.
 * Exit 0 when every step passed; the first failure prints and exits 1.
 */
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const path = require('path');
const { chromium } = require('playwright-core');

const URL = process.env.AMR_WEB_URL;
const PW = process.env.AMR_ADMIN_PASSWORD;
const MQTT = process.env.AMR_MQTT_PORT;
const OUT = process.env.AMR_E2E_OUT || 'build/test/e2e';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SIM_CTL = process.env.AMR_SIM_CTL;
const DEMO = +(process.env.AMR_DEMO_OBJ || 1);
const DEMO_LABEL = 'Кв. 1, холодная вода';
const OBJ = 9;
const LABEL = 'Холодная вода, туалет, 1-й этаж';

fs.mkdirSync(OUT, { recursive: true });
let step = 'start';
const problems = [];   /* console errors and CSP violations seen by the pages */

function pub(topic, payload, retain) {
  execFileSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', MQTT, '-q', '1', '-t', topic, '-m', JSON.stringify(payload)].concat(retain ? ['-r'] : []));
}

let seq = 1, t1 = 5000, t2 = 20000;
function feed() {
  const now = Math.floor(Date.now() / 1000);
  const d1 = 1 + (seq % 4), d2 = 1 + (seq % 3);
  t1 += d1; t2 += d2;
  pub('amr/v1/readings/' + OBJ, { seq: seq++, ts: now,
    readings: [{ addr: 1, ch: 1, total: t1, delta: d1, period_ms: 900 + 100 * (seq % 7) },
               { addr: 1, ch: 2, total: t2, delta: d2, period_ms: 1500 + 100 * (seq % 5) }],
    devices: [{ addr: 1, ok: true, mains: true, batt_mv: 3010 }, { addr: 2, ok: false }],
    events: [], obj: OBJ, rx: now });
}

/* One line to the simulator's control socket; its answer line. */
function simCtl(line) {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(SIM_CTL);
    let buf = '';
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('sim control: no answer to ' + line)); }, 5000);
    sock.on('connect', () => sock.write(line + '\n'));
    sock.on('data', d => { buf += d; if (buf.includes('\n')) { clearTimeout(timer); sock.end(); resolve(buf.trim()); } });
    sock.on('error', e => { clearTimeout(timer); reject(e); });
  });
}
const simField = (st, k) => (st.match(new RegExp(' ' + k + '=(\\S+)')) || [])[1];
const sleep = ms => new Promise(r => setTimeout(r, ms));
/* Poll fn every 200 ms until it gives a value (not null), at most ms; then fail naming what. */
async function until(fn, ms, what) {
  for (const end = Date.now() + ms; ;) {
    const v = await fn();
    if (v !== null && v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await sleep(200);
  }
}

/* Click inside the page in one step: rows redrawn by the live stream
 * would detach an element between the driver's scroll and its click. */
async function clickNow(page, sel) {
  await present(page, sel, { state: 'attached' });
  await page.$eval(sel, e => e.click());
}

/* Wait until an element is in the page (visible or not). */
function present(page, sel, timeout) {
  return page.waitForSelector(sel, timeout ? { state: 'attached', timeout } : { state: 'attached' });
}

/* Block or unblock output 1 of device 1 of object 1 from the status page. */
async function command(page, button, reason, shotName) {
  await clickNow(page, button);
  await present(page, '#cmd-dialog[open]');
  await page.click('#cmd-ok');                            /* no reason: refused, the dialog stays */
  if (!await page.$('#cmd-dialog[open]')) throw new Error('the dialog closed without a reason');
  await page.type('#cmd-reason', reason);
  if (shotName) await shot(page, shotName);
  await page.click('#cmd-ok');
  await present(page, '#cmd-state[data-state="done"]', 20000);
  return page.$eval('#cmd-result', e => e.textContent);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(OUT, name + '.png'), fullPage: true });
}

async function main() {
  pub('amr/v1/gw/' + OBJ + '/status', { online: true, fw: '1.0.0', ip: '10.0.0.9', devices: { polled: 2, responding: 1 },
    spool: { pending: 0, capacity: 10000 }, lcd: ['UO-4 1/2', 'Server: on'] }, true);
  feed();
  /* device 2 of object 9 is silent: the event as ingest tells it, which
   * amr-notify (the one alarm engine) turns into an alarm */
  pub('amr/v1/events/' + OBJ, { type: 'device_offline', addr: 2, ts: Math.floor(Date.now() / 1000), detail: {} });
  const feeder = setInterval(feed, 1000);
  const leak = await simCtl('leak 1 1 24 240');          /* input 1 of device 1 pulses ~4/s */
  if (!leak.startsWith('ok')) throw new Error('sim leak: ' + leak);
  const dataDir = fs.mkdtempSync(path.join(OUT, 'profile-'));
  const context = await chromium.launchPersistentContext(dataDir, {   /* a fresh user-data-dir */
    executablePath: CHROMIUM, headless: true, acceptDownloads: true, viewport: { width: 1366, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage']
  });
  try {
    const page = context.pages()[0] || await context.newPage();
    page.on('console', m => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', e => problems.push(String(e)));
    page.setDefaultTimeout(15000);

    step = 'login page';
    await page.goto(URL + '/index.html');
    await present(page, '#login');                 /* not signed in: sent to the login page */
    await page.type('#user', 'admin');
    await page.type('#password', 'wrong-password');
    await page.click('#submit');
    await present(page, '#msg:not([hidden])');
    const wrong = await page.$eval('#msg', e => e.textContent);
    if (!/Неверный/.test(wrong)) throw new Error('wrong password message: ' + wrong);
    await shot(page, '01-login');
    await page.$eval('#password', e => { e.value = ''; });
    await page.type('#password', PW);
    await Promise.all([page.waitForNavigation(), page.click('#submit')]);

    step = 'object status of the demo building';
    await present(page, '#objects li[data-obj="' + DEMO + '"]');
    await clickNow(page, '#objects li[data-obj="' + DEMO + '"]');
    const demoCell = '#ch-' + DEMO + '-1-1 td.reading';
    await page.waitForFunction(([s, l]) => { const e = document.querySelector(s); return e && e.textContent === l; },
      ['#ch-' + DEMO + '-1-1 td.label', DEMO_LABEL]);                /* the demo registry's label */
    const d1 = await page.$eval(demoCell, e => e.textContent);
    await page.waitForFunction(([s, old]) => { const e = document.querySelector(s); return e && e.textContent !== old; },
      [demoCell, d1], { timeout: 20000 });                          /* the simulator's leak, pushed live */
    const d2 = await page.$eval(demoCell, e => e.textContent);
    const demoRow = await page.$eval('#ch-' + DEMO + '-1-1', e => e.textContent);
    if (!/m3|м3|м³/.test(demoRow)) throw new Error('demo channel without m3: ' + demoRow);
    console.log('demo building: ' + DEMO_LABEL + ' ' + d1 + ' -> ' + d2 + ' while watching');
    await sleep(1500);
    await shot(page, '02-status-demo');

    step = 'archive of the demo building, CSV download';
    await page.goto(URL + '/archive.html#channels=' + DEMO + '.1.1,' + DEMO + '.1.3');
    await present(page, '#table tr:nth-child(3)');
    await page.selectOption('#step', 'raw');
    await Promise.all([page.waitForResponse(r => r.url().includes('/api/v1/series') && r.url().includes('step=raw')),
      page.click('#show')]);
    await page.waitForFunction(() => document.querySelectorAll('#table tr').length > 4);
    await page.waitForFunction(() => { const c = Chart.getChart('chart');   /* drawn */
      return c && c.data.datasets.reduce((n, d) => n + d.data.length, 0) >= 2; });
    const dhead = await page.$eval('#table tr', e => e.textContent);
    if (!dhead.includes(DEMO_LABEL)) throw new Error('demo archive table header: ' + dhead);
    const pointsDrawn = await page.evaluate(() => Chart.getChart('chart').data.datasets.reduce((n, d) => n + d.data.length, 0));
    if (pointsDrawn < 2) throw new Error('demo archive chart has ' + pointsDrawn + ' points');
    await shot(page, '05-archive-demo');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#csv')]);
    const csvPath = path.join(OUT, 'archive-demo.csv');
    await download.saveAs(csvPath);
    const lines = fs.readFileSync(csvPath, 'utf8').trim().split('\n');
    if (lines[0] !== 'channel,unit,t,time_utc,time_local,pulses,quantity') throw new Error('CSV header: ' + lines[0]);
    const rowsOk = lines.slice(1).filter(l => new RegExp('^' + DEMO + '\\.1\\.[13],(m3|kWh),\\d+,\\d{4}-\\d\\d-\\d\\dT[^,]+Z,\\d{4}-\\d\\d-\\d\\dT[^,]+[+-]\\d\\d:\\d\\d,\\d+,[0-9.]+$').test(l));
    if (lines.length < 3 || rowsOk.length !== lines.length - 1)
      throw new Error('CSV rows (' + download.suggestedFilename() + '): ' + lines.slice(0, 4).join(' | '));
    console.log('CSV ' + download.suggestedFilename() + ': ' + (lines.length - 1) + ' rows, e.g. ' + lines[1]);

    step = 'archive of a whole object: every channel, the period ending now';
    const toShown = await page.$eval('#to', e => App.fromPicker(e.value) * 1000);   /* the site's clock */
    if (toShown > Date.now() + 120e3) throw new Error('the period ends in the future: ' + new Date(toShown));
    const all = (await page.evaluate(async () => (await (await fetch('/api/v1/channels')).json()).channels))
      .map(c => c.id).filter(id => id.startsWith(DEMO + '.'));
    if (all.length <= 8) throw new Error('the demo object has only ' + all.length + ' channels');
    await page.click('#objs button[data-obj="' + DEMO + '"]');
    await Promise.all([page.waitForResponse(r => r.url().includes('/api/v1/series') && r.status() === 200),
      page.click('#show')]);
    await page.waitForFunction(n => document.querySelectorAll('#table tr:first-child th').length === n + 1, all.length);
    const heads = await page.$$eval('#table tr:first-child th', ths => ths.slice(1).map(t => t.textContent.split(' ')[0]));
    if (heads.join() !== all.join()) throw new Error('whole object: ' + heads.join() + ' for ' + all.join());
    console.log('whole object ' + DEMO + ': ' + heads.length + ' channels in one table');

    step = 'object status';
    await page.goto(URL + '/index.html');
    await present(page, '#objects li[data-obj="' + OBJ + '"]');
    await clickNow(page, '#objects li[data-obj="' + OBJ + '"]');
    await present(page, '#ch-' + OBJ + '-1-1 td.reading');
    const r1 = await page.$eval('#ch-' + OBJ + '-1-1 td.reading', e => e.textContent);
    await page.waitForFunction(([id, old]) => { const e = document.querySelector(id); return e && e.textContent !== old; },
      ['#ch-' + OBJ + '-1-1 td.reading', r1], { timeout: 10000 });   /* updated by the stream */
    const devs = await page.$$eval('#devices tr', rows => rows.length);
    if (devs < 3) throw new Error('devices table has ' + devs + ' rows');
    await page.waitForFunction(() => /УО-4 не отвечает — .*адрес 2/.test(document.getElementById('alarms').textContent),
      null, { timeout: 10000 }).catch(async () => {                /* notify's alarm, by the stream or the snapshot */
      throw new Error('alarm of device 2 missing: ' + await page.$eval('#alarms', e => e.textContent));
    });
    await shot(page, '02-status');

    step = 'on-line view';
    const t0 = Date.now() / 1000;
    await page.goto(URL + '/online.html');
    await present(page, '#chans input');
    await page.$$eval('#chans input', (boxes, obj) => boxes.forEach(b => {
      const want = b.value.startsWith(obj + '.');
      if (b.checked !== want) b.click();
    }), String(OBJ));
    await page.selectOption('#what', 'reading');
    const sel = '#v-' + OBJ + '-1-1';
    await present(page, sel);
    const v1 = await page.$eval(sel, e => e.textContent);
    await page.waitForFunction(([s, old]) => document.querySelector(s).textContent !== old, [sel, v1], { timeout: 10000 });
    const v2 = await page.$eval(sel, e => e.textContent);
    console.log('on-line value changed: ' + v1 + ' -> ' + v2);
    await page.waitForFunction(() => { const c = Chart.getChart('chart');   /* a few points on the chart */
      return c && c.data.datasets.reduce((n, d) => n + d.data.length, 0) >= 2; }, null, { timeout: 10000 });
    const pts = await page.evaluate(() => Chart.getChart('chart').data.datasets.reduce((n, d) => n + d.data.length, 0));
    if (pts < 2) throw new Error('chart has ' + pts + ' points');
    /* the past of the window came from the archive, not only from the stream */
    const first = await page.evaluate(id => { const d = Chart.getChart('chart').data.datasets.find(x => x.label.startsWith(id));
      return d && d.data.length ? d.data[0].x : null; }, OBJ + '.1.1');
    if (!(first < t0 - 2)) throw new Error('no backfill: first point at ' + first + ', page opened at ' + t0);
    const axis = await page.evaluate(() => { const x = Chart.getChart('chart').options.scales.x; return x.max - x.min; });
    if (axis < 3500 || axis > 3700) throw new Error('x axis spans ' + axis + ' s, not the hour');
    console.log('on-line backfill: first point ' + Math.round(t0 - first) + ' s before the page opened');
    await shot(page, '03-online');

    step = 'registry';
    await page.goto(URL + '/registry.html');
    const lab = '#label-' + OBJ + '-1-1';
    await present(page, lab);
    /* the object filter: only that object's channels */
    await page.selectOption('#obj', String(DEMO));
    await page.click('#show');
    await page.waitForFunction(d => !document.querySelector('[id^="reg-"]:not([id^="reg-' + d + '-"])'), DEMO);
    const demoRows = await page.$$eval('[id^="reg-"]', rows => rows.length);
    const demoApi = await page.evaluate(async d => (await (await fetch('/api/v1/registry?channels_only=1&obj=' + d)).json()).records.length, DEMO);
    if (!demoRows || demoRows !== demoApi) throw new Error('object ' + DEMO + ': ' + demoRows + ' rows on the page, ' + demoApi + ' channels in the registry');
    await page.selectOption('#obj', String(OBJ));
    await page.click('#show');
    await present(page, lab);
    await page.$eval(lab, e => { e.value = ''; });
    await page.type(lab, LABEL);
    await page.click('#save-' + OBJ + '-1-1');
    await page.waitForFunction(() => /Сохранено|Saved/.test(document.getElementById('msg').textContent));
    await shot(page, '04-registry');
    const rec = await page.evaluate(async id => (await fetch('/api/v1/registry/' + id)).json(), OBJ + '.1.1');
    if (rec.label !== LABEL) throw new Error('archive has label ' + rec.label);

    step = 'registry: meter replaced';
    /* channel 2 of the synthetic object counts pulses: a new meter showing
       1000 is entered; without its reading the page refuses */
    const row2 = '#reg-' + OBJ + '-1-2';
    await page.check(row2 + ' input.replaced');
    await page.click('#save-' + OBJ + '-1-2');
    await page.waitForFunction(() => /показание нового счётчика|new meter/.test(document.getElementById('msg').textContent));
    await page.fill(row2 + ' input.reading', '1000');
    await page.fill(row2 + ' input[data-i18n-ph="reason"]', 'Замена счётчика, акт 17');
    await page.click('#save-' + OBJ + '-1-2');
    await page.waitForFunction(() => /Сохранено|Saved/.test(document.getElementById('msg').textContent));
    const rec2 = await page.evaluate(async id => (await fetch('/api/v1/registry/' + id)).json(), OBJ + '.1.2');
    if (rec2.initial_reading !== '1000' || !(rec2.initial_total > 0) || rec2.weights.length !== 2)
      throw new Error('after the replacement: ' + JSON.stringify(rec2));
    const shown = await page.$eval(row2, e => e.textContent);
    if (!shown.includes(String(rec2.initial_total))) throw new Error('the row does not show the counter of the reading: ' + shown);
    /* the status reading runs on from the new meter's reading */
    let ch2;
    for (let i = 0; i < 20; i++) {
      const o = await page.evaluate(async id => (await fetch('/api/v1/objects/' + id)).json(), OBJ);
      ch2 = o.channels.find(c => c.id === OBJ + '.1.2');
      if (ch2 && ch2.total > rec2.initial_total) break;
      await sleep(500);
    }
    if (ch2.reading !== String(1000 + ch2.total - rec2.initial_total))
      throw new Error('reading ' + ch2.reading + ' for total ' + ch2.total + ', paired ' + rec2.initial_total);
    console.log('meter replaced on ' + OBJ + '.1.2: 1000 at counter ' + rec2.initial_total + ', now ' + ch2.reading + ' at ' + ch2.total);

    step = 'status shows the new label';
    await page.goto(URL + '/index.html#obj=' + OBJ);
    await page.waitForFunction(([s, l]) => { const e = document.querySelector(s); return e && e.textContent === l; }, ['#ch-' + OBJ + '-1-1 td.label', LABEL]);

    step = 'archive';
    await page.goto(URL + '/archive.html#channels=' + OBJ + '.1.1,' + OBJ + '.1.2');
    await present(page, '#table tr:nth-child(3)');
    await page.selectOption('#step', 'raw');
    await page.click('#show');
    await page.waitForFunction(() => document.querySelectorAll('#table tr').length > 4);
    const head = await page.$eval('#table tr', e => e.textContent);
    if (!head.includes(LABEL)) throw new Error('archive table header: ' + head);
    const csvHref = await page.$eval('#csv', e => e.getAttribute('href'));
    const csv = await page.evaluate(async h => (await fetch(h)).text(), csvHref);
    if (!csv.startsWith('channel,unit,t,time_utc,time_local,pulses,quantity')) throw new Error('CSV: ' + csv.slice(0, 80));
    await shot(page, '05-archive');

    step = 'gateway console';
    await page.goto(URL + '/console.html');
    await present(page, '#obj option[value="1"]');
    await page.selectOption('#obj', '1');
    await page.type('#line', 'show addr');
    await page.click('#send');
    await page.waitForFunction(() => /\n.+/.test(document.getElementById('term').textContent) && !document.getElementById('send').disabled, null, { timeout: 15000 });
    const term = await page.$eval('#term', e => e.textContent);
    console.log('console answer: ' + term.replace(/\n/g, ' | '));
    await shot(page, '06-console');

    step = 'services';
    await page.goto(URL + '/health.html');
    await present(page, '#svc-archive');
    await present(page, '#broker-state.ok');
    await shot(page, '07-health');

    step = 'users';
    await page.goto(URL + '/users.html');
    await present(page, '#users tr');
    await page.type('#new-user', 'operator1');
    await page.selectOption('#new-role', 'operator');
    await page.click('#create button[type=submit]');
    await page.waitForFunction(() => /operator1 \/ /.test(document.getElementById('msg').textContent));
    const opw = (await page.$eval('#msg', e => e.textContent)).split(' / ')[1];
    /* a tenant limited to the demo building */
    await page.type('#new-user', 'tenant1');
    await page.selectOption('#new-role', 'tenant');
    await page.type('#new-objects', String(DEMO));
    await page.click('#create button[type=submit]');
    await page.waitForFunction(() => /tenant1 \/ /.test(document.getElementById('msg').textContent));
    const tpw = (await page.$eval('#msg', e => e.textContent)).split(' / ')[1];
    const tobj = () => page.$eval('tr[data-user="tenant1"] input.objects', e => e.value);
    if (await tobj() !== String(DEMO)) throw new Error('tenant1 objects after create: ' + await tobj());
    /* a list the server refuses is shown as an error and changes nothing */
    await page.fill('tr[data-user="tenant1"] input.objects', '1, x');
    await page.press('tr[data-user="tenant1"] input.objects', 'Tab');
    await present(page, '#msg.error');
    const refused = await page.$eval('#msg', e => e.textContent);
    await page.reload();
    await present(page, 'tr[data-user="tenant1"]');
    if (await tobj() !== String(DEMO)) throw new Error('a refused list changed tenant1: ' + await tobj() + ' (' + refused + ')');
    console.log('users: tenant1 limited to object ' + DEMO + '; "1, x" refused: ' + refused);
    /* the tenant of one flat: device 2 of the demo building */
    const fpw = await page.evaluate(async id => {
      const r = await fetch('/api/v1/users', { method: 'POST', headers: { 'Content-Type': 'application/json',
        'X-CSRF-Token': sessionStorage.getItem('csrf') }, body: JSON.stringify({ user: 'flat2', role: 'tenant', objects: [id] }) });
      return r.status === 201 ? (await r.json()).password : 'HTTP ' + r.status;
    }, DEMO + '.2');
    if (/^HTTP/.test(fpw)) throw new Error('create flat2: ' + fpw);
    await shot(page, '08-users');

    step = 'password page';
    await page.goto(URL + '/password.html');
    await present(page, 'main form');
    await shot(page, '15-password');

    step = 'english';
    await page.goto(URL + '/index.html#obj=' + DEMO);
    await present(page, '#lang');
    await Promise.all([page.waitForNavigation(), page.click('#lang')]);
    await present(page, '#ch-' + DEMO + '-1-1');
    const nav = await page.$eval('nav.menu', e => e.textContent);
    if (!nav.includes('Object status')) throw new Error('menu in English: ' + nav);
    await shot(page, '09-status-en');
    await Promise.all([page.waitForNavigation(), page.click('#lang')]);

    step = 'operator role';
    await Promise.all([page.waitForNavigation(), page.click('#logout')]);
    await present(page, '#login');
    await page.type('#user', 'operator1');
    await page.type('#password', opw);
    await Promise.all([page.waitForNavigation(), page.click('#submit')]);
    await present(page, 'nav.menu a');
    const menu = await page.$eval('nav.menu', e => e.textContent);
    if (menu.includes('Реестр') || menu.includes('Пользователи') || menu.includes('Журнал')) throw new Error('operator sees admin pages: ' + menu);
    const denied = await page.evaluate(async id => {
      const r = await fetch('/api/v1/registry/' + id, { method: 'PATCH', headers: { 'Content-Type': 'application/json',
        'X-CSRF-Token': sessionStorage.getItem('csrf') }, body: JSON.stringify({ label: 'x' }) });
      return r.status;
    }, OBJ + '.1.1');
    if (denied !== 403) throw new Error('operator PATCH registry answered ' + denied);
    await page.goto(URL + '/registry.html');
    await present(page, 'main p.msg');
    await shot(page, '10-operator-registry');

    step = 'operator blocks output 1 of device 1';
    await page.goto(URL + '/index.html#obj=1');
    /* the gateway reads the coils and reports them in its batches: the
       state is known before any command */
    await present(page, '#out-1-1[data-state="released"]', 20000);
    let st = await simCtl('status 1');
    if (simField(st, 'outputs') !== '0000') throw new Error('sim outputs before: ' + st);
    const blockText = await command(page, '#blk-1-1', 'Долг за воду, кв. 12', '11-block-dialog');
    if (!/blocked/.test(blockText)) throw new Error('gateway answer: ' + blockText);
    await present(page, '#out-1-1[data-state="blocked"]');
    st = await simCtl('status 1');
    if (simField(st, 'outputs') !== '1000') throw new Error('sim outputs after block: ' + st);
    const tot1 = simField(st, 'totals').split(',')[0], bp1 = +simField(st, 'blocked_pulses');
    /* the barrier: the meter went on giving pulses, which the block held back */
    st = await until(async () => { const x = await simCtl('status 1');
      return +simField(x, 'blocked_pulses') >= bp1 + 3 ? x : null; }, 20000, 'pulses held back by the block');
    const tot2 = simField(st, 'totals').split(',')[0], bp2 = +simField(st, 'blocked_pulses');
    if (tot2 !== tot1 || !(bp2 > bp1)) throw new Error('pulses did not stop: total ' + tot1 + ' -> ' + tot2 + ', blocked ' + bp1 + ' -> ' + bp2);
    console.log('blocked: ' + blockText.replace(/\s+/g, ' ') + '; input 1 total stays ' + tot2 + ', ' + (bp2 - bp1) + ' pulses held back');
    await page.waitForFunction(() => /Долг за воду/.test(document.getElementById('commands').textContent));
    await shot(page, '12-blocked');

    step = 'operator unblocks it';
    await command(page, '#unblk-1-1', 'Оплачено', null);
    await present(page, '#out-1-1[data-state="released"]');
    st = await simCtl('status 1');
    if (simField(st, 'outputs') !== '0000') throw new Error('sim outputs after unblock: ' + st);
    const tot3 = await until(async () => { const t = simField(await simCtl('status 1'), 'totals').split(',')[0];
      return +t > +tot2 ? t : null; }, 20000, 'pulses counted again after the unblock');
    if (!(+tot3 > +tot2)) throw new Error('pulses did not resume: ' + tot2 + ' -> ' + tot3);
    console.log('unblocked: input 1 total ' + tot2 + ' -> ' + tot3);
    await shot(page, '13-unblocked');

    step = 'tenant sees only its object';
    await Promise.all([page.waitForNavigation(), page.click('#logout')]);
    await present(page, '#login');
    await page.type('#user', 'tenant1');
    await page.type('#password', tpw);
    await Promise.all([page.waitForNavigation(), page.click('#submit')]);
    await page.goto(URL + '/index.html');
    await present(page, '#objects li[data-obj="' + DEMO + '"]');
    const seen = await page.$$eval('#objects li[data-obj]', lis => lis.map(li => li.dataset.obj));
    if (seen.join() !== String(DEMO)) throw new Error('tenant1 sees objects ' + seen.join());
    const other = await page.evaluate(async o => (await fetch('/api/v1/objects/' + o)).status, OBJ);
    if (other !== 403) throw new Error('tenant1 GET /objects/' + OBJ + ' answered ' + other);
    const tmenu = await page.$eval('nav.menu', e => e.textContent);
    if (tmenu.includes('Службы') || tmenu.includes('Пользователи') || !tmenu.includes('Архив')) throw new Error('tenant menu: ' + tmenu);
    await page.click('#objects li[data-obj="' + DEMO + '"]');
    await present(page, '#ch-' + DEMO + '-1-1');
    if (await page.$('#blk-1-1')) throw new Error('tenant1 is offered to block an output');
    await shot(page, '16-tenant-status');
    console.log('tenant1 sees object ' + seen.join() + ' only; object ' + OBJ + ' answers ' + other + '; menu: ' + tmenu);

    step = 'tenant of one flat sees that flat only';
    await Promise.all([page.waitForNavigation(), page.click('#logout')]);
    await present(page, '#login');
    await page.type('#user', 'flat2');
    await page.type('#password', fpw);
    await Promise.all([page.waitForNavigation(), page.click('#submit')]);
    await page.goto(URL + '/index.html#obj=' + DEMO);
    await present(page, '#ch-' + DEMO + '-2-1');
    const rowsSeen = await page.$$eval('#channels tr[id^="ch-"], tr[id^="ch-"]', trs => [...new Set(trs.map(t => t.id))]);
    if (rowsSeen.some(id => !id.startsWith('ch-' + DEMO + '-2-'))) throw new Error('flat2 sees channels ' + rowsSeen.join());
    const devsSeen = await page.$$eval('tr[id^="dev-"]', trs => trs.map(t => t.id));
    if (devsSeen.join() !== 'dev-2') throw new Error('flat2 sees devices ' + devsSeen.join());
    const gwText = await page.$eval('#gw', e => e.textContent);
    if (/undefined|null|UO-4 \d+\/\d+/.test(gwText)) throw new Error('flat2 gateway box: ' + gwText);
    const flat1 = await page.evaluate(async o => [(await fetch('/api/v1/series?channels=' + o + '.1.1&step=raw')).status,
      (await fetch('/api/v1/registry/' + o + '.1.1')).status], DEMO);
    if (flat1.join() !== '403,403') throw new Error('flat2 reads flat 1: ' + flat1.join());
    await page.goto(URL + '/archive.html');
    await present(page, '#chans input[type=checkbox]');
    const picks = await page.$$eval('#chans input[type=checkbox]', es => es.map(e => e.value));
    if (!picks.length || picks.some(id => !id.startsWith(DEMO + '.2.'))) throw new Error('flat2 archive offers ' + picks.join());
    await page.goto(URL + '/index.html#obj=' + DEMO);
    await present(page, '#ch-' + DEMO + '-2-1');
    await shot(page, '17-tenant-flat');
    console.log('flat2 sees ' + rowsSeen.length + ' channels of device 2 and device ' + devsSeen.join() + ' only; flat 1 answers ' + flat1.join());

    step = 'audit trail';
    await Promise.all([page.waitForNavigation(), page.click('#logout')]);
    await present(page, '#login');
    await page.type('#user', 'admin');
    await page.type('#password', PW);
    await Promise.all([page.waitForNavigation(), page.click('#submit')]);
    await page.goto(URL + '/audit.html#target=1.1.1');
    await page.waitForFunction(() => [...document.querySelectorAll('#audit tr[data-action="block"] td.reason')].some(td => /Долг за воду/.test(td.textContent)));
    const rows = await page.$$eval('#audit tr[data-action]', trs => trs.map(tr => ({ action: tr.dataset.action, target: tr.dataset.target,
      actor: tr.querySelector('.actor').textContent, reason: tr.querySelector('.reason').textContent })));
    if (rows.some(r => r.target !== '1.1.1')) throw new Error('audit filter by target: ' + JSON.stringify(rows));
    if (rows[0].action !== 'unblock' || rows[0].reason !== 'Оплачено' || rows[0].actor !== 'operator1')
      throw new Error('audit newest first: ' + JSON.stringify(rows[0]));
    await shot(page, '14-audit');
    await require('./checks_a')({ chromium, CHROMIUM, URL, PW, OUT, DEMO, MQTT, problems, setStep: s => { step = s; } });

    await require('./checks_b.js')({ page, URL, PW, OUT, CHROMIUM, DEMO, OBJ, pub, shot, present, clickNow, until, simCtl, problems, stopFeed: () => clearInterval(feeder), setStep: s => { step = s; } });
    await require('./checks_alarms.js')({ page, chromium, CHROMIUM, URL, OUT, present, shot, until, simCtl, problems, setStep: s => { step = s; } });
    await require('./checks_billing.js')({ page, URL, OUT, present, shot, setStep: s => { step = s; } });
    await require('./checks_periods.js')({ page, URL, PW, OUT, present, shot, setStep: s => { step = s; } });
    await require('./checks_restrict.js')({ page, URL, OUT, present, shot, until, simCtl, setStep: s => { step = s; } });
    await require('./checks_records.js')({ page, URL, OUT, present, shot, problems, setStep: s => { step = s; } });
    await require('./checks_tenant.js')({ page, URL, PW, OUT, present, shot, pub, until, setStep: s => { step = s; } });

    const csp = problems.filter(p => /Content Security Policy|Refused/.test(p));
    if (csp.length) throw new Error('CSP violations: ' + csp.join('; '));
  } catch (e) {
    /* what the page showed when the step failed */
    const page = context.pages().pop();
    if (page) {
      await shot(page, 'FAILED').catch(() => {});
      const msg = await page.evaluate(() => ['msg', 'cmd-result'].map(id => { const e = document.getElementById(id);
        return e && !e.hidden ? id + ': ' + e.textContent : ''; }).join(' ')).catch(() => '');
      if (msg.trim()) console.error('page messages: ' + msg);
    }
    throw e;
  } finally {
    clearInterval(feeder);
    await context.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(() => {
  console.log('e2e: all steps passed; screenshots in ' + OUT);
  if (problems.length) console.log('page console errors (not CSP): ' + problems.join(' | '));
  process.exit(0);
}, e => {
  console.error('e2e FAILED at step "' + step + '": ' + (e && e.stack || e));
  if (problems.length) console.error('page console errors: ' + problems.join(' | '));
  process.exit(1);
});
