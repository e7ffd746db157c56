/*
 * checks_billing.js - the accountant's pages of issue 16 in the browser,
 * signed in as admin, against the amr-billing test_web_e2e.c starts:
 *
 *  - the debtors page says when no organisation is kept yet;
 *  - an organisation, a building, a flat and its account are made through
 *    POST /api/v1/billing/{method} as a page makes them (App.api, with
 *    the CSRF token), with an opening debt of a month long past due;
 *  - the debtors page then lists that account with its payer, its flat,
 *    the debt in roubles as Russian writes them ("1 500,00") and the
 *    penalties, in a row of its own, and at 390 px it is no wider than
 *    the phone.
 *
 * Called by portal.test.js main() after checks_b.js; throws on the first
 * failure.
 */
'use strict';

module.exports = async function (ctx) {
  const { page, URL, present, shot, setStep } = ctx;
  const expect = (ok, what) => { if (!ok) throw new Error(what); };
  const call = (method, body) => page.evaluate(([m, b]) => App.api('POST', '/api/v1/billing/' + m, b), [method, body]);

  setStep('debtors: no organisation');
  await page.goto(URL + '/debtors.html');
  await page.waitForFunction(() => /Организаций в учёте нет/.test(document.getElementById('summary').textContent));

  setStep('debtors: records through the billing route');
  const org = await call('org.create', { name: 'ТСЖ «Берёзка»', inn: '7707083893', kpp: '773601001',
    account: '40703810538000001234', bank: 'ПАО Сбербанк', bik: '044525225', corr_account: '30101810400000000225',
    reason: 'e2e' });
  await call('rate.create', { org: org.id, kind: 'key_rate', from: '2020-01-01', rate: '16.00', reason: 'e2e' });
  const bld = await call('building.create', { org: org.id, address: 'г. Казань, ул. Ленина, д. 5', tz: 'Europe/Moscow' });
  const flat = await call('premises.create', { building: bld.id, number: '7', kind: 'flat', area: '54.30', residents: 2 });
  const acc = await call('account.create', { org: org.id, number: '300001', holder: { type: 'person', name: 'Петрова Анна Ивановна' },
    premises: [{ premises: flat.id, from: '2020-01-01' }] });
  await call('account.opening', { account: acc.id, reason: 'from the old system', date: '2025-12-31',
    items: [{ period: '2025-11', amount: '1500.00' }] });

  setStep('debtors: the account listed');
  await page.goto(URL + '/debtors.html');
  await present(page, '#debtors tr[data-account="300001"]');
  const row = await page.$eval('#debtors tr[data-account="300001"]', tr => [...tr.cells].map(c => c.textContent));
  expect(row[1] === 'Петрова Анна Ивановна', 'payer: ' + row.join(' | '));
  expect(/7/.test(row[2]), 'premises: ' + row.join(' | '));
  expect(row[3] === '1\u00a0500,00', 'overdue: ' + row.join(' | '));
  expect(/^\d[\d\u00a0]*,\d\d$/.test(row[8]) && row[8] !== '0,00', 'penalties: ' + row.join(' | '));
  const summary = await page.textContent('#summary');
  expect(/Должников: 1, просрочено 1\u00a0500,00 ₽/.test(summary), 'summary: ' + summary);
  await shot(page, '30-debtors');

  setStep('debtors: the report as a file');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#csv')]);
  const csvPath = require('path').join(ctx.OUT, 'debtors.csv');
  await download.saveAs(csvPath);
  expect(/^debtors-.*\.csv$/.test(download.suggestedFilename()), 'file name: ' + download.suggestedFilename());
  const csv = require('fs').readFileSync(csvPath, 'utf8');
  expect(csv.charCodeAt(0) === 0xfeff && /300001;"?Петрова Анна Ивановна"?;/.test(csv) && /1500,00/.test(csv),
    'debtors CSV: ' + csv.slice(0, 400));

  setStep('debtors: a phone');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(URL + '/debtors.html');
  await present(page, '#debtors tr[data-account="300001"]');
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(w <= 390, 'debtors page is ' + w + ' px wide on a 390 px phone');
  await shot(page, '31-debtors-phone');
  await page.setViewportSize({ width: 1366, height: 900 });
};
