/* payments.js - "Платежи" (admin, accountant): a payment entered by hand
 * (billing/payment.create, the account by its number; a refusal shown
 * beside the field it names), a bank's registry imported
 * (payments_import.js), the suspense list (billing/suspense.list, open
 * lines) with a line assigned to an account (suspense.assign), and the
 * payments of the last months (the payments report) with a payment
 * reversed (payment.reverse, its reason asked in a dialog). */
'use strict';
(function () {
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);
  const B = App.Bill;
  const org = () => +$('org').value;
  const api = (m, body) => App.api('POST', '/api/v1/billing/' + m, body);

  function err(e) { App.showError($('msg'), e); }

  /* payment.create from the form: only the fields filled in are sent. */
  async function enter(ev) {
    ev.preventDefault();
    $('msg').hidden = true;
    const form = $('pay-form');
    B.clearErrors(form);
    const body = { org: org(), number: $('pay-number').value.trim(), date: $('pay-date').value,
      amount: B.moneyInput($('pay-amount').value) };
    if ($('pay-period').value) body.period = $('pay-period').value;
    if ($('pay-payer').value.trim()) body.payer = $('pay-payer').value.trim();
    try {
      const e = await api('payment.create', body);
      App.showOk($('msg'), App.tf('pay.done', { seq: e.seq, amount: App.money(B.sub('0', e.amount)), number: body.number }));
      $('pay-amount').value = '';
      await recent();
    } catch (e) { B.fieldError(form, $('msg'), e); }
  }

  /* The open suspense lines, each with its button to assign it. */
  async function suspense() {
    const lines = await B.listAll('suspense.list', { org: org(), state: 'open' });
    $('susp-empty').hidden = lines.length > 0;
    $('susp').hidden = !lines.length;
    B.table($('susp'), ['stm.date', 'stm.amount#', 'imp.account.written', 'pay.payer', 'imp.reference', 'susp.file', ''],
      lines.map(s => E('tr', { 'data-suspense': s.id, 'data-reference': s.reference },
        B.cell(B.day(s.date)), B.cell(App.money(s.amount), 'num'), B.cell(s.account || '—'), B.cell(s.payer || ''),
        B.cell(s.reference), B.cell((s.name || '') + ', ' + App.t('imp.line') + ' ' + s.line),
        E('td', {}, E('button', { type: 'button', class: 'assign', text: App.t('susp.assign'), onclick: () => assign(s).catch(err) })))));
  }

  async function assign(s) {
    $('assign-what').textContent = App.tf('susp.assign.what', { amount: App.money(s.amount), date: B.day(s.date), account: s.account || '—' });
    $('assign-number').value = '';
    $('assign-reason').value = '';
    const ok = await B.ask($('assign-dialog'), () => (!$('assign-number').value.trim() ? App.t('susp.need.number')
      : !$('assign-reason').value.trim() ? App.t('pay.need.reason') : null));
    if (!ok) return;
    await api('suspense.assign', { id: s.id, number: $('assign-number').value.trim(), reason: $('assign-reason').value.trim() });
    App.showOk($('msg'), App.tf('susp.done', { amount: App.money(s.amount), number: $('assign-number').value.trim() }));
    await Promise.all([suspense(), recent()]);
  }

  async function reverse(r) {
    $('reverse-what').textContent = App.tf('pay.reverse.what', { amount: App.money(r.amount), date: B.day(r.date), number: r.number });
    $('reverse-reason').value = '';
    if (!await B.ask($('reverse-dialog'), () => ($('reverse-reason').value.trim() ? null : App.t('pay.need.reason')))) return;
    const e = await api('payment.reverse', { seq: r.seq, reason: $('reverse-reason').value.trim() });
    App.showOk($('msg'), App.tf('pay.reversed', { seq: r.seq, by: e.seq }));
    await recent();
  }

  /* Payments and reversals since the first day of last month
   * (the payments report: amounts received plus, reversals minus). */
  async function recent() {
    const from = B.monthBefore(1) + '-01', to = B.today();
    const r = await api('report', { report: 'payments', org: org(), from, to, lang: App.lang });
    const rows = (r.rows || []).slice().reverse();   /* the latest first */
    const reversed = new Set(rows.filter(x => x.kind === 'reversal').map(x => x.reverses));
    B.table($('recent'), ['stm.date', 'bill.number', 'bill.holder', 'stm.amount#', 'pay.source', 'imp.reference', ''],
      rows.map(x => E('tr', { 'data-seq': x.seq, 'data-kind': x.kind, 'data-account': x.number },
        B.cell(B.day(x.date)), B.cell(x.number), B.cell(x.holder || ''), B.cell(App.money(x.amount), 'num'),
        B.cell(x.source || ''), B.cell(x.reference || ''),
        E('td', {}, x.kind === 'payment' && !reversed.has(x.seq)
          ? E('button', { type: 'button', class: 'reverse', text: App.t('pay.reverse'), onclick: () => reverse(x).catch(err) }) : ''))));
    $('recent-summary').textContent = App.tf('pay.recent.summary', { from: B.day(from), to: B.day(to),
      count: (r.totals || {}).count || 0, amount: App.money((r.totals || {}).amount || '0.00') });
  }

  const reload = () => Promise.all([suspense(), recent()]);

  App.start(['admin', 'accountant'], async () => {
    document.title = App.t('nav.payments');
    $('pay-date').value = B.today();
    $('pay-date').max = B.today();
    $('pay-form').addEventListener('submit', enter);
    App.Import.init(org, reload);
    try {
      const orgs = await B.pickers($('org'), null, null);
      $('org').addEventListener('change', () => reload().catch(err));
      if (orgs.length) await reload();
    } catch (e) { err(e); }
  });
})();
