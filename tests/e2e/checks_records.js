/*
 * checks_records.js - the accountant's record pages and the reports page
 * in the browser, signed in as an accountant of our own (made here by the
 * admin), in a browser of its own so the admin's page stays signed in:
 *
 *  - organisations: a wrong ИНН is refused with the server's message beside
 *    the ИНН field (focused), the rest kept as typed; corrected, it is saved
 *    and listed; a building of it is made;
 *  - premises and accounts: an area with a third decimal refused beside the
 *    area field; a flat and an account holding it made; the search finds the
 *    account by its holder's name and by its number, and nothing for a name
 *    that is not there; the number links to the account's statement;
 *  - tariffs: a service, a tariff, a negative price refused beside the
 *    price, two versions of prices, and the timeline draws two bars with
 *    their prices written on them;
 *  - reports: the turnover of «Берёзка» (checks_billing.js: an opening debt
 *    of 1 500,00 dated 2025-12-31) for December 2025: the table with the
 *    account 300001 and its closing balance, a chart drawn, and the report
 *    as CSV (BOM), XLSX (PK) and PDF (%PDF) files;
 *  - a tenant gets 403 from POST /api/v1/billing/org.list, an operator
 *    from account.list and tariff.list;
 *  - screenshots of every page at 1366 px and at 390 px (no wider than the
 *    phone).
 *
 * Our organisation has an ИНН of its own (7708010016), so that the other
 * checks' records are left alone. Called by portal.test.js main() after
 * checks_billing.js; throws on the first failure.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const INN = '7708010016';
const BAD_INN = '7708010017';   /* the check digit is 6 */
const ORG = 'ТСЖ «Рябина»';

module.exports = async function (ctx) {
  const { page, URL, OUT, present, shot, setStep } = ctx;
  const expect = (ok, what) => { if (!ok) throw new Error(what); };

  /* A user of role made by the admin; its password as the server gave it. */
  const makeUser = (user, role, objects) => page.evaluate(async b => {
    const r = await fetch('/api/v1/users', { method: 'POST', headers: { 'Content-Type': 'application/json',
      'X-CSRF-Token': sessionStorage.getItem('csrf') }, body: JSON.stringify(b) });
    return r.status === 201 ? (await r.json()).password : 'HTTP ' + r.status + ' ' + await r.text();
  }, Object.assign({ user, role }, objects ? { objects } : {}));

  setStep('records: users');
  const pw = {};
  for (const [u, role, objs] of [['rec-accountant', 'accountant'], ['rec-operator', 'operator'], ['rec-tenant', 'tenant', [1]]]) {
    pw[u] = await makeUser(u, role, objs);
    expect(!/^HTTP/.test(pw[u]), 'create ' + u + ': ' + pw[u]);
  }

  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    /* A page of a fresh context signed in as user. */
    const signIn = async (user, viewport) => {
      const c = await browser.newContext({ viewport: viewport || { width: 1366, height: 900 }, acceptDownloads: true,
        locale: 'ru-RU', timezoneId: 'Europe/Moscow' });
      const p = await c.newPage();
      p.setDefaultTimeout(15000);
      /* errors and CSP refusals join portal.test.js's list, which fails on CSP */
      p.on('console', m => { if (m.type() === 'error' && ctx.problems) ctx.problems.push(m.text()); });
      p.on('pageerror', e => ctx.problems && ctx.problems.push(String(e)));
      await p.goto(URL + '/login.html');
      await p.fill('#user', user);
      await p.fill('#password', pw[user]);
      await Promise.all([p.waitForNavigation(), p.click('#submit')]);
      return p;
    };
    const status = (p, method) => p.evaluate(async m => {
      const r = await fetch('/api/v1/billing/' + m, { method: 'POST', body: '{}',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': sessionStorage.getItem('csrf') } });
      return r.status;
    }, method);
    const orgList = p => status(p, 'org.list');

    setStep('records: tenant and operator refused');
    /* an operator lists the organisations (the debtors page picks one),
       and no more of the records */
    for (const [u, method] of [['rec-tenant', 'org.list'], ['rec-operator', 'account.list'], ['rec-operator', 'tariff.list']]) {
      const p = await signIn(u);
      const st = await status(p, method);
      expect(st === 403, u + ' got ' + st + ' from /api/v1/billing/' + method);
      await p.context().close();
    }

    const acc = await signIn('rec-accountant');
    expect(await orgList(acc) === 200, 'the accountant is refused org.list');
    /* the menu is drawn once the page knows who signed in */
    await acc.waitForSelector('nav.menu a[href="/reports.html"]', { state: 'attached' }).catch(() => {});
    const nav = await acc.$$eval('nav.menu a', as => as.map(a => a.getAttribute('href')));
    for (const h of ['/org.html', '/accounts.html', '/tariffs.html', '/reports.html'])
      expect(nav.includes(h), 'the accountant\'s menu lacks ' + h + ': ' + nav.join(' '));

    /* ---- organisations and buildings ---- */
    setStep('records: an organisation with a wrong ИНН');
    await acc.goto(URL + '/org.html');
    await present(acc, '#orgs tr');
    await acc.click('#org-new');
    const f = (sel, v) => acc.fill('#org-form [name="' + sel + '"]', v);
    await f('name', ORG);
    await f('inn', BAD_INN);
    await f('kpp', '770801001');
    await f('account', '40703810538000001234');
    await f('bik', '044525225');
    await f('corr_account', '30101810400000000225');
    await f('bank', 'ПАО Сбербанк');
    await f('address', '420111, г. Казань, ул. Рябиновая, д. 3');
    await f('due_day', '15');
    await acc.click('#org-form button[type=submit]');
    await present(acc, '#org-form [data-field="inn"].bad .ferr:not([hidden])');
    const innErr = await acc.textContent('#org-form [data-field="inn"] .ferr');
    expect(/check digit/.test(innErr) && innErr.includes(BAD_INN), 'the ИНН error: ' + innErr);
    expect(await acc.evaluate(() => document.activeElement.name) === 'inn', 'the ИНН field is not focused');
    expect(await acc.inputValue('#org-form [name="name"]') === ORG, 'the form lost the name typed');
    await shot(acc, '40-org-error');
    console.log('records: wrong ИНН refused beside the field: ' + innErr);

    setStep('records: the organisation saved');
    await f('inn', INN);
    await acc.click('#org-form button[type=submit]');
    await acc.waitForFunction(n => [...document.querySelectorAll('#orgs td.name')].some(td => td.textContent === n), ORG);
    const orgId = +(await acc.$eval('#orgs tr[data-org]:last-child', tr => tr.dataset.org));
    expect(await acc.isHidden('#org-form'), 'the form stayed open after a save');

    setStep('records: a building');
    await present(acc, '#bld-panel:not([hidden])');
    await acc.click('#bld-new');
    await acc.fill('#bld-form [name="address"]', 'г. Казань, ул. Рябиновая, д. 3');
    await acc.fill('#bld-form [name="common_area"]', '310.50');
    await acc.fill('#bld-form [name="heating_months"]', '10, 11, 12, 1, 2, 3, 4');
    await acc.click('#bld-form button[type=submit]');
    await present(acc, '#buildings tr[data-building]');
    const bldId = +(await acc.$eval('#buildings tr[data-building]', tr => tr.dataset.building));
    const bldRow = await acc.textContent('#buildings tr[data-building]');
    expect(/Рябиновая/.test(bldRow) && /Europe\/Moscow/.test(bldRow) && /310,50/.test(bldRow), 'building row: ' + bldRow);
    await shot(acc, '41-org');

    /* ---- premises and accounts ---- */
    setStep('records: premises');
    await acc.goto(URL + '/accounts.html#org=' + orgId + '&building=' + bldId);
    await present(acc, '#premises tr');
    await acc.click('#prem-new');
    await acc.fill('#prem-form [name="number"]', '12');
    await acc.fill('#prem-form [name="area"]', '48.505');
    await acc.fill('#prem-form [name="residents"]', '2');
    await acc.click('#prem-form button[type=submit]');
    await present(acc, '#prem-form [data-field="area"].bad .ferr:not([hidden])');
    const areaErr = await acc.textContent('#prem-form [data-field="area"] .ferr');
    expect(/decimals/.test(areaErr), 'the area error: ' + areaErr);
    await acc.fill('#prem-form [name="area"]', '48.50');
    await acc.click('#prem-form button[type=submit]');
    await present(acc, '#premises tr[data-number="12"]');
    const premId = +(await acc.$eval('#premises tr[data-number="12"]', tr => tr.dataset.premises));

    setStep('records: an account');
    await acc.click('#acc-new');
    await acc.fill('#acc-form [name="number"]', '400001');
    await acc.fill('#acc-form [name="holder.name"]', 'Соколова Мария Петровна');
    await acc.fill('#acc-form [name="phone"]', '+7 900 555-12-12');
    await acc.click('#hold-add');
    await acc.selectOption('#acc-form .hold .h-premises', String(premId));
    await acc.fill('#acc-form .hold .h-from', '2026-01-01');
    await acc.click('#acc-form button[type=submit]');
    await present(acc, '#accounts tr[data-number="400001"]');
    const accId = +(await acc.$eval('#accounts tr[data-number="400001"]', tr => tr.dataset.account));
    const accRow = await acc.textContent('#accounts tr[data-number="400001"]');
    expect(/Соколова Мария Петровна/.test(accRow) && /12/.test(accRow) && /01\.01\.2026/.test(accRow), 'account row: ' + accRow);
    const href = await acc.getAttribute('#accounts tr[data-number="400001"] a', 'href');
    expect(href === '/statement.html?account=' + accId, 'statement link: ' + href);

    setStep('records: search');
    const shown = () => acc.$$eval('#accounts tr[data-number]', trs => trs.map(tr => tr.dataset.number));
    for (const q of ['соколова', '400001', 'Рябиновая']) {
      await acc.fill('#q', q);
      await acc.waitForFunction(() => document.querySelectorAll('#accounts tr[data-number]').length === 1);
      expect((await shown()).join() === '400001', 'search "' + q + '": ' + (await shown()).join());
    }
    await acc.fill('#q', 'Петрова');
    await acc.waitForFunction(() => document.querySelectorAll('#accounts tr[data-number]').length === 0);
    await acc.fill('#q', 'Соколова');
    await acc.waitForFunction(() => document.querySelectorAll('#accounts tr[data-number]').length === 1);
    await shot(acc, '42-accounts');

    /* ---- tariffs ---- */
    setStep('records: a service and a tariff');
    await acc.goto(URL + '/tariffs.html#org=' + orgId);
    await present(acc, '#services tr');
    await acc.click('#service-new');
    await acc.selectOption('#service-form [name="code"]', 'cold_water');
    await acc.fill('#service-form [name="name"]', 'Холодное водоснабжение');
    await acc.selectOption('#service-form [name="unit"]', 'm3');
    await acc.click('#service-form button[type=submit]');
    await present(acc, '#services tr[data-service]');
    await acc.click('#tariff-new');
    await acc.fill('#tariff-form [name="name"]', 'Холодная вода');
    await acc.selectOption('#tariff-form [name="kind"]', 'per_unit');
    await acc.click('#tariff-form button[type=submit]');
    await present(acc, '.tl-lane[data-tariff]');
    const tariffId = +(await acc.$eval('.tl-lane[data-tariff]', d => d.dataset.tariff));

    setStep('records: two versions of prices');
    const version = async (from, to, price) => {
      await acc.click('.tl-lane[data-tariff="' + tariffId + '"] .add-version');
      await present(acc, '#version-form:not([hidden])');
      await acc.fill('#version-form [name="from"]', from);
      if (to) await acc.fill('#version-form [name="to"]', to);
      await acc.fill('#version-form [name="price"]', price);
      await acc.click('#version-form button[type=submit]');
    };
    await version('2026-01', '2026-07', '-1');
    await present(acc, '#version-form [data-field="price"].bad .ferr:not([hidden])');
    const priceErr = await acc.textContent('#version-form [data-field="price"] .ferr');
    expect(/negative/.test(priceErr), 'the price error: ' + priceErr);
    await acc.fill('#version-form [name="price"]', '42.30');
    await acc.click('#version-form button[type=submit]');
    await present(acc, '.tl-bar[data-tariff="' + tariffId + '"]');
    await version('2026-07', '', '46.10');
    await acc.waitForFunction(t => document.querySelectorAll('.tl-bar[data-tariff="' + t + '"]').length === 2, tariffId);
    const bars = await acc.$$eval('.tl-bar[data-tariff="' + tariffId + '"]', bs => bs.map(b => b.textContent));
    expect(/42,30/.test(bars[0]) && /01\.2026 – 06\.2026/.test(bars[0]) && /46,10/.test(bars[1]) && /без конца/.test(bars[1]),
      'the bars: ' + bars.join(' | '));
    await shot(acc, '43-tariffs');
    console.log('records: tariff bars: ' + bars.join(' | '));

    /* ---- reports ---- */
    setStep('records: the turnover of Берёзка');
    const berezka = await acc.evaluate(async () => (await App.rec.all('org.list', {})).find(o => /Берёзка/.test(o.name)));
    expect(berezka, 'no «Берёзка» of checks_billing.js');
    await acc.goto(URL + '/reports.html');
    await present(acc, '#org option');
    await acc.selectOption('#report', 'turnover');
    await acc.selectOption('#org', String(berezka.id));
    await acc.fill('#from', '2025-12-01');
    await acc.fill('#to', '2025-12-31');
    await acc.click('#show');
    await present(acc, '#out:not([hidden]) #table tr.totals');
    const cells = await acc.$$eval('#table tr', trs => trs.map(tr => [...tr.cells].map(c => c.textContent)));
    const row = cells.find(r => r[0] === '300001');
    expect(row && row.includes('Петрова Анна Ивановна') && row[row.length - 1] === '1\u00a0500,00', 'turnover row: ' + JSON.stringify(cells));
    const drawn = await acc.evaluate(() => { const c = window.Chart && Chart.getChart('chart');
      return c ? c.data.labels.length + ' ' + c.config.type : null; });
    expect(drawn && /^\d+ bar$/.test(drawn) && !(await acc.isHidden('#chart-panel')), 'the chart: ' + drawn);

    setStep('records: the report as files');
    for (const [fmt, magic] of [['csv', '\ufeff'], ['xlsx', 'PK'], ['pdf', '%PDF']]) {
      const [dl] = await Promise.all([acc.waitForEvent('download'), acc.click('#' + fmt)]);
      const file = path.join(OUT, 'turnover.' + fmt);
      await dl.saveAs(file);
      const head = fs.readFileSync(file).subarray(0, 4);
      const ok = fmt === 'csv' ? head.toString('utf8').startsWith(magic) : head.toString('latin1').startsWith(magic);
      expect(ok && new RegExp('^turnover-.*\\.' + fmt + '$').test(dl.suggestedFilename()),
        fmt + ': ' + dl.suggestedFilename() + ' starts ' + JSON.stringify(head.toString('latin1')));
      if (fmt === 'csv') {
        const csv = fs.readFileSync(file, 'utf8');
        expect(/300001;/.test(csv) && /1500,00/.test(csv), 'turnover CSV: ' + csv.slice(0, 300));
      }
    }

    setStep('records: the debtors report of Берёзка');
    await acc.selectOption('#report', 'debtors');
    await acc.click('#show');
    await acc.waitForFunction(() => /Должники|Debtors/.test(document.getElementById('title').textContent) &&
      [...document.querySelectorAll('#table td')].some(td => td.textContent === '300001'));
    const ages = await acc.evaluate(() => { const c = Chart.getChart('chart');
      return c ? c.data.datasets.map(d => d.data[0]).filter(x => x > 0).length : -1; });
    expect(ages > 0, 'the debtors chart draws no age of the debt: ' + ages);
    await shot(acc, '44-reports');

    setStep('records: a report refused beside its field');
    await acc.selectOption('#report', 'charges');
    await acc.fill('#period', '2019-01');
    await acc.click('#show');
    await present(acc, '#ask [data-field="period"].bad .ferr:not([hidden])');
    const periodErr = await acc.textContent('#ask [data-field="period"] .ferr');
    expect(/no run for 2019-01/.test(periodErr), 'the period error: ' + periodErr);
    expect(await acc.isHidden('#out'), 'a refused report left the table of the one before');

    /* ---- a phone ---- */
    setStep('records: a phone');
    const phone = await signIn('rec-accountant', { width: 390, height: 844 });
    const pages = [['/org.html#org=' + orgId, '#buildings tr[data-building]', '45-org-phone'],
      ['/accounts.html#org=' + orgId + '&building=' + bldId, '#accounts tr[data-number="400001"]', '46-accounts-phone'],
      ['/tariffs.html#org=' + orgId, '.tl-bar[data-tariff="' + tariffId + '"]', '47-tariffs-phone'],
      ['/reports.html', '#org option', '48-reports-phone']];
    for (const [p, sel, name] of pages) {
      await phone.goto(URL + p);
      await present(phone, sel);
      if (name === '48-reports-phone') {
        await phone.selectOption('#org', String(berezka.id));
        await phone.fill('#from', '2025-12-01');
        await phone.fill('#to', '2025-12-31');
        await phone.click('#show');
        await present(phone, '#table tr.totals');
      }
      const w = await phone.evaluate(() => document.documentElement.scrollWidth);
      expect(w <= 390, p + ' is ' + w + ' px wide on a 390 px phone');
      await shot(phone, name);
    }
  } catch (e) {
    /* what our own browser's pages showed when the step failed */
    for (const [i, p] of browser.contexts().flatMap(c => c.pages()).entries()) await shot(p, 'FAILED-records-' + i).catch(() => {});
    throw e;
  } finally {
    await browser.close();
  }
};
