/*
 * checks_b.js - the portal's checks for issue 12, point 12,
 * at 1366 px (the suite's page):
 *
 *  - services: amr-billing and amr-notify say they serve nothing yet, the
 *    others what they serve; none is shown as a healthy "online" that does
 *    nothing.
 *
 * Called once by portal.test.js main() with what it set up (below), after
 * its own steps, signed in as admin; throws on the first failure.
 */
'use strict';

module.exports = async function (ctx) {
  const { page, URL, shot, present, until, setStep } = ctx;
  const text = (p, sel) => p.$eval(sel, e => e.textContent);
  const expect = (ok, what) => { if (!ok) throw new Error(what); };

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
};
