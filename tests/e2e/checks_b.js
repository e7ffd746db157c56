/*
 * checks_b.js - the portal's checks for issue 12, points 6, 8, 10 and 12,
 * at 1366 px (the suite's page) and at 390 px (a phone: a second browser
 * with a 390x844 mobile viewport):
 *
 *  - services: amr-notify says it serves its alarm methods, the others (amr-billing
 *    with its record methods) what they serve; none is shown as a healthy
 *    "online" that does nothing;
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
 *  - the channel pickers (archive, on-line view) have a search box;
 *  - phones: no page wider than the viewport (at 1366 px neither), the
 *    menu folded behind a button, every Block button reachable inside its
 *    card, and the checks above that a phone can do.
 *
 * Called once by portal.test.js main() with what it set up (below), after
 * its own steps, signed in as admin; throws on the first failure.
 */
'use strict';
const path = require('path');
const { chromium } = require('playwright-core');

/* Every signed-in page, and what shows it has drawn its content. */
const PAGES = { '/index.html': '#channels tr[id^="ch-"]', '/online.html': '#chans label', '/archive.html': '#chans label',
  '/registry.html': '#table tr[id^="reg-"]', '/console.html': '#obj option[value="1"]', '/audit.html': '#audit tr[data-action]',
  '/health.html': '#services tr[id^="svc-"]', '/alarms.html': '#alarms tr', '/contacts.html': '#contacts tr',
  '/messages.html': '#messages tr', '/rules.html': '#rules tr', '/users.html': '#users tr', '/password.html': 'main form' };
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

module.exports = async function (ctx) {
  const { page, URL, PW, OUT, DEMO, OBJ, pub, shot, present, clickNow, until, simCtl, stopFeed, setStep } = ctx;
  const visibleIds = (p, sel) => p.$$eval(sel, els => els.filter(e => e.offsetParent !== null).map(e => e.id));
  const text = (p, sel) => p.$eval(sel, e => e.textContent);
  const expect = (ok, what) => { if (!ok) throw new Error(what); };

  /* Every page no wider than the window (width: what the test set). */
  async function widths(p, width) {
    for (const [href, drawn] of Object.entries(PAGES)) {
      await p.goto(URL + href);
      await present(p, '#top nav');
      await present(p, drawn);
      const w = await p.evaluate(() => document.documentElement.scrollWidth);
      expect(w <= width, href + ' is ' + w + ' px wide in a ' + width + ' px window');
    }
  }

  /* The search box, the resource filter and the grouping by device. */
  async function searchAndGroups(p, width) {
    await p.goto(URL + '/index.html#obj=' + DEMO);
    await present(p, '#grp-1');
    const g1 = await text(p, '#grp-1');
    expect(/Кв\. 1/.test(g1) && /адрес 1/.test(g1), width + ' px: channels of device 1 are not headed by its flat: ' + g1);
    await p.fill('#q', 'Кв. 2');
    /* the rows shown (laid out, not only not hidden: a live update may
       replace a row in between), then what they are */
    const shown = n => document.querySelectorAll('#channels tr[id^="ch-"]:not([hidden])').length === n &&
      [...document.querySelectorAll('#channels tr[id^="ch-"]')].filter(e => e.offsetParent !== null).length === n;
    await p.waitForFunction(shown, 4).catch(() => {});
    const rows = await visibleIds(p, '#channels tr[id^="ch-"]');
    expect(rows.length === 4 && rows.every(id => id.startsWith('ch-' + DEMO + '-2-')), width + ' px: search "Кв. 2" shows ' + rows.join());
    const devs = await visibleIds(p, '#devices tr[id^="dev-"]');
    expect(devs.join() === 'dev-2', width + ' px: search "Кв. 2" shows devices ' + devs.join());
    if (width > 400) await shot(p, '17-status-search');
    await p.fill('#q', '');
    await p.selectOption('#res', 'electricity');
    await p.waitForFunction(shown, 4).catch(() => {});
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

  /* Every Block button can be reached: scrolled into view inside its card,
   * it lies within the window and nothing covers it. */
  async function blocksReachable(p, width, height) {
    const ids = await p.$$eval('[id^="blk-"]', bs => bs.map(b => b.id));
    expect(ids.length >= 4, 'only ' + ids.length + ' Block buttons at ' + width + ' px');
    for (const id of ids) {
      const r = await p.$eval('#' + id, b => {
        b.scrollIntoView({ block: 'center', inline: 'center' });
        const q = b.getBoundingClientRect();
        const top = document.elementFromPoint(q.left + q.width / 2, q.top + q.height / 2);
        return { left: q.left, right: q.right, top: q.top, bottom: q.bottom, hit: top === b || b.contains(top) };
      });
      expect(r.left >= 0 && r.right <= width && r.top >= 0 && r.bottom <= height && r.hit,
        id + ' is not reachable at ' + width + ' px: ' + JSON.stringify(r));
    }
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
  expect(+(await page.$eval('#svc-billing', e => e.dataset.serves)) > 5, 'billing serves nothing?');
  /* amr-notify serves its alarms: the list, one, acknowledge, clear */
  expect(+(await page.$eval('#svc-notify', e => e.dataset.serves)) >= 4 && /alarm\.ack/.test(await text(page, '#svc-notify')),
    'notify does not say it serves its alarms: ' + await text(page, '#svc-notify'));
  expect(+(await page.$eval('#svc-archive', e => e.dataset.serves)) > 5, 'archive serves nothing?');
  expect(await page.$('#svc-web .badge.ok') && /REST API/.test(await text(page, '#svc-web .serves')), 'amr-web does not say it serves the portal');
  /* amr-notify's channels: this stack's has none configured, nothing owed */
  await page.waitForSelector('#hc-queued');
  expect(await text(page, '#hc-queued') === '0' && /не настроен/.test(await text(page, '#hc-sms-in')) &&
    /Ни один канал не настроен/.test(await text(page, '#channels')),
    'the channels panel: ' + await text(page, '#owed') + ' / ' + await text(page, '#channels'));
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

  setStep('b: every page at 1366 px');
  await widths(page, 1366);

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

  setStep('b: a phone, 390 px');
  const browser = await chromium.launch({ executablePath: ctx.CHROMIUM, headless: true, args: ARGS });
  let m = null;
  try {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 });
    m = await phone.newPage();
    m.on('pageerror', e => ctx.problems.push(String(e)));
    m.on('console', x => { if (x.type() === 'error') ctx.problems.push(x.text()); });
    m.setDefaultTimeout(15000);
    await m.goto(URL + '/index.html');
    await present(m, '#login');
    expect(await m.evaluate(() => document.documentElement.scrollWidth) <= 390, 'the login page is wider than 390 px');
    await m.type('#user', 'admin');
    await m.type('#password', PW);
    await Promise.all([m.waitForNavigation(), m.click('#submit')]);
    await present(m, '#top nav');

    setStep('b: 390 px: the menu folds');
    expect(await m.isHidden('#menu') && await m.isVisible('#menu-toggle'), 'the menu is not folded at 390 px');
    const head = await m.$eval('#top', e => e.getBoundingClientRect().height);
    expect(head < 120, 'the header takes ' + head + ' px of 844');
    await m.click('#menu-toggle');
    await present(m, '#menu a.active');
    expect(await m.isVisible('#menu a[href="/archive.html"]'), 'the unfolded menu has no archive');
    await m.screenshot({ path: path.join(OUT, '19-phone-menu.png') });
    await m.click('#menu-toggle');
    expect(await m.isHidden('#menu'), 'the menu does not fold again');

    setStep('b: 390 px: every page fits');
    await widths(m, 390);

    setStep('b: 390 px: the status page');
    await searchAndGroups(m, 390);
    await present(m, '#out-1-1');
    await blocksReachable(m, 390, 844);
    await m.$eval('#gw', e => e.scrollIntoView());
    await m.screenshot({ path: path.join(OUT, '19-phone-status.png') });
    await m.$eval('#devices', e => e.scrollIntoView());
    await m.screenshot({ path: path.join(OUT, '19-phone-devices.png') });
    await clickNow(m, '#blk-1-2');
    await present(m, '#cmd-dialog[open]');
    const dlg = await m.$eval('#cmd-dialog', d => { const r = d.getBoundingClientRect(); return { left: r.left, right: r.right }; });
    expect(dlg.left >= 0 && dlg.right <= 390, 'the block dialog is wider than the phone: ' + JSON.stringify(dlg));
    expect(/Кран ГВС/.test(await text(m, '#cmd-what')), 'the phone block dialog: ' + await text(m, '#cmd-what'));
    await m.screenshot({ path: path.join(OUT, '20-phone-block-dialog.png') });
    await m.click('#cmd-cancel');
    await zeroInMenu(m, true);

    setStep('b: 390 px: the offline gateway');
    await m.goto(URL + '/index.html#obj=' + OBJ);
    await present(m, '#offline-note:not([hidden])');
    await present(m, '#blk-1-2');
    await blocksReachable(m, 390, 844);
    expect(await m.evaluate(() => document.documentElement.scrollWidth) <= 390, 'the offline object is wider than 390 px');
    await m.evaluate(() => window.scrollTo(0, 0));
    await m.screenshot({ path: path.join(OUT, '21-phone-offline.png') });

    setStep('b: 390 px: an operator has no zero');
    const op = await page.evaluate(async () => {
      const r = await fetch('/api/v1/users', { method: 'POST', headers: { 'Content-Type': 'application/json',
        'X-CSRF-Token': sessionStorage.getItem('csrf') }, body: JSON.stringify({ user: 'operator2', role: 'operator' }) });
      return r.json();
    });
    expect(op.password, 'operator2 not created: ' + JSON.stringify(op));
    await Promise.all([m.waitForNavigation(), m.evaluate(() => document.getElementById('logout').click())]);
    await present(m, '#login');
    await m.type('#user', 'operator2');
    await m.type('#password', op.password);
    await Promise.all([m.waitForNavigation(), m.click('#submit')]);
    await m.goto(URL + '/index.html#obj=' + DEMO);
    await present(m, '#chmenu-1-1');
    await present(m, '#blk-1-1');
    await zeroInMenu(m, false);
    await phone.close();
  } catch (e) {
    if (m) await m.screenshot({ path: path.join(OUT, 'FAILED-phone.png'), fullPage: true }).catch(() => {});
    throw e;
  } finally {
    await browser.close();
  }
};
