/*
 * checks_a.js - the portal's time zone, units and numbers, and errors
 * (issue 12, points 4, 9 and 11), in a browser of its own whose clock is
 * UTC and whose locale is en-US: what the pages show must not depend on
 * either.
 *
 *  - days and months of the archive are named on the site's clock
 *    (Europe/Moscow): the day starting 2026-12-01T00:00+03:00 is 01.12.2026,
 *    in the table, the chart and the CSV's time_local; the period pickers
 *    read the site's clock; the zone is shown on the page;
 *  - Russian pages show м³, кВт·ч, м³/ч, В and decimal commas (tables,
 *    cards, chart axes, tooltips) and no Latin unit; English pages m³, kWh
 *    and points; dates in the portal's own format;
 *  - an API error reads as a sentence of the page's language with its times
 *    formatted, and the archive's earlier chart and table go;
 *  - the audit trail: actions named and details in words (no JSON, no
 *    Unix seconds), 50 records a page with older and newer pages, each
 *    record once, and a CSV of them all;
 *  - the broker's uptime and the console's command states in Russian.
 *
 * Called from portal.test.js main() with ctx: { chromium, CHROMIUM, URL,
 * PW (admin's password), OUT, DEMO (the demo building), MQTT (the broker's
 * port), problems (console errors of every page go there), setStep(name) }.
 */
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const ZONE = 'Europe/Moscow';
const pad = n => String(n).padStart(2, '0');

/* The wall clock of ZONE at t (UTC seconds), as node's own Intl gives it. */
function wall(t) {
  const p = {};
  for (const x of new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hourCycle: 'h23', year: 'numeric', month: '2-digit',
    day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(t * 1000)))
    p[x.type] = x.value;
  return p;
}
const ruDate = t => { const w = wall(t); return w.day + '.' + w.month + '.' + w.year; };
const isoLocal = t => { const w = wall(t); return w.year + '-' + w.month + '-' + w.day + 'T' + w.hour + ':' + w.minute + ':' + w.second + '+03:00'; };
const picker = t => { const w = wall(t); return w.year + '-' + w.month + '-' + w.day + 'T' + w.hour + ':' + w.minute; };
/* Midnight in ZONE of the day holding t, days later (Moscow is UTC+3 all year). */
const midnight = (t, days) => Math.floor((t + 3 * 3600) / 86400) * 86400 - 3 * 3600 + (days || 0) * 86400;
const ruMonth = t => new Intl.DateTimeFormat('ru-RU', { month: 'long', timeZone: ZONE }).format(new Date(t * 1000)) + ' ' + wall(t).year;

function check(ok, what) {
  if (!ok) throw new Error(what);
}

/* Load url afresh, also when only its #hash differs from the page's. */
async function load(page, url) {
  await page.goto('about:blank');
  await page.goto(url);
}

async function signIn(page, ctx) {
  await load(page, ctx.URL + '/login.html');
  await page.waitForSelector('#login');
  await page.fill('#user', 'admin');
  await page.fill('#password', ctx.PW);
  await Promise.all([page.waitForNavigation(), page.click('#submit')]);
}

async function setLang(page, lang) {
  await page.evaluate(l => localStorage.setItem('lang', l), lang);
}

/* Show the archive of channels at step over [from, to) (UTC seconds) typed
 * into the pickers as the site's clock reads them. Returns the series
 * request's address and the rows of the table: [{t, label, values}], t
 * the bucket's start from the answer (rows are in time order). */
async function archive(page, ctx, channels, step, from, to) {
  await load(page, ctx.URL + '/archive.html#channels=' + channels.join(','));
  await page.waitForSelector('#table tr:nth-child(3)', { state: 'attached' });
  await page.fill('#from', picker(from));
  await page.fill('#to', picker(to));
  await page.selectOption('#step', step);
  const [resp] = await Promise.all([page.waitForResponse(r => r.url().includes('/api/v1/series') && r.url().includes('step=' + step)),
    page.click('#show')]);
  const ans = await resp.json();
  check(resp.ok(), 'the archive answered ' + resp.status() + ' ' + JSON.stringify(ans) + ' to ' + resp.url());
  const ts = [...new Set(ans.series.flatMap(x => x.points.map(p => p.t)))].sort((a, b) => a - b);
  await page.waitForFunction(([s, n]) => { const c = Chart.getChart('chart');
    return c && c.config.type === (s === 'raw' ? 'line' : 'bar') && c.data.labels.length === n &&
      document.querySelectorAll('#table tr').length === n + 2; }, [step, ts.length]);
  const rows = await page.$$eval('#table tr', trs => trs.slice(1, -1).map(tr => ({ label: tr.cells[0].textContent,
    values: [...tr.cells].slice(1).map(td => td.textContent) })));
  return { url: new URL(resp.url()), rows: rows.map((r, i) => Object.assign(r, { t: ts[i] })) };
}

/* Point 4: days and months on the site's clock in a UTC browser. */
async function siteZone(page, ctx) {
  ctx.setStep('site zone: the archive in a UTC browser');
  const now = Math.floor(Date.now() / 1000);
  const chans = [ctx.DEMO + '.1.1', ctx.DEMO + '.1.3'];
  check(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone) === 'UTC', 'the browser is not on UTC');
  /* days: from Moscow midnight two days ago to tomorrow's */
  const from = midnight(now, -2), end = midnight(now, 1);
  const { url, rows: days } = await archive(page, ctx, chans, 'day', from, end);
  check(days.length === 3, 'three days expected: ' + JSON.stringify(days));
  for (const d of days) {
    check(d.t === midnight(d.t), 'a day that does not start at Moscow midnight: ' + d.t);
    check(d.label === ruDate(d.t), 'the day starting ' + isoLocal(d.t) + ' is labelled ' + d.label + ', not ' + ruDate(d.t));
  }
  check(+url.searchParams.get('from') === from && +url.searchParams.get('to') === end,
    'the pickers sent ' + url.search + ', not the Moscow midnights ' + from + '..' + end);
  const labels = await page.evaluate(() => Chart.getChart('chart').data.labels);
  check(labels.join() === days.map(d => d.label).join(), 'chart labels ' + labels.join() + ' for days ' + days.map(d => d.label).join());
  const csv = await page.evaluate(async () => (await fetch(document.getElementById('csv').getAttribute('href'))).text());
  const rows = csv.trim().split('\n').slice(1).map(l => l.split(','));
  check(rows.length === 6 && rows.every(r => r[4] === isoLocal(+r[2]) && r[4].endsWith('T00:00:00+03:00')),
    'CSV time_local of the days: ' + csv.slice(0, 300));
  const tz = await page.$eval('#tz', e => e.textContent).catch(() => 'none');
  check(tz.includes(ZONE) && tz.includes('UTC+03:00'), 'zone on the archive page: ' + tz);
  /* a new page: the default period ends at the next minute on the site's clock */
  await load(page, ctx.URL + '/archive.html');
  await page.waitForSelector('#table tr:nth-child(3)', { state: 'attached' });
  const to = await page.$eval('#to', e => e.value), t2 = Math.floor(Date.now() / 1000);
  check([now, now + 60, t2 + 60].map(picker).includes(to), 'the "to" picker reads ' + to + ', Moscow is ' + picker(t2));
  console.log('site zone: ' + tz + '; days ' + days.map(d => d.label + ' (' + new Date(d.t * 1000).toISOString() + ')').join(', ') +
    '; CSV ' + rows[0][4]);
  await page.screenshot({ path: path.join(ctx.OUT, 'a-archive-days-utc.png'), fullPage: true });

  /* months: from the first of last month, Moscow, to the first of the next */
  const w = wall(now);
  const m0 = Date.UTC(+w.year, +w.month - 2, 1) / 1000 - 3 * 3600, m2 = Date.UTC(+w.year, +w.month, 1) / 1000 - 3 * 3600;
  const months = (await archive(page, ctx, chans, 'month', m0, m2)).rows;
  check(months.length === 2 && months.every(m => m.label === ruMonth(m.t) && wall(m.t).day === '01' && wall(m.t).hour === '00'),
    'months: ' + JSON.stringify(months.map(m => [m.t, m.label])) + ', expected ' + ruMonth(m0) + ', ' + ruMonth(m2 - 86400));
  console.log('site zone: months ' + months.map(m => m.label).join(', '));
}

/* The texts of a Chart.js chart that are not in the DOM: axis titles and
 * tick labels, dataset labels, the tooltip of the first bar with a value. */
function chartTexts(page) {
  return page.evaluate(() => {
    const c = Chart.getChart('chart');
    const ys = Object.values(c.scales).filter(s => s.axis === 'y');
    const out = { titles: ys.map(s => s.options.title.text), ticks: ys.flatMap(s => s.ticks.map(t => String(t.label))),
      datasets: c.data.datasets.map(d => d.label), tooltip: [] };
    for (let i = 0; i < c.data.datasets.length && !out.tooltip.length; i++) {
      const k = c.data.datasets[i].data.findIndex(v => v > 0);
      if (k < 0) continue;
      c.tooltip.setActiveElements([{ datasetIndex: i, index: k }], { x: 0, y: 0 });
      c.update();
      out.tooltip = c.tooltip.body.flatMap(b => b.lines);
    }
    return out;
  });
}

/* Point 9: units, decimals and dates in each language. */
async function unitsAndNumbers(page, ctx) {
  const chans = [ctx.DEMO + '.1.1', ctx.DEMO + '.1.3'];
  const now = Math.floor(Date.now() / 1000);
  const L = {
    ru: { m3: 'м³', kwh: 'кВт·ч', rate: /^\d+,\d+\u00a0(м³\/ч)$/, value: /^\d+,\d+$/, dec: ',', wrong: '.',
      date: /^\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d$/, latin: /\bm3\b|m³|kWh|\bkW\b|\d \bV\b/ },
    en: { m3: 'm³', kwh: 'kWh', rate: /^\d+\.\d+\u00a0(m³\/h)$/, value: /^\d+\.\d+$/, dec: '.', wrong: ',',
      date: /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/, latin: /м³|кВт/ }
  };
  for (const lang of ['ru', 'en']) {
    const l = L[lang];
    ctx.setStep('units and numbers in ' + lang + ': object status');
    await setLang(page, lang);
    await load(page, ctx.URL + '/index.html#obj=' + ctx.DEMO);
    const cell = (ch, cls) => '#ch-' + ch.replace(/\./g, '-') + ' td.' + cls;
    await page.waitForFunction(s => { const e = document.querySelector(s); return e && e.textContent !== '—'; }, cell(chans[0], 'reading'));
    const reading = [await page.$eval(cell(chans[0], 'reading'), e => e.textContent), await page.$eval(cell(chans[1], 'reading'), e => e.textContent)];
    check(new RegExp('^\\d+\\' + l.dec + '\\d{3}\\u00a0' + l.m3 + '$').test(reading[0]), lang + ': cold water reads ' + reading[0]);
    check(new RegExp('^\\d+\\' + l.dec + '\\d{3}\\u00a0' + l.kwh + '$').test(reading[1]), lang + ': electricity reads ' + reading[1]);
    const rate = await page.$eval(cell(chans[0], 'rate'), e => e.textContent);
    check(rate === '—' || l.rate.test(rate), lang + ': cold water flow ' + rate);
    const batt = await page.$eval('#dev-1', e => e.cells[4].textContent);
    check(new RegExp('^\\d\\' + l.dec + '\\d\\d\\u00a0' + (lang === 'ru' ? 'В' : 'V')).test(batt), lang + ': battery ' + batt);
    const updated = await page.$eval('#ch-' + chans[0].replace(/\./g, '-'), e => e.cells[5].textContent);
    check(l.date.test(updated), lang + ': updated at ' + updated);
    const statusText = await page.$eval('main', e => e.innerText);
    check(!l.latin.test(statusText), lang + ': the status page holds ' + (statusText.match(l.latin) || [])[0]);
    console.log(lang + ' status: ' + reading.join(', ') + '; flow ' + rate + '; battery ' + batt + '; updated ' + updated);
    if (lang === 'ru') await page.screenshot({ path: path.join(ctx.OUT, 'a-status-ru-units.png'), fullPage: false });

    ctx.setStep('units and numbers in ' + lang + ': archive');
    const { rows } = await archive(page, ctx, chans, 'hour', now - 6 * 3600, now + 60);
    const head = await page.$eval('#table tr', e => e.textContent);
    check(head.includes(', ' + l.m3) && head.includes(', ' + l.kwh), lang + ': archive header ' + head);
    const vals = rows.flatMap(r => r.values).filter(v => v);
    check(vals.length && vals.every(v => l.value.test(v)), lang + ': archive values ' + vals.slice(0, 6).join(' '));
    const total = await page.$eval('#table tr:last-child', e => e.textContent);
    check(total.includes(l.m3) && total.includes(l.kwh) && !total.includes(l.wrong), lang + ': total ' + total);
    const c = await chartTexts(page);
    check(c.titles.join() === l.m3 + ',' + l.kwh, lang + ': axis titles ' + c.titles.join());
    const fractional = c.ticks.filter(t => /\D/.test(t.replace(/^-/, '')));
    check(fractional.length && fractional.every(t => t.includes(l.dec) && !t.includes(l.wrong)), lang + ': axis ticks ' + c.ticks.join(' | '));
    check(c.datasets.every(d => d.endsWith(', ' + l.m3) || d.endsWith(', ' + l.kwh)), lang + ': legend ' + c.datasets.join(' | '));
    check(c.tooltip.length && c.tooltip.every(t => new RegExp(': \\d+\\' + l.dec + '\\d+$').test(t)), lang + ': tooltip ' + c.tooltip.join(' | '));
    const archiveText = await page.$eval('main', e => e.innerText);
    check(!l.latin.test(archiveText), lang + ': the archive page holds ' + (archiveText.match(l.latin) || [])[0]);
    console.log(lang + ' archive: ' + vals.slice(0, 3).join(' ') + '; axes ' + c.titles.join(', ') + ' ticks ' + fractional.slice(0, 3).join(' ') +
      '; tooltip ' + c.tooltip[0] + '; first row ' + rows[0].label);
    if (lang === 'ru') await page.screenshot({ path: path.join(ctx.OUT, 'a-archive-ru-units.png'), fullPage: true });
  }
  await setLang(page, 'ru');
}

/* Point 11: errors in words, and nothing of an earlier answer beside them. */
async function errorsInWords(page, ctx) {
  const chans = [ctx.DEMO + '.1.1'];
  const now = Math.floor(Date.now() / 60000) * 60;
  const minute = (lang, t) => { const w = wall(t);
    return lang === 'ru' ? ruDate(t) + ' ' + w.hour + ':' + w.minute : w.year + '-' + w.month + '-' + w.day + ' ' + w.hour + ':' + w.minute; };
  const want = {
    ru: '^Конец периода \\(' + minute('ru', now - 7200) + '\\) должен быть позже его начала \\(' + minute('ru', now) + '\\)$',
    en: '^The end of the period \\(' + minute('en', now - 7200) + '\\) must be after its start \\(' + minute('en', now) + '\\)$'
  };
  for (const lang of ['ru', 'en']) {
    ctx.setStep('errors in ' + lang + ': the end of the period before its start');
    await setLang(page, lang);
    await archive(page, ctx, chans, 'hour', now - 3 * 3600, now + 60);   /* an answer drawn first */
    await page.fill('#from', picker(now));
    await page.fill('#to', picker(now - 7200));
    await Promise.all([page.waitForResponse(r => r.url().includes('/api/v1/series') && r.status() === 400), page.click('#show')]);
    await page.waitForSelector('#msg:not([hidden])');
    const msg = await page.$eval('#msg', e => e.textContent);
    check(new RegExp(want[lang]).test(msg), lang + ': the error reads "' + msg + '"');
    check(!/\d{9,}/.test(msg) && (lang !== 'ru' || !/[A-Za-z]{3,}/.test(msg)), lang + ': raw seconds or English in "' + msg + '"');
    const left = await page.evaluate(() => ({ chart: !!Chart.getChart('chart'), rows: document.querySelectorAll('#table tr').length }));
    check(!left.chart && !left.rows, lang + ': beside the error the page still shows ' + JSON.stringify(left));
    console.log(lang + ' error: ' + msg);
    if (lang === 'ru') await page.screenshot({ path: path.join(ctx.OUT, 'a-archive-error-ru.png'), fullPage: true });
  }
  ctx.setStep('errors in ru: a raw series of 40 days; the audit trail');
  await setLang(page, 'ru');
  await load(page, ctx.URL + '/archive.html#channels=' + chans.join(','));
  await page.waitForSelector('#table tr:nth-child(3)', { state: 'attached' });
  await page.fill('#from', picker(now - 40 * 86400));
  await page.fill('#to', picker(now));
  await page.selectOption('#step', 'raw');
  await Promise.all([page.waitForResponse(r => r.url().includes('/api/v1/series') && r.status() === 400), page.click('#show')]);
  await page.waitForSelector('#msg:not([hidden])');
  const raw = await page.$eval('#msg', e => e.textContent);
  check(/^Все показания можно показать не более чем за 31 сут\./.test(raw), 'ru: a raw span of 40 days reads "' + raw + '"');
  await load(page, ctx.URL + '/audit.html');
  await page.waitForSelector('#audit tr');
  await page.fill('#from', picker(now));
  await page.fill('#to', picker(now - 3600));
  await Promise.all([page.waitForResponse(r => r.url().includes('/api/v1/audit') && r.status() === 400), page.click('#show')]);
  await page.waitForSelector('#msg:not([hidden])');
  const audit = await page.$eval('#msg', e => e.textContent);
  check(/^Конец периода \(\d\d\.\d\d\.\d{4} \d\d:\d\d\) должен быть позже/.test(audit), 'ru: the audit trail\'s error reads "' + audit + '"');
  console.log('ru errors: ' + raw + ' | ' + audit);
}

/* Point 11: the audit trail's actions and details in words. */
async function auditInWords(page, ctx) {
  ctx.setStep('audit trail: the details of a registry change and a block');
  await setLang(page, 'ru');
  await load(page, ctx.URL + '/audit.html#target=' + ctx.DEMO + '.1.1');
  await page.waitForSelector('#audit tr[data-action="registry.set"]');
  const reg = await page.$eval('#audit tr[data-action="registry.set"]', tr => ({ action: tr.querySelector('.action').textContent,
    detail: tr.querySelector('.detail').textContent }));
  check(reg.action === 'Изменение реестра', 'registry.set is named ' + reg.action);
  /* deploy/demo-registry.sh gives each meter its serial number and verification date */
  check(/^Метка: — → Кв\. 1, холодная вода; ресурс: не задан → холодная вода; заводской номер: — → ВСХ-15 № \d{8}; единица: имп\. → м³; дата поверки: — → \d\d\.\d\d\.\d{4}; вес импульса: 1\/1 → 1\/100/.test(reg.detail) &&
    !/[{}"]|\d{9,}|[A-Za-z]{3,}/.test(reg.detail), 'registry change in words: ' + reg.detail);
  const blk = await page.$eval('#audit tr[data-action="block"]', tr => [tr.querySelector('.action').textContent, tr.querySelector('.detail').textContent]);
  check(blk[0] === 'Блокировка' && /^Состояние: (выполнена|в очереди)/.test(blk[1]), 'a block reads ' + blk.join(' | '));
  console.log('audit in words: ' + reg.action + ': ' + reg.detail + ' | ' + blk.join(': '));

  ctx.setStep('audit trail in English');
  await setLang(page, 'en');
  await load(page, ctx.URL + '/audit.html#target=' + ctx.DEMO + '.1.1');
  await page.waitForSelector('#audit tr[data-action="registry.set"]');
  const en = await page.$eval('#audit tr[data-action="registry.set"]', tr => [tr.querySelector('.action').textContent, tr.querySelector('.detail').textContent]);
  check(en[0] === 'Registry change' && /^Label: — → Кв\. 1, холодная вода; resource: not set → cold water; meter serial: — → ВСХ-15 № \d{8}; unit: pulses → m³; verification due: — → \d{4}-\d\d-\d\d/.test(en[1]), 'in English: ' + en.join(' | '));
  await setLang(page, 'ru');
}

/* Point 11: the audit trail in pages of 50, and as CSV. */
async function auditPages(page, ctx) {
  const N = 120, now = Math.floor(Date.now() / 1000);
  await setLang(page, 'ru');
  ctx.setStep('audit trail: ' + N + ' records in pages of 50');
  /* three to a second, so pages end inside a second; the newest a minute ago */
  const lines = [];
  for (let i = 0; i < N; i++)
    lines.push(JSON.stringify({ ts: now - 60 - Math.floor((N - 1 - i) / 3), actor: 'pager-a', action: 'user.update', target: 'u' + i,
      detail: { disabled: i % 2 === 0, role: 'tenant', reason: 'проверка ' + i } }));
  execFileSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(ctx.MQTT), '-q', '1', '-t', 'amr/v1/audit', '-l'], { input: lines.join('\n') + '\n' });
  /* the records reach the archive one by one: until all are there */
  await page.waitForFunction(async n => (await (await fetch('/api/v1/audit?order=desc&actor=pager-a&limit=1000')).json()).records.length === n,
    N, { timeout: 20000, polling: 300 });
  await load(page, ctx.URL + '/audit.html#actor=pager-a');
  await page.waitForFunction(() => document.querySelectorAll('#audit tr[data-action]').length > 0);
  const first = await page.$$eval('#audit tr[data-action]', t => t.length);
  check(first === 50, 'page 1 holds ' + first + ' records, not 50');
  const seen = [], pages = [];
  const rowsOf = () => page.$$eval('#audit tr[data-action]', trs => trs.map(tr => tr.dataset.target));
  for (let n = 1; ; n++) {
    const targets = await rowsOf();
    pages.push(targets.length);
    seen.push(...targets);
    if (n === 2) await page.screenshot({ path: path.join(ctx.OUT, 'a-audit-page2.png'), fullPage: true });
    if (await page.$eval('#older', b => b.disabled)) break;
    check(n < 5, 'more than 4 pages');
    await page.click('#older');
    await page.waitForFunction(([f, k]) => document.getElementById('page').textContent === 'страница ' + k &&
      document.querySelector('#audit tr[data-action]').dataset.target !== f, [targets[0], n + 1]);
  }
  const want = Array.from({ length: N }, (_, i) => 'u' + (N - 1 - i));
  check(pages.join() === '50,50,20' && seen.join() === want.join(), 'pages ' + pages.join() + ' hold ' + seen.slice(45, 55).join() + '...');
  check(await page.$eval('#newer', b => !b.disabled), 'no way back from the last page');
  await page.click('#newer');
  await page.waitForFunction(() => document.getElementById('page').textContent === 'страница 2');
  const back = await rowsOf();
  check(back.join() === want.slice(50, 100).join(), 'page 2 again: ' + back.slice(0, 3).join());
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  check(height < 6000, 'a page of 50 records is ' + height + ' px high');
  const row = await page.$eval('#audit tr[data-action]', tr => [tr.querySelector('.action').textContent, tr.querySelector('.detail').textContent]);
  check(row[0] === 'Изменение пользователя' && /^Отключён: (да|нет); роль: абонент$/.test(row[1]), 'a user change reads ' + row.join(' | '));
  console.log('audit pages: ' + pages.join(' + ') + ' records, each once, newest first; page 2 again from page 3; ' + height + ' px; ' + row.join(': '));

  ctx.setStep('audit trail: CSV');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#csv')]);
  const file = path.join(ctx.OUT, 'audit-a.csv');
  await dl.saveAs(file);
  const csv = fs.readFileSync(file, 'utf8').trim().split('\n');
  check(csv[0] === 'ts,time_utc,time_local,actor,action,target,reason,detail' && csv.length === N + 1 &&
    csv[1] === (now - 60) + ',' + new Date((now - 60) * 1000).toISOString().replace('.000', '') + ',' + isoLocal(now - 60) +
      ',pager-a,user.update,u119,проверка 119,"{""disabled"":false,""role"":""tenant""}"', 'CSV: ' + csv.slice(0, 2).join(' | '));
  console.log('audit CSV ' + dl.suggestedFilename() + ': ' + (csv.length - 1) + ' rows, e.g. ' + csv[1]);

}

/* Point 12's strings: the broker's uptime and the console's command
 * states in words. */
async function smallWords(page, ctx) {
  ctx.setStep('the broker\'s uptime and the console\'s states in Russian');
  await setLang(page, 'ru');
  await load(page, ctx.URL + '/health.html');
  await page.waitForSelector('#broker-state.ok');
  const broker = await page.$eval('#broker', e => e.innerText.replace(/\s+/g, ' '));
  check(!/second|minute|hour|day/.test(broker) && /Работает\s*\d+ (с|мин|ч|дн)/.test(broker), 'the broker box reads ' + broker);
  await load(page, ctx.URL + '/console.html');
  await page.waitForSelector('#obj option[value="1"]', { state: 'attached' });
  await page.selectOption('#obj', '1');
  await page.waitForFunction(() => document.querySelectorAll('#history tr').length > 1);
  const states = await page.$$eval('#history tr', trs => trs.slice(1).map(tr => tr.cells[tr.cells.length - 1].textContent));
  check(states.length && states.every(x => /^(в очереди|отправлена|выполнена|ошибка|истёк срок)$/.test(x)), 'console states ' + states.join());
  console.log('ru words: ' + broker + '; console states ' + [...new Set(states)].join(', '));
}

/* Each check in turn; one failing does not hide the next. */
const CHECKS = [siteZone, unitsAndNumbers, errorsInWords, auditInWords, auditPages, smallWords];

module.exports = async function (ctx) {
  const browser = await ctx.chromium.launch({ executablePath: ctx.CHROMIUM, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage'] });
  const failed = [];
  let step = '';
  const setStep = s => { step = s; ctx.setStep(s); };
  try {
    const context = await browser.newContext({ timezoneId: 'UTC', locale: 'en-US', viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    page.on('console', m => { if (m.type() === 'error') ctx.problems.push(m.text()); });
    page.on('pageerror', e => ctx.problems.push(String(e)));
    page.setDefaultTimeout(15000);
    setStep('checks_a: sign in');
    await signIn(page, ctx);
    for (const c of CHECKS) {
      try {
        await c(page, Object.assign({}, ctx, { setStep }));
      } catch (e) {
        failed.push('"' + step + '": ' + (e && e.stack || e));
        await page.screenshot({ path: path.join(ctx.OUT, 'FAILED-a-' + c.name + '.png'), fullPage: true }).catch(() => {});
      }
    }
  } finally {
    await browser.close();
  }
  if (failed.length) throw new Error(failed.length + ' of the checks failed:\n' + failed.join('\n'));
};
