/* invoices.js - "Счета" (admin, accountant): the invoices of a building's
 * month (billing/invoice.list, following next): number, account, holder,
 * amount, state; one opened (billing/invoice.get) with its lines, meter
 * readings and totals; its receipt as a PDF (file/receipt) and every
 * receipt of the month in one PDF (file/receipts); the month's receipts
 * e-mailed to every tenant with an address (receipts.email), each
 * invoice's e-mail state in its row (receipts.sent). */
'use strict';
(function () {
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);
  const B = App.Bill;
  let current = null;   /* the invoice opened */

  function fact(dl, key, value) {
    dl.append(E('dt', { text: App.t(key) }), E('dd', { text: value }));
  }

  function premisesBlock(p) {
    const lines = E('table', { class: 'lines money' });
    B.table(lines, ['bk.service', 'bk.basis', 'inv.qty#', 'inv.price#', 'run.amount#'], (p.lines || []).map(l =>
      E('tr', { 'data-code': l.code, 'data-basis': l.basis }, B.cell(B.lineName(l)),
        E('td', { class: ['average', 'norm'].includes(l.basis) ? 'basis-odd' : '', text: B.basis(l.basis) }),
        B.cell(B.qty(l.quantity, l.unit), 'num'), B.cell(l.price ? App.money(l.price) : '—', 'num'),
        B.cell(App.money(l.amount), 'num'))));
    const out = [E('h3', { text: App.tf('inv.premises', { number: p.number, area: App.num(p.area), days: p.days }) }), lines];
    if ((p.readings || []).length) {
      const r = E('table', { class: 'readings money' });
      B.table(r, ['bk.service', 'inv.meter', 'inv.start#', 'inv.end#'], p.readings.map(x => E('tr', {},
        B.cell(x.code), B.cell((x.serial || '') + ' (' + x.channel + ')'),
        B.cell(App.num(x.start), 'num'), B.cell(App.num(x.end), 'num'))));
      out.push(E('h4', { text: App.t('inv.readings') }), r);
    }
    return out;
  }

  async function open(id) {
    const inv = await App.api('POST', '/api/v1/billing/invoice.get', { id });
    current = inv;
    $('invoice').hidden = false;
    $('inv-title').textContent = App.tf('inv.title', { id: inv.id, number: inv.number, holder: B.holder(inv.holder) });
    const dl = $('inv-facts');
    dl.replaceChildren();
    fact(dl, 'state', App.t('run.state.' + inv.state));
    fact(dl, 'bk.period', B.period(inv.period) + ' (' + B.day(inv.from) + ' – ' + B.day(inv.to) + ')');
    fact(dl, 'inv.total', App.money(inv.total) + ' ₽');
    if (inv.penalty !== undefined) fact(dl, 'run.penalties', App.money(inv.penalty) + ' ₽');
    $('inv-premises').replaceChildren(...[].concat(...(inv.premises || []).map(premisesBlock)));
    $('receipt').disabled = inv.state !== 'issued';   /* a receipt is of an issued invoice */
  }

  /* Each invoice's e-mail state, {} for a draft month (nothing sent). */
  async function mailed() {
    try {
      const r = await App.api('POST', '/api/v1/billing/receipts.sent', { building: +$('building').value, period: $('period').value });
      return Object.fromEntries((r.invoices || []).map(i => [i.invoice, i]));
    } catch (e) {
      return {};
    }
  }

  async function load() {
    $('invoice').hidden = true;
    const list = await B.listAll('invoice.list', { building: +$('building').value, period: $('period').value, limit: 200 });
    const sent = await mailed();
    const state = i => (sent[i.id] ? sent[i.id].state : 'none');
    B.table($('invoices'), ['inv.id', 'bill.number', 'bill.holder', 'inv.total#', 'state', 'inv.email.col'], list.map(i =>
      E('tr', { class: 'pick', 'data-invoice': i.id, 'data-account': i.number, onclick: () => open(i.id).catch(err) },
        B.cell(i.id), B.cell(i.number), B.cell(B.holder(i.holder)), B.cell(App.money(i.total), 'num'),
        B.cell(App.t('run.state.' + i.state), 'state-' + i.state),
        E('td', { class: 'mail-' + state(i), 'data-mail': state(i), title: (sent[i.id] || {}).reason || null,
          text: App.t('inv.email.' + state(i)) }))));
    const total = list.reduce((s, i) => B.add(s, i.total), '0.00');
    $('summary').textContent = App.tf('inv.summary', { n: list.length, total: App.money(total) });
  }

  function err(e) { App.showError($('msg'), e); }

  App.start(['admin', 'accountant'], async () => {
    document.title = App.t('nav.invoices');
    const q = new URLSearchParams(location.search);
    $('period').value = q.get('period') || B.monthBefore(1);
    $('filters').addEventListener('submit', async ev => {
      ev.preventDefault();
      $('msg').hidden = true;
      try { await load(); } catch (e) { B.fieldError($('filters'), $('msg'), e); }
    });
    $('receipt').addEventListener('click', async () => {
      $('msg').hidden = true;
      try { await App.download('/api/v1/billing/file/receipt', { invoice: current.id, lang: App.lang }); } catch (e) { err(e); }
    });
    $('email-receipts').addEventListener('click', async () => {
      $('msg').hidden = true;
      if (!await B.ask($('email-dialog'))) return;
      try {
        const r = await App.api('POST', '/api/v1/billing/receipts.email', { building: +$('building').value, period: $('period').value });
        const nums = (r.no_address || []).map(a => a.number);
        $('email-msg').textContent = App.tf('inv.email.done', {
          queued: r.queued, already: r.already, none: nums.length, numbers: nums.length ? ' (' + nums.join(', ') + ')' : ''
        });
        $('email-msg').hidden = false;
        await load();
      } catch (e) { err(e); }
    });
    $('all-receipts').addEventListener('click', async () => {
      $('msg').hidden = true;
      try {
        await App.download('/api/v1/billing/file/receipts', { building: +$('building').value, period: $('period').value, lang: App.lang });
      } catch (e) { err(e); }
    });
    try {
      let want;
      if (q.get('building')) {
        const b = await App.api('POST', '/api/v1/billing/building.get', { id: +q.get('building') });
        want = { org: b.org, building: b.id };
      }
      await B.pickers($('org'), $('building'), () => load().catch(err), want);
      if ($('building').value) await load();
    } catch (e) { err(e); }
  });
})();
