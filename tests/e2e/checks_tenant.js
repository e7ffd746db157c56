/*
 * checks_tenant.js - a tenant's own page (my.html) and what the server
 * keeps from it, in the browser, against the amr-billing test_web_e2e.c
 * starts:
 *
 *  - an organisation of its own (ИНН 1655012344), a building, a flat and
 *    two accounts that held it one after the other (the old tenant moved
 *    out on the 16th of last month, the new one moved in), last month
 *    issued, a payment of the old tenant; a tenant user for each account;
 *  - the old tenant signs in and lands on its page: its balance, its
 *    invoice with the receipt as a PDF (%PDF), its payment, no sideways
 *    scrolling at 390 px;
 *  - calling the API for the other account's invoice, receipt, statement
 *    or record answers 404 exactly as an id that does not exist, and the
 *    page shows nothing of it;
 *  - an admin changing the tenant's accounts ends its live stream and its
 *    session at once;
 *  - the new tenant sees its own invoice of the days since its move-in.
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
  const { page, URL, PW, present, shot, setStep } = ctx;
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
  const bld = await call('building.create', { org: org.id, address: 'г. Казань, ул. Липовая, д. 3', tz: 'Europe/Moscow', objects: [1] });
  const svc = await call('service.create', { org: org.id, code: 'maintenance', name: 'Содержание жилья', unit: 'm2' });
  const tariff = await call('tariff.create', { org: org.id, service: svc.id, name: 'Содержание', kind: 'per_area' });
  await call('tariff.version.create', { tariff: tariff.id, from: '2020-01-01', price: '31.00' });
  const flat = await call('premises.create', { building: bld.id, number: '12', kind: 'flat', area: '45.00', residents: 2 });
  const old = await call('account.create', { org: org.id, number: '400001', holder: { type: 'person', name: 'Смирнов Олег Петрович' },
    premises: [{ premises: flat.id, from: '2020-01-01', to: moved }] });
  const neu = await call('account.create', { org: org.id, number: '400002', holder: { type: 'person', name: 'Козлова Мария Сергеевна' },
    premises: [{ premises: flat.id, from: moved }] });
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
  expect(row[0] === per.split('-').reverse().join('.') && row[1] === inv.total.replace('.', ',') + ' ₽', 'invoice row: ' + row.join(' | '));
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

  setStep('tenant: another account is nowhere');
  const same = async (p, other, none) => {
    const a = await attempt(p, other), b = await attempt(p, none);
    expect(a.status === 404 && b.status === 404, p + ': ' + a.status + ' ' + a.body + ' / ' + b.status + ' ' + b.body);
    /* the same answer but for the id named */
    const ids = [JSON.stringify(other), JSON.stringify(none)].map(s => (s.match(/\d+(?:\/\d+\/\d+)?(?=["}])/) || [''])[0]);
    expect(a.body.replace(ids[0], '#') === b.body.replace(ids[1], '#'), p + ': ' + a.body + ' differs from ' + b.body);
  };
  const ghost = neu.id + 1000;
  await same('/api/v1/billing/invoice.get', { id: invNew }, { id: per + '/' + bld.id + '/' + ghost });
  await same('/api/v1/billing/file/receipt', { invoice: invNew }, { invoice: per + '/' + bld.id + '/' + ghost });
  await same('/api/v1/billing/account.statement', { account: neu.id }, { account: ghost });
  await same('/api/v1/billing/account.balance', { account: neu.id }, { account: ghost });
  await same('/api/v1/billing/account.get', { id: neu.id }, { id: ghost });
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

  await signOut(page);
  await signIn(page, URL, 'admin', PW);
};
