/*
 * checks_tenant.js - a tenant's own page (my.html) and what the server
 * keeps from it, in the browser, against the amr-billing test_web_e2e.c
 * starts:
 *
 *  - an organisation of its own (ИНН 1655012344), a building, a flat with
 *    a cold water meter on channel 12.1.1 (object 12's history fed to
 *    the archive here: the same month a year before, last month and this
 *    one) and two accounts that held it one after the other (the old
 *    tenant moved out on the 16th of last month, the new one moved in),
 *    last month issued, a payment of the old tenant; a tenant user for
 *    each account;
 *  - the old tenant signs in and lands on its page: its balance, its
 *    invoice with the receipt as a PDF (%PDF), its payment, no sideways
 *    scrolling at 390 px; its consumption by day of last month is there
 *    for its days and not after its move-out, by month with the year
 *    before and the building's average per m²;
 *  - calling the API for the other account's invoice, receipt, statement
 *    or record answers 404 exactly as an id that does not exist, and the
 *    page shows nothing of it;
 *  - an admin changing the tenant's accounts ends its live stream and its
 *    session at once;
 *  - the new tenant sees its own invoice of the days since its move-in,
 *    and its consumption from its move-in only: nothing of the days
 *    before, nothing a year before; its meter on the status page (its
 *    window from the move-in day), and none of the neighbours' meters.
 *
 * Called by portal.test.js main() after checks_billing.js; signs in as
 * admin again at the end; throws on the first failure.
 */
'use strict';
const fs = require('fs');
const path = require('path');

/* "YYYY-MM" of the month before this one, in Moscow (the building's zone). */
function lastMonth() {
  const d = new Date(Date.now() + 3 * 3600 * 1000);
  const y = d.getUTCMonth() === 0 ? d.getUTCFullYear() - 1 : d.getUTCFullYear();
  const m = d.getUTCMonth() === 0 ? 12 : d.getUTCMonth();
  return y + '-' + String(m).padStart(2, '0');
}

/* An API client of its own (Node's fetch): the admin acting while the
 * browser holds a tenant's session. */
async function client(URL, user, password) {
  const r = await fetch(URL + '/api/v1/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user, password }) });
  if (r.status !== 200) throw new Error('sign-in of ' + user + ': ' + r.status);
  const cookie = r.headers.get('set-cookie').split(';')[0];
  const { csrf } = await r.json();
  return async (method, p, body) => {
    const a = await fetch(URL + p, { method, headers: { 'Content-Type': 'application/json', Cookie: cookie, 'X-CSRF-Token': csrf },
      body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await a.text();
    return { status: a.status, text, json: text ? JSON.parse(text) : null };
  };
}

/* UTC seconds of noon in Moscow on day d of month ym ("2026-11"). */
function noon(ym, d) {
  const [y, m] = ym.split('-').map(Number);
  return Date.UTC(y, m - 1, d, 9) / 1000;
}

/* Days in month ym. */
function daysIn(ym) {
  const [y, m] = ym.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/* Feed object 12's cold water meters (12.1.1 of flat 12, 12.1.2 and
 * 12.1.3 of its neighbours; 1/100 m³ a pulse) as a gateway's canonical
 * batches straight to the archive (it takes a past time by the batch's
 * rx): a day of month ym counts 100 + 10·day pulses on 12.1.1. */
function feedHistory(pub, months) {
  let seq = 1;
  const total = [5000, 7000, 9000];
  const batch = (ts, delta) => {
    const deltas = [delta, delta ? 150 : 0, delta ? 80 : 0];
    pub('amr/v1/readings/12', { seq: seq++, ts, rx: ts, obj: 12, devices: [], events: [],
      readings: deltas.map((d, i) => ({ addr: 1, ch: i + 1, total: (total[i] += d), delta: d, period_ms: 900 })) });
  };
  batch(noon(months[0].ym, 1) - 86400, 0);   /* the first reading: the counter as found */
  return () => {
    for (const { ym, days } of months)
      for (let d = 1; d <= days; d++) batch(noon(ym, d), 100 + 10 * d);
    return seq - 1;
  };
}

/* Sign in through the login page as user; waits for the page it lands on. */
async function signIn(page, URL, user, password) {
  await page.goto(URL + '/login.html');
  await page.fill('#user', user);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('#submit')]);
}

async function signOut(page) {
  await page.evaluate(() => App.api('POST', '/api/v1/logout').catch(() => {}));
}

module.exports = async function (ctx) {
  const { page, URL, PW, present, shot, setStep, pub, until } = ctx;
  const expect = (ok, what) => { if (!ok) throw new Error(what); };
  const call = (method, body) => page.evaluate(([m, b]) => App.api('POST', '/api/v1/billing/' + m, b), [method, body]);
  /* the answer of a call that may be refused: {status, body} */
  const attempt = (p, body) => page.evaluate(async ([p, b]) => {
    const r = await fetch(p, { method: 'POST', credentials: 'same-origin', body: JSON.stringify(b),
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': sessionStorage.getItem('csrf') || '' } });
    return { status: r.status, body: await r.text() };
  }, [p, body]);
  const per = lastMonth(), moved = per + '-16';

  setStep('tenant: records and the month issued');
  const org = await call('org.create', { name: 'ТСЖ «Липки»', inn: '1655012344', kpp: '165501001',
    account: '40703810538000001234', bank: 'ПАО Сбербанк', bik: '044525225', corr_account: '30101810400000000225',
    reason: 'e2e tenant' });
  await call('rate.create', { org: org.id, kind: 'key_rate', from: '2020-01-01', rate: '16.00', reason: 'e2e' });
  const bld = await call('building.create', { org: org.id, address: 'г. Казань, ул. Липовая, д. 3', tz: 'Europe/Moscow', objects: [1, 12] });
  const svc = await call('service.create', { org: org.id, code: 'maintenance', name: 'Содержание жилья', unit: 'm2' });
  const tariff = await call('tariff.create', { org: org.id, service: svc.id, name: 'Содержание', kind: 'per_area' });
  await call('tariff.version.create', { tariff: tariff.id, from: '2020-01-01', price: '31.00' });
  const flat = await call('premises.create', { building: bld.id, number: '12', kind: 'flat', area: '45.00', residents: 2 });
  const old = await call('account.create', { org: org.id, number: '400001', holder: { type: 'person', name: 'Смирнов Олег Петрович' },
    premises: [{ premises: flat.id, from: '2020-01-01', to: moved }] });
  const neu = await call('account.create', { org: org.id, number: '400002', holder: { type: 'person', name: 'Козлова Мария Сергеевна' },
    premises: [{ premises: flat.id, from: moved }] });
  /* the meter's history: the same month a year before, last month, this month to yesterday */
  const now = new Date(Date.now() + 3 * 3600 * 1000);
  const thisMonth = now.getUTCFullYear() + '-' + String(now.getUTCMonth() + 1).padStart(2, '0');
  const yearAgo = (+per.slice(0, 4) - 1) + per.slice(4);
  const months = [{ ym: yearAgo, days: daysIn(yearAgo) }, { ym: per, days: daysIn(per) }];
  if (now.getUTCDate() > 1) months.push({ ym: thisMonth, days: now.getUTCDate() - 1 });
  const rest = feedHistory(pub, months);
  await until(() => page.evaluate(() => fetch('/api/v1/registry/12.1.1').then(r => (r.ok ? true : null))), 15000, 'channel 12.1.1 registered');
  for (const ch of [1, 2, 3])
    await page.evaluate(c => App.api('PATCH', '/api/v1/registry/12.1.' + c, { unit: 'm3', label: 'Кв. ' + (11 + c) + ', холодная вода',
      weight: { num: 1, den: 100, valid_from: 0 }, reason: 'e2e tenant meter' }), ch);
  const batches = rest();
  const fed = months.reduce((n, m) => n + m.days * 100 + 5 * m.days * (m.days + 1), 0);
  /* every batch stored: the archive's total is all that was fed */
  await until(() => page.evaluate(([f, t]) => fetch('/api/v1/consumption?channels=12.1.1&from=' + f + '&to=' + t)
    .then(r => r.json()).then(j => { const it = (j.items || j.channels || [])[0]; return it && it.pulses !== undefined ? it.pulses : null; }),
  [noon(months[0].ym, 1) - 86400 * 2, Math.floor(Date.now() / 1000) + 60]).then(p => (p === fed ? p : null)), 20000,
  batches + ' batches of 12.1.1 stored (' + fed + ' pulses)');
  const cold = await call('service.create', { org: org.id, code: 'cold_water', name: 'Холодное водоснабжение', unit: 'm3' });
  const coldT = await call('tariff.create', { org: org.id, service: cold.id, name: 'ХВС', kind: 'per_unit' });
  await call('tariff.version.create', { tariff: coldT.id, from: '2020-01-01', price: '40.00' });
  await call('meter.create', { premises: flat.id, service: cold.id, channel: '12.1.1', from: '2020-01-01', serial: 'ВСХ-15 № 77' });
  /* two neighbours with meters and no account here: the building's average needs three metered flats */
  for (const ch of [2, 3]) {
    const p = await call('premises.create', { building: bld.id, number: String(11 + ch), kind: 'flat', area: '50.00', residents: 1 });
    await call('meter.create', { premises: p.id, service: cold.id, channel: '12.1.' + ch, from: '2020-01-01' });
  }
  await call('run.draft', { building: bld.id, period: per });
  await call('run.issue', { building: bld.id, period: per, reason: 'e2e' });
  await call('payment.create', { account: old.id, date: per + '-20', amount: '500.00', reference: 'E2E-1' });
  const invOld = per + '/' + bld.id + '/' + old.id, invNew = per + '/' + bld.id + '/' + neu.id;
  const mk = (user, account) => page.evaluate(([u, a]) => App.api('POST', '/api/v1/users', { user: u, role: 'tenant', accounts: [a] }), [user, account]);
  const pwOld = (await mk('smirnov', old.id)).password, pwNew = (await mk('kozlova', neu.id)).password;

  setStep('tenant: its page after sign-in');
  await signOut(page);
  await signIn(page, URL, 'smirnov', pwOld);
  expect(await page.evaluate(() => location.pathname) === '/my.html', 'a tenant lands on ' + page.url());
  await present(page, '#invoices tr[data-invoice="' + invOld + '"]');
  expect(await page.textContent('#number') === '400001', 'account: ' + await page.textContent('#number'));
  /* 15 of 30 or 31 days of 45.00 m² at 31.00 ₽, less the 500.00 paid: owed, and not yet due */
  const balance = await page.textContent('#balance');
  expect(/^\d[\d\u00a0]*,\d\d ₽$/.test(balance), 'balance: ' + balance);
  const inv = await call('invoice.get', { id: invOld });
  const row = await page.$eval('#invoices tr[data-invoice="' + invOld + '"]', tr => [...tr.cells].map(c => c.textContent));
  expect(row[0] === per.split('-').reverse().join('.') && row[1] === await page.evaluate(t => App.money(t), inv.total) + ' ₽', 'invoice row: ' + row.join(' | '));
  const pay = await page.$$eval('#payments tr[data-seq]', trs => trs.map(tr => [...tr.cells].map(c => c.textContent)));
  expect(pay.length === 1 && pay[0][1] === '500,00 ₽' && pay[0][3] === 'E2E-1', 'payments: ' + JSON.stringify(pay));
  expect(!/400002|Козлова/.test(await page.textContent('main')), 'the new tenant shows on the old one\'s page');
  await shot(page, '40-my');

  setStep('tenant: the receipt as a PDF');
  const [download] = await Promise.all([page.waitForEvent('download'),
    page.click('#invoices tr[data-invoice="' + invOld + '"] button.receipt')]);
  const pdfPath = path.join(ctx.OUT, 'tenant-receipt.pdf');
  await download.saveAs(pdfPath);
  expect(fs.readFileSync(pdfPath).subarray(0, 4).toString() === '%PDF', 'the receipt is not a PDF');

  setStep('tenant: its consumption compared');
  /* by month: the 12 months to last month, a year before and the building beside */
  await present(page, '#usage[data-shown="cold_water/month/' + thisMonth + '"]');
  await page.fill('#usage-month', per);
  await page.dispatchEvent('#usage-month', 'change');
  await present(page, '#usage[data-shown="cold_water/month/' + per + '"]');
  const cellOf = (time, key) => page.$eval('#usage-table tr[data-time="' + time + '"] td[data-key="' + key + '"]', td => td.textContent);
  /* its 15 days: 100 + 10·d pulses of 1/100 m³, d = 1..15 */
  const q15 = (15 * 100 + 5 * 15 * 16) / 100, qYear = (months[0].days * 100 + 5 * months[0].days * (months[0].days + 1)) / 100;
  const m3 = x => x.toFixed(2).replace('.', ',');
  expect((await cellOf(per, 'quantity')).startsWith(m3(q15)), 'last month: ' + await cellOf(per, 'quantity') + ', not ' + m3(q15));
  expect((await cellOf(per, 'last_year')).startsWith(m3(qYear)), 'a year before: ' + await cellOf(per, 'last_year'));
  expect(await cellOf(per, 'building_per_m2') !== '—', 'no building average');
  await shot(page, '42-my-usage');
  /* by day: its days, and nothing after its move-out */
  await page.selectOption('#usage-by', 'day');
  await present(page, '#usage[data-shown="cold_water/day/' + per + '"]');
  expect(await cellOf(per + '-05', 'quantity') !== '—', 'the 5th of last month is not shown to the old tenant');
  expect(await cellOf(moved, 'quantity') === '—', 'the new tenant\'s ' + moved + ' is shown to the old one: ' + await cellOf(moved, 'quantity'));
  expect(await cellOf(moved, 'building_per_m2') !== '—', 'no building average on ' + moved);

  setStep('tenant: another account is nowhere');
  /* a and b answered alike, but for the ids they name (ida, idb) */
  const same = async (p, other, none, ida, idb) => {
    const a = await attempt(p, other), b = await attempt(p, none);
    expect(a.status === 404 && b.status === 404, p + ': ' + a.status + ' ' + a.body + ' / ' + b.status + ' ' + b.body);
    expect(a.body.split(ida).join('#') === b.body.split(idb).join('#'), p + ': ' + a.body + ' differs from ' + b.body);
  };
  const ghost = neu.id + 1000, invGhost = per + '/' + bld.id + '/' + ghost;
  await same('/api/v1/billing/invoice.get', { id: invNew }, { id: invGhost }, invNew, invGhost);
  await same('/api/v1/billing/file/receipt', { invoice: invNew }, { invoice: invGhost }, invNew, invGhost);
  const ids = [String(neu.id), String(ghost)];
  await same('/api/v1/billing/account.statement', { account: neu.id }, { account: ghost }, ...ids);
  await same('/api/v1/billing/account.balance', { account: neu.id }, { account: ghost }, ...ids);
  await same('/api/v1/billing/account.get', { id: neu.id }, { id: ghost }, ...ids);
  await same('/api/v1/billing/report', { report: 'usage', account: neu.id, service: 'cold_water', from: per + '-01', to: per + '-28' },
    { report: 'usage', account: ghost, service: 'cold_water', from: per + '-01', to: per + '-28' }, ...ids);
  const list = await attempt('/api/v1/billing/account.list', {});
  expect(list.status === 403, 'account.list: ' + list.status);

  setStep('tenant: a phone');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(URL + '/my.html');
  await present(page, '#invoices tr[data-invoice="' + invOld + '"]');
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(w <= 390, 'my.html is ' + w + ' px wide on a 390 px phone');
  await shot(page, '41-my-phone');
  await page.setViewportSize({ width: 1366, height: 900 });

  setStep('tenant: a change of its accounts ends its stream');
  await page.evaluate(() => new Promise((resolve, reject) => {
    window.tenantStream = new EventSource('/api/v1/stream');
    window.tenantStream.onopen = resolve;
    window.tenantStream.onerror = () => reject(new Error('the stream did not open'));
  }));
  const admin = await client(URL, 'admin', PW);
  const patch = await admin('PATCH', '/api/v1/users/smirnov', { accounts: [old.id, neu.id] });
  expect(patch.status === 200, 'PATCH accounts: ' + patch.status + ' ' + patch.text);
  /* the server ends the stream; the browser's reconnect is refused */
  await page.waitForFunction(() => window.tenantStream.readyState !== EventSource.OPEN);
  const me = await page.evaluate(() => fetch('/api/v1/me').then(r => r.status));
  expect(me === 401, 'the tenant is still signed in after its accounts changed: ' + me);
  await page.evaluate(() => window.tenantStream.close());
  await admin('PATCH', '/api/v1/users/smirnov', { accounts: [old.id] });

  setStep('tenant: the new tenant sees its own month');
  await signIn(page, URL, 'kozlova', pwNew);
  await present(page, '#invoices tr[data-invoice="' + invNew + '"]');
  expect(await page.textContent('#number') === '400002', 'account: ' + await page.textContent('#number'));
  expect(!await page.$('#invoices tr[data-invoice="' + invOld + '"]'), 'the old tenant\'s invoice shows to the new one');
  expect(!/400001|Смирнов|E2E-1/.test(await page.textContent('main')), 'the old tenant shows on the new one\'s page');
  /* its consumption: from its move-in only, nothing a year before */
  await present(page, '#usage[data-shown="cold_water/month/' + thisMonth + '"]');
  await page.selectOption('#usage-by', 'day');
  await page.fill('#usage-month', per);
  await page.dispatchEvent('#usage-month', 'change');
  await present(page, '#usage[data-shown="cold_water/day/' + per + '"]');
  const before = await page.$$eval('#usage-table tr[data-time] td[data-key="quantity"]', tds => tds.slice(0, 15).map(td => td.textContent));
  expect(before.length === 15 && before.every(t => t === '—'), 'the new tenant sees days before its move-in: ' + before.join(' '));
  expect(await cellOf(moved, 'quantity') !== '—', 'the new tenant\'s own ' + moved + ' is not shown');
  const year = await page.$$eval('#usage-table tr[data-time] td[data-key="last_year"]', tds => tds.map(td => td.textContent));
  expect(year.every(t => t === '—'), 'the new tenant sees a year before its move-in: ' + year.join(' '));
  await shot(page, '43-my-usage-new-tenant');

  setStep('tenant: its meter on the status page from its move-in, no neighbour\'s');
  const meters = await page.evaluate(() => fetch('/api/v1/me').then(r => r.json()).then(j => j.meters));
  const movedUtc = Date.parse(moved + 'T00:00:00+03:00') / 1000;
  expect(meters && meters.length === 1 && meters[0].channel === '12.1.1' && meters[0].from === movedUtc && meters[0].to === null,
    'the new tenant\'s meters: ' + JSON.stringify(meters) + ', moved in at ' + movedUtc);
  await page.goto(URL + '/index.html#obj=12');
  await present(page, '#ch-12-1-1');
  expect(!await page.$('#ch-12-1-2') && !await page.$('#ch-12-1-3'), 'a neighbour\'s meter shows to the tenant');

  await signOut(page);
  await signIn(page, URL, 'admin', PW);
};
