/*
 * checks_restrict.js - a restriction for debt from the debtors page to the
 * simulated UO-4 and back (docs/restrictions.md), with the people who do
 * each step signed in in their own browsers:
 *
 *  - the admin keeps ТСЖ «Ромашка»: flat 21 with a hot water meter whose
 *    supply output 1.2.2 cuts (device 2 of the simulator), owing 5000.00
 *    past due against two months at the norm of 1898.00; flat 22 likewise
 *    on output 1.3.2;
 *  - a proposal for heating is refused with the rule in Russian, and the
 *    admin who proposed flat 22's restriction may not approve it himself
 *    (the two-person rule);
 *  - the accountant proposes flat 21's from the debtor's row and enters the
 *    notice as handed over 21 days ago; sending it by e-mail and SMS is
 *    refused in Russian (the account has neither); an accountant may not
 *    approve (403);
 *  - an operator limited to flat 22's UO-4 may not approve flat 21's
 *    (403 naming the output), before anything is asked of the gateway,
 *    nor see it (not in his list, 404 by its id);
 *  - the operator approves: the case shows restricted with its block done,
 *    and the simulator's output 2 of device 2 is on;
 *  - the debt is paid: amr-billing lifts the case by itself, the output is
 *    off again, and the page says it was lifted because the debt was paid;
 *  - the summary per building shows Ромашка's debt left (flat 22's), its
 *    gateway on line and its house cold water meter this month, to the
 *    operator and to the admin.
 *
 * Called by portal.test.js main() after checks_billing.js, signed in as
 * admin on ctx.page; throws on the first failure.
 */
'use strict';

module.exports = async function (ctx) {
  const { page, URL, present, shot, until, simCtl, setStep } = ctx;
  const expect = (ok, what) => { if (!ok) throw new Error(what); };
  const call = (p, method, body) => p.evaluate(([m, b]) => App.api('POST', '/api/v1/billing/' + m, b), [method, body]);
  const refused = (p, method, body) => p.evaluate(([m, b]) => App.api('POST', '/api/v1/billing/' + m, b)
    .then(() => null, e => ({ status: e.status, code: e.code, message: e.message })), [method, body]);
  /* a day in the site's zone, days from today, as YYYY-MM-DD */
  const siteDay = days => new Date(Date.now() + days * 86400000).toLocaleDateString('sv-SE', { timeZone: 'Europe/Moscow' });
  const outputs = async dev => (await simCtl('status ' + dev)).match(/ outputs=(\S+)/)[1];

  setStep('restrict: the records');
  const user = async (name, role, objects) => page.evaluate(async ([u, r, o]) => {
    const res = await fetch('/api/v1/users', { method: 'POST', headers: { 'Content-Type': 'application/json',
      'X-CSRF-Token': sessionStorage.getItem('csrf') }, body: JSON.stringify(o ? { user: u, role: r, objects: o } : { user: u, role: r }) });
    return res.status === 201 ? (await res.json()).password : 'HTTP ' + res.status;
  }, [name, role, objects]);
  const accPw = await user('r-accountant', 'accountant');
  const opPw = await user('r-operator', 'operator');
  /* an operator of flat 22's UO-4 alone: flat 21's valve is not his */
  const farPw = await user('r-op-22', 'operator', ['1.3']);
  expect(!/^HTTP/.test(accPw) && !/^HTTP/.test(opPw) && !/^HTTP/.test(farPw), 'users: ' + accPw + ' ' + opPw + ' ' + farPw);
  const org = await call(page, 'org.create', { name: 'ТСЖ «Ромашка»', inn: '5003021174', kpp: '500301001',
    account: '40703810538000001234', bank: 'ПАО Сбербанк', bik: '044525225', corr_account: '30101810400000000225' });
  await call(page, 'rate.create', { org: org.id, kind: 'key_rate', from: '2020-01-01', rate: '16.00' });
  const bld = await call(page, 'building.create', { org: org.id, address: 'г. Тверь, ул. Мира, д. 3', tz: 'Europe/Moscow', objects: [1],
    house_meters: [{ resource: 'cold_water', channel: '1.4.1', from: '2020-01-01' }] });
  const hw = await call(page, 'service.create', { org: org.id, code: 'hot_water', name: 'Горячая вода', unit: 'm3', norm: '4.745' });
  await call(page, 'service.create', { org: org.id, code: 'heat', name: 'Отопление', unit: 'Gcal' });
  const tariff = await call(page, 'tariff.create', { org: org.id, service: hw.id, name: 'ГВС', kind: 'per_unit' });
  await call(page, 'tariff.version.create', { tariff: tariff.id, from: '2020-01-01', price: '200.00' });
  for (const [n, dev] of [['21', 2], ['22', 3]]) {
    const flat = await call(page, 'premises.create', { building: bld.id, number: n, kind: 'flat', area: '40.00', residents: 1 });
    await call(page, 'meter.create', { premises: flat.id, service: hw.id, channel: '1.' + dev + '.2', output: '1.' + dev + '.2', from: '2020-01-01' });
    const acc = await call(page, 'account.create', { org: org.id, number: 'R-' + n,
      holder: { type: 'person', name: n === '21' ? 'Смирнов Олег Петрович' : 'Кузнецова Мария Сергеевна' },
      premises: [{ premises: flat.id, from: '2020-01-01' }] });
    await call(page, 'account.opening', { account: acc.id, reason: 'from the old system', date: '2025-12-31',
      items: [{ period: '2025-10', amount: '5000.00' }] });
  }

  setStep('restrict: what the rules refuse');
  const heat = await refused(page, 'restriction.propose', { org: org.id, number: 'R-21', service: 'heat' });
  expect(heat && heat.status === 400 && /^service: heating may never be restricted/.test(heat.message), 'heating: ' + JSON.stringify(heat));
  await page.goto(URL + '/debtors.html');
  await page.selectOption('#org', String(org.id));
  await page.click('#show');
  await present(page, '#debtors tr[data-account="R-22"] button.propose[data-service="hot_water"]');
  await page.evaluate(() => Restrictions.propose('R-21', 'heat'));
  await page.waitForFunction(() => /Отопление ограничивать нельзя/.test(document.getElementById('rmsg').textContent));
  await page.click('#debtors tr[data-account="R-22"] button.propose');
  await present(page, '#restrictions tr[data-account="R-22"][data-state="proposed"]');
  const own = '#restrictions tr[data-account="R-22"]';
  await page.fill(own + ' input.delivered', siteDay(-21));
  await page.click(own + ' button[data-act="notice"]');
  await present(page, own + '[data-state="noticed"]');
  await page.click(own + ' button[data-act="approve"]');
  await page.waitForFunction(() => /Правило двух лиц/.test(document.getElementById('rmsg').textContent));
  expect(await page.getAttribute(own, 'data-state') === 'noticed', 'the proposer\'s own approval changed the case');

  /* the accountant and the operator each in a browser of their own */
  const signIn = async (name, pw) => {
    const c = await page.context().browser().newContext({ viewport: { width: 1366, height: 900 } });
    const p = await c.newPage();
    p.setDefaultTimeout(15000);
    await p.goto(URL + '/login.html');
    await p.type('#user', name);
    await p.type('#password', pw);
    await Promise.all([p.waitForNavigation(), p.click('#submit')]);
    await p.goto(URL + '/debtors.html');
    await present(p, '#org option[value="' + org.id + '"]');
    await p.selectOption('#org', String(org.id));
    await p.click('#show');
    return p;
  };

  setStep('restrict: the accountant proposes and records the notice');
  const acc = await signIn('r-accountant', accPw);
  const mine = '#restrictions tr[data-account="R-21"]';
  await acc.click('#debtors tr[data-account="R-21"] button.propose[data-service="hot_water"]');
  await present(acc, mine + '[data-state="proposed"]');
  await acc.fill(mine + ' input.delivered', siteDay(-21));
  await acc.selectOption(mine + ' select.how', 'hand');
  await acc.fill(mine + ' input.reason', 'уведомление вручено под подпись');
  await acc.click(mine + ' button[data-act="notice"]');
  await present(acc, mine + '[data-state="noticed"]');
  /* the notice by e-mail and SMS: R-21's account has neither address */
  await acc.click(mine + ' button[data-act="send"]');
  await acc.waitForFunction(() => !document.getElementById('rmsg').hidden);
  const noAddr = await acc.textContent('#rmsg');
  expect(/нет ни e-mail, ни телефона/.test(noAddr), 'the notice sent without an address: ' + noAddr);
  expect(await acc.$(mine + ' .msg-state') === null, 'a message was recorded without an address');
  expect(await acc.$(mine + ' button[data-act="approve"]') === null, 'the accountant is offered the approval');
  const id = +(await acc.getAttribute(mine, 'data-restriction'));
  const byAcc = await refused(acc, 'restriction.approve', { id });
  expect(byAcc && byAcc.status === 403, 'an accountant approved: ' + JSON.stringify(byAcc));
  await shot(acc, '50-restriction-noticed');

  setStep('restrict: an operator of another flat may not approve');
  const far = await signIn('r-op-22', farPw);
  const byFar = await refused(far, 'restriction.approve', { id });
  expect(byFar && byFar.status === 403 && /outputs: 1\.2\.2/.test(byFar.message),
    'an operator of flat 22 approved flat 21\'s restriction: ' + JSON.stringify(byFar));
  /* nor does he see it: not in his list, and no such case when asked by id */
  const farList = await far.evaluate(o => App.api('POST', '/api/v1/billing/restriction.list', { org: o }), org.id);
  expect(!farList.restrictions.some(r => r.id === id), 'flat 21\'s case is in the list of flat 22\'s operator');
  const farGet = await refused(far, 'restriction.get', { id });
  expect(farGet && farGet.status === 404, 'flat 21\'s case shown to flat 22\'s operator: ' + JSON.stringify(farGet));
  await far.context().close();

  setStep('restrict: the operator approves; the output is blocked');
  expect(await outputs(2) === '0000', 'device 2 outputs before: ' + await outputs(2));
  const op = await signIn('r-operator', opPw);
  await present(op, mine + '[data-state="noticed"]');
  await op.click(mine + ' button[data-act="approve"]');
  await present(op, mine + '[data-state="restricted"] .cmd[data-cmd="block"][data-state="done"]', 30000);
  const blocked = await until(async () => (await outputs(2)) === '0100' ? true : null, 20000, 'output 2 of device 2 on');
  expect(blocked, 'device 2 not blocked');
  console.log('restriction ' + id + ': approved by r-operator, output 1.2.2 blocked on the simulator');
  await shot(op, '51-restriction-restricted');

  setStep('restrict: the debt paid lifts it');
  await call(page, 'payment.create', { org: org.id, number: 'R-21', date: siteDay(0), amount: '5000.00', reason: 'оплата долга' });
  await until(async () => (await outputs(2)) === '0000' ? true : null, 60000, 'output 2 of device 2 off again');
  await until(async () => {
    const c = await call(op, 'restriction.get', { id });
    return c.state === 'lifted' ? c : null;
  }, 30000, 'restriction ' + id + ' lifted');
  await op.reload();
  await op.selectOption('#org', String(org.id));
  await op.click('#show');
  await present(op, mine + '[data-state="lifted"] .cmd[data-cmd="unblock"][data-state="done"]');
  const text = await op.textContent(mine);
  expect(/снято само: долг оплачен/.test(text), 'lifted row: ' + text);
  console.log('restriction ' + id + ': the debt paid, lifted by itself, output 1.2.2 off');
  await shot(op, '52-restriction-lifted');

  setStep('restrict: a phone');
  await op.setViewportSize({ width: 390, height: 844 });
  await op.reload();
  await op.selectOption('#org', String(org.id));
  await op.click('#show');
  await present(op, mine);
  const w = await op.evaluate(() => document.documentElement.scrollWidth);
  expect(w <= 390, 'the debtors page with restrictions is ' + w + ' px wide at 390');
  await shot(op, '53-restriction-phone');

  setStep('summary: the building at a glance');
  await op.setViewportSize({ width: 1366, height: 900 });
  for (const p of [op, page]) {
    await p.goto(URL + '/summary.html');
    await present(p, '#cards section[data-building="' + bld.id + '"] tr[data-resource="cold_water"]');
  }
  const card = await op.textContent('#cards section[data-building="' + bld.id + '"]');
  expect(/Долг 5\u00a0000,00 ₽ \(1 сч\.\)/.test(card), 'summary debt: ' + card);
  expect(/Шлюзы на связи: 1 из 1/.test(card) && /Тревог: \d+/.test(card), 'summary gateways: ' + card);
  expect(/холодная вода\s*[\d\u00a0]+,\d{3}\u00a0м³/.test(card), 'summary consumption: ' + card);
  console.log('summary: ' + card.replace(/\s+/g, ' ').slice(0, 200));
  await shot(op, '54-summary');
  await acc.context().close();
  await op.context().close();
};
