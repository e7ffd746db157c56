/* statement.js - "Выписка по лицевому счёту" (admin, accountant): an
 * account's journal over a span (billing/account.statement): the opening
 * balance, every entry (date, kind, amount, period, reference), the
 * closing balance and the sums of each kind; and what it owes today
 * (billing/account.debt: overdue, ages, penalties). The account comes as
 * /statement.html?account=ID (the accounts list links here) or is typed
 * by its number within an organisation. amr-billing adds everything up;
 * the page only shows it. */
'use strict';
(function () {
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);
  const B = App.Bill;
  const KINDS = ['charges', 'payments', 'reversals', 'adjustments', 'penalties', 'openings'];
  const AGES = ['not_due', 'under_1m', '1_3m', '3_6m', 'over_6m'];

  function fact(dl, key, value, id) {
    dl.append(E('dt', { text: App.t(key) }), E('dd', { id, text: value }));
  }

  /* An entry's reference: the invoice, the bank's number, what it reverses. */
  function reference(e) {
    const bits = [];
    if (e.invoice) bits.push(App.t('stm.invoice') + ' ' + e.invoice);
    if (e.payment) bits.push('№ ' + e.payment);
    if (e.reverses) bits.push(App.tf('stm.reverses', { seq: e.reverses }));
    if (e.bank) bits.push(e.bank);
    if (e.reason) bits.push(e.reason);
    return bits.join(' · ');
  }

  function entryRow(e) {
    return E('tr', { 'data-seq': e.seq, 'data-kind': e.kind },
      B.cell(B.day(e.date)), B.cell(App.t('stm.kind.' + e.kind)), B.cell(App.money(e.amount), 'num'),
      B.cell(B.period(e.period)), B.cell(reference(e)));
  }

  /* The account asked: ?account=ID, or the number typed in the org chosen. */
  function who() {
    const id = new URLSearchParams(location.search).get('account');
    if (id && !$('number').value.trim()) return { account: +id };
    return { org: +$('org').value, number: $('number').value.trim() };
  }

  async function load() {
    const acc = who();
    const args = Object.assign({}, acc);
    if ($('from').value) args.from = $('from').value;
    if ($('to').value) args.to = $('to').value;
    const [s, d] = await Promise.all([App.api('POST', '/api/v1/billing/account.statement', args),
      App.api('POST', '/api/v1/billing/account.debt', acc)]);
    const rec = await App.api('POST', '/api/v1/billing/account.get', { id: s.account });
    $('number').value = rec.number;
    $('org').value = rec.org;
    $('result').hidden = false;
    $('stm-title').textContent = App.tf('stm.title', { number: rec.number, holder: B.holder(rec.holder) });
    const t = $('totals');
    t.replaceChildren();
    fact(t, 'stm.opening', App.money(s.opening_balance) + ' ₽', 'opening');
    for (const k of KINDS) if (B.cmp(s[k], '0') !== 0) fact(t, 'stm.sum.' + k, App.money(s[k]) + ' ₽', 'sum-' + k);
    fact(t, 'stm.closing', App.money(s.closing_balance) + ' ₽', 'closing');
    B.table($('entries'), ['stm.date', 'stm.kind', 'stm.amount#', 'bk.period', 'stm.reference'], (s.entries || []).map(entryRow));
    const dl = $('debt');
    dl.replaceChildren();
    fact(dl, 'stm.balance', App.money(d.balance) + ' ₽', 'balance');
    fact(dl, 'bill.overdue', App.money(d.overdue), 'overdue');
    fact(dl, 'stm.ages', AGES.map(a => App.t('stm.age.' + a) + ' ' + App.money((d.ages || {})[a])).join('; '));
    fact(dl, 'bill.penalties', App.tf('stm.penalties', { accrued: App.money((d.penalties || {}).accrued),
      charged: App.money((d.penalties || {}).charged), unpaid: App.money((d.penalties || {}).unpaid) }));
    fact(dl, 'bill.last_payment', d.last_payment ? App.money(d.last_payment.amount) + ' (' + B.day(d.last_payment.date) + ')' : '—');
  }

  App.start(['admin', 'accountant'], async () => {
    document.title = App.t('nav.statement');
    $('filters').addEventListener('submit', async ev => {
      ev.preventDefault();
      $('msg').hidden = true;
      B.clearErrors($('filters'));
      try { await load(); } catch (e) { B.fieldError($('filters'), $('msg'), e); }
    });
    try {
      await B.pickers($('org'), null);
      if (new URLSearchParams(location.search).get('account')) await load();
    } catch (e) { App.showError($('msg'), e); }
  });
})();
