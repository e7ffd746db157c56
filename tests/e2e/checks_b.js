/*
 * checks_b.js - the portal's checks for issue 12, points 6, 10 and 12,
 * at 1366 px (the suite's page):
 *
 *  - services: amr-billing and amr-notify say they serve nothing yet, the
 *    others what they serve; none is shown as a healthy "online" that does
 *    nothing;
 *  - outputs and alarms by their meaning: the block dialog names the flat
 *    and the output's label, a silent device's alarm and event name the
 *    flat, audit lines name the flat and the output;
 *  - the registry edits what each output drives, and the status page
 *    shows it;
 *  - the status page groups channels by device (the flat's label), has a
 *    search box and a resource filter;
 *  - no "zero" on the channel rows: zeroing is in a channel's menu,
 *    confirmed, for admins only;
 *  - an offline gateway (object 9: its feed stopped, an offline status):
 *    last known values with their age, "responded" not "responding", the
 *    LCD as last known, and commands that say they will wait;
 *  - the channel pickers (archive, on-line view) have a search box.
 *
 * Called once by portal.test.js main() with what it set up (below), after
 * its own steps, signed in as admin; throws on the first failure.
 */
'use strict';

module.exports = async function (ctx) {
  const { page, URL, DEMO, OBJ, pub, shot, present, clickNow, until, simCtl, stopFeed, setStep } = ctx;
  const visibleIds = (p, sel) => p.$$eval(sel, els => els.filter(e => e.offsetParent !== null).map(e => e.id));
  const text = (p, sel) => p.$eval(sel, e => e.textContent);
  const expect = (ok, what) => { if (!ok) throw new Error(what); };

  /* The search box, the resource filter and the grouping by device. */
  async function searchAndGroups(p, width) {
    await p.goto(URL + '/index.html#obj=' + DEMO);
    await present(p, '#grp-1');
    const g1 = await text(p, '#grp-1');
    expect(/Кв\. 1/.test(g1) && /адрес 1/.test(g1), width + ' px: channels of device 1 are not headed by its flat: ' + g1);
    await p.fill('#q', 'Кв. 2');
    await p.waitForFunction(() => document.querySelectorAll('#channels tr[id^="ch-"]:not([hidden])').length === 4);
    const rows = await visibleIds(p, '#channels tr[id^="ch-"]');
    expect(rows.length === 4 && rows.every(id => id.startsWith('ch-' + DEMO + '-2-')), width + ' px: search "Кв. 2" shows ' + rows.join());
    const devs = await visibleIds(p, '#devices tr[id^="dev-"]');
    expect(devs.join() === 'dev-2', width + ' px: search "Кв. 2" shows devices ' + devs.join());
    if (width > 400) await shot(p, '17-status-search');
    await p.fill('#q', '');
    await p.selectOption('#res', 'electricity');
    await p.waitForFunction(() => document.querySelectorAll('#channels tr[id^="ch-"]:not([hidden])').length === 4);
    const el = await visibleIds(p, '#channels tr[id^="ch-"]');
    expect(el.every(id => id.endsWith('-3')), width + ' px: electricity shows ' + el.join());
    await p.selectOption('#res', '');
    await p.waitForFunction(() => document.querySelectorAll('#channels tr[id^="ch-"][hidden]').length === 0);
  }

  /* Zero is in a channel's menu, for admins, and asks for a confirmation. */
  async function zeroInMenu(p, admin) {
    expect(!await p.$('#channels [id^="zero-"]'), 'a zero button on a channel row');
    await clickNow(p, '#chmenu-1-1');
    await present(p, '#ch-dialog[open]');
    const facts = await text(p, '#ch-facts');
    expect(/Кв\. 1/.test(facts), 'the channel menu does not name the device: ' + facts);
    if (!admin) {
      expect(!await p.$('#zero-1-1'), 'the operator is offered to zero a counter');
      await p.click('#ch-close');
      return;
    }
    await p.click('#zero-1-1');
    await present(p, '#cmd-dialog[open]');
    expect(await p.isVisible('#cmd-confirm-row'), 'zeroing asks for no confirmation');
    await p.type('#cmd-reason', 'проверка подтверждения');
    await p.click('#cmd-ok');                                   /* not confirmed: the dialog stays */
    expect(await p.$('#cmd-dialog[open]'), 'zeroing went ahead without its confirmation');
    await p.click('#cmd-cancel');
  }

  setStep('b: services say what each serves');
  await page.goto(URL + '/health.html');
  await until(async () => {
    await Promise.all([page.waitForResponse(r => r.url().includes('/api/v1/services?ping=1')), page.click('#refresh')]);
    const s = await page.evaluate(() => ['billing', 'notify', 'archive'].map(n => {
      const tr = document.getElementById('svc-' + n);
      return tr ? { n, serves: tr.dataset.serves, text: tr.textContent, ok: !!tr.querySelector('.badge.ok') } : null;
    }));
    return s.every(x => x && x.serves !== '') ? s : null;
  }, 20000, 'billing, notify and archive on the services page with what they serve');
  for (const n of ['billing', 'notify']) {
    const tr = await text(page, '#svc-' + n);
    expect(/нет функций пока/.test(tr) && !(await page.$('#svc-' + n + ' .badge.ok')), 'amr-' + n + ' looks like a healthy service: ' + tr);
  }
  expect(+(await page.$eval('#svc-archive', e => e.dataset.serves)) > 5, 'archive serves nothing?');
  expect(await page.$('#svc-web .badge.ok') && /REST API/.test(await text(page, '#svc-web .serves')), 'amr-web does not say it serves the portal');
  await shot(page, '07-health');

  setStep('b: grouping, search, resource filter, zero in the channel menu (1366 px)');
  await searchAndGroups(page, 1366);
  await zeroInMenu(page, true);

  setStep('b: outputs by their meaning in the block dialog');
  await page.goto(URL + '/index.html#obj=' + DEMO);
  await present(page, '#olabel-1-1');
  expect(await text(page, '#olabel-1-1') === 'Кран ХВС', 'output 1 of device 1 is not "Кран ХВС"');
  await clickNow(page, '#blk-1-1');
  await present(page, '#cmd-dialog[open]');
  const what = await text(page, '#cmd-what');
  expect(/Кв\. 1/.test(what) && /Кран ХВС/.test(what), 'the block dialog says: ' + what);
  expect(await page.isHidden('#cmd-note'), 'the gateway is online, yet the dialog says the command will wait');
  await page.click('#cmd-cancel');

  setStep('b: a silent device\'s alarm and event name the flat');
  const unplug = await simCtl('unplug 4');
  expect(unplug.startsWith('ok'), 'sim unplug: ' + unplug);
  await page.waitForFunction(() => /УО-4 не отвечает — Кв\. 4 \(адрес 4\)/.test(document.getElementById('alarms').textContent), null, { timeout: 40000 });
  await page.waitForFunction(() => /УО-4 не отвечает, Кв\. 4/.test(document.getElementById('events').textContent));
  await shot(page, '02-status-demo-alarm');
  const plug = await simCtl('plug 4');
  expect(plug.startsWith('ok'), 'sim plug: ' + plug);

  setStep('b: audit lines name the flat and the output');
  await page.goto(URL + '/audit.html#target=1.1.1');
  await page.waitForFunction(() => [...document.querySelectorAll('#audit tr[data-action="block"] td.target')]
    .some(td => /Кв\. 1 \(адрес 1\), выход 1 «Кран ХВС»/.test(td.textContent)));

  setStep('b: the registry says what each output drives');
  await page.goto(URL + '/registry.html');
  await present(page, '#obj option[value="' + DEMO + '"]');
  await page.selectOption('#obj', String(DEMO));
  await page.click('#show');
  await present(page, '#devreg-' + DEMO + '-4');
  expect(await page.$eval('#outlabel-1-1-1', e => e.value) === 'Кран ХВС', 'the registry does not show output 1 of 1.1');
  await page.fill('#outlabel-1-4-4', 'Газовый клапан, кухня');
  await page.fill('#devreg-1-4 input[data-i18n-ph="reason"]', 'уточнение по акту');
  await page.click('#devsave-1-4');
  await page.waitForFunction(() => /Сохранено: 1\.4/.test(document.getElementById('msg').textContent));
  const dev4 = await page.evaluate(async () => (await fetch('/api/v1/registry/1.4')).json());
  expect(dev4.outputs && dev4.outputs['4'].label === 'Газовый клапан, кухня' && dev4.outputs['4'].resource === 'gas' &&
    dev4.outputs['1'].label === 'Кран ХВС', 'device 1.4 after the save: ' + JSON.stringify(dev4));
  await page.$$eval('.panel', ps => ps.forEach(p => { p.scrollLeft = 0; }));
  await shot(page, '04-registry-devices');
  await page.goto(URL + '/index.html#obj=' + DEMO);
  await page.waitForFunction(() => { const e = document.getElementById('olabel-4-4'); return e && e.textContent === 'Газовый клапан, кухня'; });

  setStep('b: the channel picker has a search box');
  await page.goto(URL + '/archive.html');
  await present(page, '#chans input');
  const all = await page.$$eval('#chans label', ls => ls.length);
  await page.fill('#chan-q', 'газ');
  await page.waitForFunction(() => [...document.querySelectorAll('#chans label')].some(l => l.hidden));
  const gas = await page.$$eval('#chans label', ls => ls.filter(l => !l.hidden).map(l => l.textContent));
  expect(gas.length === 4 && gas.every(t => /газ/.test(t)), 'picker search "газ" of ' + all + ': ' + gas.join(' | '));

  setStep('b: an offline gateway shows last known data (1366 px)');
  await page.goto(URL + '/index.html#obj=' + OBJ);
  await present(page, '#ch-' + OBJ + '-1-1');
  stopFeed();
  pub('amr/v1/gw/' + OBJ + '/status', { online: false }, true);
  await present(page, '#offline-note:not([hidden])', 10000);
  const note = await text(page, '#offline-note');
  expect(/последние известные данные/.test(note) && /назад/.test(note) && /очередь/.test(note), 'offline note: ' + note);
  /* the age of the last known data goes on while nothing arrives */
  await page.waitForFunction(() => /получены [1-9]\d* (с|мин) назад/.test(document.getElementById('offline-note').textContent), null, { timeout: 20000 });
  await page.waitForFunction(() => /отвечали/.test(document.getElementById('gw-devices').textContent));
  expect(!/отвечают/.test(await text(page, '#gw')), 'an offline gateway says its devices are responding');
  expect(await page.$('#gw-lcd.stale'), 'the LCD is shown as live');
  await page.waitForFunction(() => /отвечало/.test(document.querySelector('#dev-1 .dstate').textContent) &&
    /последние данные \d+ (с|мин) назад/.test(document.querySelector('#dev-1 .dstate').textContent));
  await page.waitForFunction(id => /последние данные/.test(document.getElementById(id).textContent), 'ch-' + OBJ + '-1-1');
  await shot(page, '18-offline');
  await clickNow(page, '#blk-1-1');
  await present(page, '#cmd-dialog[open]');
  const wait = await text(page, '#cmd-note');
  expect(await page.isVisible('#cmd-note') && /очередь/.test(wait) && /вернётся на связь/.test(wait), 'the block dialog of an offline gateway: ' + wait);
  await page.type('#cmd-reason', 'Проверка: шлюз не на связи');
  await shot(page, '18-offline-dialog');
  await page.click('#cmd-ok');
  await present(page, '#cmd-state[data-state="queued"], #cmd-state[data-state="sent"]');
  await present(page, '#cmd-wait');
};
