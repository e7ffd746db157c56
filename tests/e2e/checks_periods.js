/*
 * checks_periods.js - the billing periods page in the browser, as an
 * accountant, on an organisation of its own (ИНН 6312105786) so that the
 * other checks' records stay as they are:
 *
 *  - a building without meters, two flats with their accounts and a
 *    maintenance service priced per m² (so a run needs no readings) are
 *    made through POST /api/v1/billing/{method} as admin, and an
 *    accountant is made and signs in;
 *  - the month before last is drafted from the page (the button disabled
 *    while it works), its summary shown, issued once confirmed: the runs
 *    list then says issued, and the account's statement
 *    (/statement.html?account=ID) shows the charge and the closing balance;
 *    the invoices page opens that invoice with its line, its receipt's QR
 *    (pdftoppm, zbarimg) holds the account and the sum in kopecks, and the
 *    building's receipts come as one PDF of 2 pages, and e-mailing them
 *    (confirmed in a dialog) says neither account has an address;
 *  - one flat's area grows and a new fixed charge starts; last month is
 *    drafted and compared: the grown flat's account shows both totals and
 *    the difference, its lines the changed maintenance line and the new
 *    line, the other account unchanged;
 *  - on the payments page a payment's bad amount is refused beside the
 *    field, then entered; a registry (one line matched, one unknown
 *    account, one bad line) is previewed in its groups, applied, and
 *    imported again shows its lines skipped; a payment is reversed (not
 *    without a reason), the suspense line assigned, and the statement
 *    shows it all with the right closing balance;
 *  - at 390 px the pages are no wider than the phone.
 *
 * Called by portal.test.js main() after checks_billing.js; signs in as
 * admin again at the end; throws on the first failure.
 */
'use strict';
const { execFileSync } = require('child_process');
const path = require('path');

module.exports = async function (ctx) {
  const { page, URL, PW, present, shot, setStep } = ctx;
  const expect = (ok, what) => { if (!ok) throw new Error(what); };
  const call = (method, body) => page.evaluate(([m, b]) => App.api('POST', '/api/v1/billing/' + m, b), [method, body]);
  const signIn = async (user, pw) => {
    await Promise.all([page.waitForNavigation(), page.evaluate(() => document.getElementById('logout').click())]);
    await present(page, '#login');
    await page.type('#user', user);
    await page.type('#password', pw);
    await Promise.all([page.waitForNavigation(), page.click('#submit')]);
  };
  /* the two months just over in the site's zone: billed, then compared */
  const months = await page.evaluate(() => {
    const d = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Moscow', year: 'numeric', month: '2-digit' }).format(new Date());
    const [y, m] = d.split('-').map(Number);
    const at = n => { const i = y * 12 + m - 1 - n; return Math.floor(i / 12) + '-' + String(i % 12 + 1).padStart(2, '0'); };
    return [at(2), at(1)];
  });
  const [P1, P2] = months;
  /* the page at 390 px: no wider than the phone, and its picture */
  const phone = async (name, what) => {
    await page.setViewportSize({ width: 390, height: 844 });
    const w = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(w <= 390, what + ' is ' + w + ' px wide on a 390 px phone');
    await shot(page, name);
    await page.setViewportSize({ width: 1366, height: 900 });
  };

  setStep('periods: records');
  await page.goto(URL + '/index.html');
  const org = await call('org.create', { name: 'ТСЖ «Клён»', inn: '6312105786', kpp: '631201001',
    account: '40703810703800004321', bank: 'ПАО Сбербанк', bik: '044525225', corr_account: '30101810400000000225', reason: 'e2e periods' });
  await call('rate.create', { org: org.id, kind: 'key_rate', from: '2020-01-01', rate: '16.00', reason: 'e2e periods' });
  const bld = await call('building.create', { org: org.id, address: 'г. Самара, ул. Кленовая, д. 7', tz: 'Europe/Moscow' });
  const f1 = await call('premises.create', { building: bld.id, number: '1', kind: 'flat', area: '50.00', residents: 2 });
  const f2 = await call('premises.create', { building: bld.id, number: '2', kind: 'flat', area: '40.00', residents: 1 });
  const acc1 = await call('account.create', { org: org.id, number: '510001', holder: { type: 'person', name: 'Гаврилова Ирина Павловна' },
    premises: [{ premises: f1.id, from: '2020-01-01' }] });
  await call('account.create', { org: org.id, number: '510002', holder: { type: 'person', name: 'Орлов Денис Сергеевич' },
    premises: [{ premises: f2.id, from: '2020-01-01' }] });
  const svc = await call('service.create', { org: org.id, code: 'maintenance', name: 'Содержание жилья', unit: 'm2' });
  const tar = await call('tariff.create', { org: org.id, service: svc.id, name: 'Содержание', kind: 'per_area' });
  await call('tariff.version.create', { tariff: tar.id, from: P1 + '-01', price: '30.00' });
  const pw = await page.evaluate(async () => {
    const r = await fetch('/api/v1/users', { method: 'POST', headers: { 'Content-Type': 'application/json',
      'X-CSRF-Token': sessionStorage.getItem('csrf') }, body: JSON.stringify({ user: 'accperiods', role: 'accountant' }) });
    return (await r.json()).password;
  });
  expect(pw, 'accperiods not created');
  await signIn('accperiods', pw);

  setStep('periods: draft of ' + P1);
  await page.goto(URL + '/periods.html');
  await present(page, '#org option[value="' + org.id + '"]');
  await page.selectOption('#org', String(org.id));
  await page.waitForFunction(id => document.getElementById('building').value === String(id), bld.id);
  await page.fill('#period', P1);
  await page.click('#draft');
  /* the button is disabled while amr-billing works, and given back once the month is shown */
  await page.waitForFunction(() => document.getElementById('run').dataset.state === 'draft' &&
    !document.getElementById('draft').disabled && document.getElementById('progress').hidden);
  const facts = await page.textContent('#run-facts');
  expect(/Счетов\s*2/.test(facts) && /2\u00a0700,00/.test(facts), 'draft summary: ' + facts);
  await present(page, '#no-warnings');

  setStep('periods: issue ' + P1);
  await page.click('#issue');
  await present(page, '#issue-dialog[open]');
  await page.fill('#issue-reason', 'счета за ' + P1);
  await shot(page, '60-periods-issue');
  await page.click('#issue-ok');
  await present(page, '#runs tr[data-period="' + P1 + '"][data-state="issued"]');
  await page.waitForFunction(() => document.getElementById('run').dataset.state === 'issued');
  expect(await page.$eval('#issue', b => b.hidden), 'an issued month still offers the issue');

  setStep('periods: the statement shows the charge');
  await page.goto(URL + '/statement.html?account=' + acc1.id);
  await present(page, '#entries tr[data-kind="charge"]');
  const charge = await page.$eval('#entries tr[data-kind="charge"]', tr => [...tr.cells].map(c => c.textContent));
  expect(charge[2] === '1\u00a0500,00' && /^\d\d\.\d{4}$/.test(charge[3]), 'charge entry: ' + charge.join(' | '));
  const title = await page.textContent('#stm-title');
  expect(/510001, Гаврилова Ирина Павловна/.test(title), 'statement title: ' + title);
  const closing = await page.textContent('#closing');
  expect(closing === '1\u00a0500,00 ₽', 'closing balance: ' + closing);
  await shot(page, '63-statement');

  setStep('periods: invoices and receipts of ' + P1);
  await page.goto(URL + '/invoices.html?building=' + bld.id + '&period=' + P1);
  await present(page, '#invoices tr[data-account="510001"]');
  await page.click('#invoices tr[data-account="510001"]');
  await present(page, '#inv-premises tr[data-code="maintenance"]');
  const line = await page.$eval('#inv-premises tr[data-code="maintenance"]', tr => [...tr.cells].map(c => c.textContent));
  expect(line[2] === '50,00\u00a0м²' && line[3] === '30,00' && line[4] === '1\u00a0500,00', 'invoice line: ' + line.join(' | '));
  await shot(page, '64-invoices');
  const save = async (button, name) => {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
    const file = path.join(ctx.OUT, name);
    await dl.saveAs(file);
    return file;
  };
  const one = await save('#receipt', 'periods-receipt.pdf');
  execFileSync('pdftoppm', ['-r', '150', '-png', '-f', '1', '-l', '1', '-singlefile', one, one.replace(/\.pdf$/, '')]);
  const qr = execFileSync('zbarimg', ['--raw', '-q', one.replace(/\.pdf$/, '.png')], { encoding: 'utf8' }).trim();
  expect(/^ST00012\|/.test(qr) && /\|PersAcc=510001\|/.test(qr) && /\|Sum=150000\|/.test(qr) && /\|PayeeINN=6312105786\|/.test(qr),
    'receipt QR: ' + qr);
  const all = await save('#all-receipts', 'periods-receipts.pdf');
  const pages = (execFileSync('pdfinfo', [all], { encoding: 'utf8' }).match(/^Pages:\s+(\d+)/m) || [])[1];
  expect(pages === '2', 'the building\'s receipts PDF has ' + pages + ' pages, not 2');
  /* e-mailed after a confirmation: neither account has an address, and the page says whose */
  await page.click('#email-receipts');
  await page.click('#email-ok');
  await page.waitForFunction(() => !document.getElementById('email-msg').hidden);
  const mailed = await page.textContent('#email-msg');
  expect(/^Поставлено в очередь: 0; отправлялись раньше: 0; без e-mail: 2 \(510001, 510002\)\.$/.test(mailed),
    'receipts e-mailed: ' + mailed);
  expect(await page.getAttribute('#invoices tr[data-account="510001"] td[data-mail]', 'data-mail') === 'none',
    'the e-mail column of 510001');
  await phone('64-invoices-phone', 'the invoices page');
  await page.goto(URL + '/periods.html');
  await present(page, '#org option[value="' + org.id + '"]');
  await page.selectOption('#org', String(org.id));
  await present(page, '#runs tr[data-period="' + P1 + '"][data-state="issued"]');

  setStep('periods: ' + P2 + ' against ' + P1);
  await call('premises.update', { id: f1.id, area: '60.00', reason: 'обмер БТИ' });
  const svc2 = await call('service.create', { org: org.id, code: 'other', name: 'Домофон', unit: 'month' });
  const tar2 = await call('tariff.create', { org: org.id, service: svc2.id, name: 'Домофон', kind: 'fixed' });
  await call('tariff.version.create', { tariff: tar2.id, from: P2 + '-01', price: '50.00' });
  await page.fill('#period', P2);
  await page.click('#draft');
  await page.waitForFunction(p => document.getElementById('run').dataset.state === 'draft' &&
    /2\u00a0700,00/.test(document.getElementById('compare-summary').textContent), P2);
  const row = sel => page.$eval(sel, tr => [...tr.cells].map(c => c.textContent));
  const a1 = await row('#compare tr.acct[data-account="510001"]');
  expect(a1[2] === '1\u00a0500,00' && a1[3] === '1\u00a0850,00' && a1[4] === '+350,00', 'account 510001: ' + a1.join(' | '));
  expect(await page.$eval('#compare tr.acct[data-account="510001"]', tr => tr.dataset.fate) === 'changed', '510001 not marked changed');
  const a2 = await row('#compare tr.acct[data-account="510002"]');
  expect(a2[4] === '+50,00', 'account 510002: ' + a2.join(' | '));
  await page.click('#compare tr.acct[data-account="510001"]');
  await present(page, '#compare tr.detail tr[data-fate="changed"]');
  const changed = await row('#compare tr.detail tr[data-fate="changed"]');
  expect(/Содержание/.test(changed[1]) && changed[3] === '50,00\u00a0м²' && changed[4] === '1\u00a0500,00' && changed[7] === '1\u00a0800,00',
    'changed line: ' + changed.join(' | '));
  const added = await row('#compare tr.detail tr[data-fate="new"]');
  expect(/Домофон/.test(added[1]) && added[7] === '50,00' && added[2] === '—', 'new line: ' + added.join(' | '));
  const sum = await page.textContent('#compare-summary');
  expect(/разница \+400,00/.test(sum), 'comparison summary: ' + sum);
  await shot(page, '61-periods-compare');

  setStep('payments: one entered, its error beside the field');
  await page.goto(URL + '/payments.html');
  await present(page, '#org option[value="' + org.id + '"]');
  await page.selectOption('#org', String(org.id));
  await page.waitForFunction(() => !document.getElementById('susp-empty').hidden);
  await page.fill('#pay-number', '510001');
  await page.fill('#pay-amount', '12,345');
  await page.click('#pay-ok');
  await present(page, '.field-error[data-for="amount"]');
  await page.fill('#pay-amount', '500');
  await page.fill('#pay-payer', 'Гаврилова И. П.');
  await page.click('#pay-ok');
  await present(page, '#recent tr[data-account="510001"][data-kind="payment"]');
  expect(!await page.$('.field-error'), 'the amount error stays after the payment went in');

  setStep('payments: a registry previewed, applied, imported again');
  const today = await page.evaluate(() => App.Bill.today());
  const ru = today.split('-').reverse().join('.');
  const csv = 'Дата;Номер;ЛС;Сумма;Период;Плательщик\n' +
    ru + ';E2E-P1;510002;700,00;' + P1.slice(5) + P1.slice(0, 4) + ';Орлов Д. С.\n' +
    ru + ';E2E-P2;599999;300,00;;Неизвестный\n' +
    ru + ';E2E-P3;510001;12,345;;Ошибка\n';
  const registry = { name: 'reestr-e2e.txt', mimeType: 'text/plain', buffer: Buffer.from(csv, 'utf8') };
  await page.setInputFiles('#imp-file', registry);
  await page.click('#imp-preview');
  await present(page, '#imp-summary[data-state="preview"]');
  const fates = () => page.$$eval('#imp-lines tr[data-result]', trs => trs.map(tr => tr.dataset.line + ':' + tr.dataset.result).join(' '));
  expect(await fates() === '2:taken 3:suspense 4:refused', 'preview: ' + await fates());
  const why = await page.textContent('#imp-lines tr[data-result="refused"]');
  expect(/amount/.test(why), 'refused line without its reason: ' + why);
  await shot(page, '65-payments-preview');
  await page.click('#imp-apply');
  await present(page, '#imp-summary[data-state="applied"]');
  await present(page, '#susp tr[data-reference="E2E-P2"]');
  await page.setInputFiles('#imp-file', registry);
  await page.click('#imp-preview');
  await page.waitForFunction(() => document.querySelectorAll('#imp-lines tr[data-result="skipped"]').length === 2);
  expect(await fates() === '2:skipped 3:skipped 4:refused', 'imported again: ' + await fates());
  expect(await page.$eval('#imp-apply', b => b.hidden), 'nothing new, yet apply is offered');

  setStep('payments: a reversal needs its reason');
  await page.click('#recent tr[data-account="510001"][data-kind="payment"] button.reverse');
  await present(page, '#reverse-dialog[open]');
  await page.click('#reverse-ok');
  expect(await page.$('#reverse-dialog[open]') && await page.$eval('#reverse-dialog .dlg-error', e => !e.hidden), 'reversed without a reason');
  await page.fill('#reverse-reason', 'платёж введён дважды');
  await page.click('#reverse-ok');
  await present(page, '#recent tr[data-account="510001"][data-kind="reversal"]');

  setStep('payments: the suspense line assigned');
  await page.click('#susp tr[data-reference="E2E-P2"] button.assign');
  await present(page, '#assign-dialog[open]');
  await page.fill('#assign-number', '510001');
  await page.fill('#assign-reason', 'плательщик позвонил: это кв. 1');
  await page.click('#assign-ok');
  await page.waitForFunction(() => !document.querySelector('#susp tr[data-reference="E2E-P2"]'));
  await shot(page, '66-payments');
  await page.setViewportSize({ width: 390, height: 844 });
  const pw390 = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(pw390 <= 390, 'payments page is ' + pw390 + ' px wide on a 390 px phone');
  await shot(page, '67-payments-phone');
  await page.setViewportSize({ width: 1366, height: 900 });

  setStep('payments: the statement adds up');
  await page.goto(URL + '/statement.html?account=' + acc1.id);
  await present(page, '#entries tr[data-kind="reversal"]');
  const kinds = await page.$$eval('#entries tr[data-kind]', trs => trs.map(tr => tr.dataset.kind + ' ' + tr.cells[2].textContent));
  expect(kinds.join(', ') === 'charge 1\u00a0500,00, payment -500,00, reversal 500,00, payment -300,00', 'statement: ' + kinds.join(', '));
  const close2 = await page.textContent('#closing');
  expect(close2 === '1\u00a0200,00 ₽', 'closing balance after the payments: ' + close2);
  await shot(page, '68-statement-payments');
  await phone('69-statement-phone', 'the statement page');

  setStep('periods: a phone');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(URL + '/periods.html');
  await present(page, '#org option[value="' + org.id + '"]');
  await page.selectOption('#org', String(org.id));
  await present(page, '#compare tr.acct[data-account="510001"]');
  await page.click('#compare tr.acct[data-account="510001"]');
  await present(page, '#compare tr.detail');
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(w <= 390, 'periods page is ' + w + ' px wide on a 390 px phone');
  await shot(page, '62-periods-phone');
  await page.setViewportSize({ width: 1366, height: 900 });
  await signIn('admin', PW);
};
