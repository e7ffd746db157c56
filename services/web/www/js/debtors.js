/* debtors.js - "Должники" (accountant, admin, operator): the accounts of an
 * organisation whose debt is past due at a date, the largest first, with
 * the debt's ages, the penalties accrued, the last payment and the outputs
 * that may restrict a service for the debt (billing/debtors through POST
 * /api/v1/billing/debtors; amr-billing computes everything, the page only
 * shows it), and the same list as the debtors report's CSV, XLSX or PDF
 * file (POST /api/v1/billing/file/report). The restriction cases below the
 * list are restrictions.js's. */
'use strict';
(function () {
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);
  const AGES = ['under_1m', '1_3m', '3_6m', 'over_6m'];

  /* "2026-11-10" as the language writes a date: "10.11.2026" in Russian */
  const day = s => (App.lang === 'en' ? s : s.split('-').reverse().join('.'));

  function cell(text, cls) {
    return E('td', cls ? { class: cls, text } : { text });
  }

  function row(d) {
    const places = (d.premises || []).map(p => App.t('bill.flat') + ' ' + p.number).join(', ');
    const ways = [].concat(...(d.premises || []).map(p => p.restrictable || []));
    const cuts = ways.map(r => r.output).join(', ');
    /* an accountant proposes restricting a service from here (restrictions.js) */
    const services = [...new Set(ways.map(r => r.service))];
    const propose = window.Restrictions && Restrictions.may()
      ? services.map(code => E('button', {
        type: 'button', class: 'propose', dataset: { service: code },
        text: App.tf('restr.propose', { service: App.t('svc.code.' + code) }),
        onclick: () => Restrictions.propose(d.number, code)
      }))
      : [];
    const last = d.last_payment ? App.money(d.last_payment.amount) + ' (' + day(d.last_payment.date) + ')' : '—';
    return E('tr', { 'data-account': d.number },
      cell(d.number), cell((d.holder && d.holder.name) || ''), cell(places),
      cell(App.money(d.overdue), 'num'),
      ...AGES.map(a => cell(App.money((d.ages || {})[a]), 'num')),
      cell(App.money((d.penalties || {}).accrued), 'num'),
      cell(last), E('td', {}, cuts || App.t('none'), ...propose));
  }

  /* The filters as billing/debtors takes them. */
  function filters() {
    const args = { org: +$('org').value };
    if ($('date').value) args.date = $('date').value;
    if ($('min').value.trim()) args.min_debt = $('min').value.trim().replace(',', '.');
    return args;
  }

  async function load() {
    const r = await App.api('POST', '/api/v1/billing/debtors', filters());
    const head = ['bill.number', 'bill.holder', 'bill.premises', 'bill.overdue',
      ...AGES.map(a => 'bill.age.' + a), 'bill.penalties', 'bill.last_payment', 'bill.restrictable'];
    $('debtors').replaceChildren(E('tr', {}, ...head.map(k => E('th', { text: App.t(k) }))),
      ...(r.debtors || []).map(row));
    $('summary').textContent = App.tf('bill.debtors.summary',
      { count: r.count, total: App.money(r.total), penalties: App.money(r.penalties) }) +
      (r.more ? ' ' + App.t('more.records') : '');
    if (window.Restrictions) await Restrictions.load();
  }

  App.start(['admin', 'accountant', 'operator'], async () => {
    document.title = App.t('nav.debtors');
    $('filters').addEventListener('submit', async ev => {
      ev.preventDefault();
      $('msg').hidden = true;
      try { await load(); } catch (e) { App.showError($('msg'), e); }
    });
    /* the same list as the debtors report's file (docs/reports.md) */
    for (const id of ['csv', 'xlsx', 'pdf']) {
      $(id).addEventListener('click', async () => {
        $('msg').hidden = true;
        try {
          await App.download('/api/v1/billing/file/report',
            Object.assign({ report: 'debtors', format: id, lang: App.lang }, filters()));
        } catch (e) { App.showError($('msg'), e); }
      });
    }
    try {
      const orgs = await App.api('POST', '/api/v1/billing/org.list', {});
      $('org').replaceChildren(...orgs.records.map(o => E('option', { value: o.id, text: o.name })));
      if (orgs.records.length) await load();
      else $('summary').textContent = App.t('bill.no.orgs');
    } catch (e) { App.showError($('msg'), e); }
  });
})();
