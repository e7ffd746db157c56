/* my.js - "Мой лицевой счёт" (tenant): the accounts of the signed-in
 * tenant (App.me.accounts, from its user record), each one's balance and
 * debt, its issued invoices with the receipt as a PDF, its payments (from
 * the statement) and its meters' readings (from the invoices). Everything
 * comes through POST /api/v1/billing/{method}, where the server lets a
 * tenant reach only its own accounts (docs/web.md, "Billing"); amr-billing
 * computes every figure, the page only shows its decimal strings. */
'use strict';
(function () {
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);
  const bill = (method, body) => App.api('POST', '/api/v1/billing/' + method, body);
  const PAY_KINDS = ['payment', 'reversal'];

  /* "2026-11-10" as the language writes a date: "10.11.2026" in Russian */
  const day = s => (!s ? '—' : App.lang === 'en' ? s : s.split('-').reverse().join('.'));
  /* "2026-10" as "10.2026" in Russian */
  const month = s => (App.lang === 'en' ? s : s.split('-').reverse().join('.'));
  /* a journal amount's sign turned ("-500.00" paid is 500.00 received);
   * strings only: money is never a float here */
  const negate = s => (s.startsWith('-') ? s.slice(1) : '-' + s);

  function fact(key, value, id) {
    return [E('dt', { text: App.t(key) }), E('dd', id ? { id, text: value } : { text: value })];
  }

  function cell(text, cls) {
    return E('td', cls ? { class: cls, text } : { text });
  }

  function head(keys) {
    return E('tr', {}, ...keys.map(k => E('th', { text: App.t(k) })));
  }

  /* The account's holder and premises: what the record says. */
  function showAccount(acc, invoices) {
    const last = invoices[0];
    const places = last ? last.premises.map(p => App.t('bill.flat') + ' ' + p.number + ', ' +
      App.num(p.area) + ' ' + App.t('my.m2')).join('; ') : '—';
    $('facts').replaceChildren(...fact('my.account', acc.number, 'number'),
      ...fact('bill.holder', (acc.holder && acc.holder.name) || '—'),
      ...fact('bill.premises', places));
  }

  /* Balance (what is owed today, or paid ahead) and what of it is past due. */
  function showMoney(bal, debt) {
    const owes = !bal.balance.startsWith('-');
    const lp = debt.last_payment;
    $('money').replaceChildren(
      ...fact(owes ? 'my.owed' : 'my.ahead', App.money(owes ? bal.balance : negate(bal.balance)) + ' ₽', 'balance'),
      ...fact('bill.overdue', App.money(debt.overdue), 'overdue'),
      ...fact('bill.penalties', App.money((debt.penalties || {}).accrued)),
      ...fact('bill.last_payment', lp ? App.money(lp.amount) + ' ₽ (' + day(lp.date) + ')' : '—'));
  }

  function receiptButton(inv) {
    return E('button', { type: 'button', class: 'receipt', 'data-invoice': inv.id, text: App.t('my.receipt'),
      onclick: async () => {
        $('msg').hidden = true;
        try { await App.download('/api/v1/billing/file/receipt', { invoice: inv.id, lang: App.lang }); } catch (e) { App.showError($('msg'), e); }
      } });
  }

  function showInvoices(invoices) {
    const rows = invoices.map(inv => E('tr', { 'data-invoice': inv.id },
      cell(month(inv.period)), cell(App.money(inv.total) + ' ₽', 'num'),
      cell(inv.issued ? App.fmtDate(inv.issued) : ''), E('td', {}, receiptButton(inv))));
    $('invoices').replaceChildren(head(['my.period', 'my.total', 'my.issued', '']),
      ...(rows.length ? rows : [E('tr', {}, E('td', { colspan: 4, text: App.t('my.no.invoices') }))]));
  }

  function showPayments(st) {
    const rows = st.entries.filter(e => PAY_KINDS.includes(e.kind)).reverse().map(e => E('tr', { 'data-seq': e.seq },
      cell(day(e.date)), cell(App.money(negate(e.amount)) + ' ₽', 'num'),
      cell(App.t('my.kind.' + e.kind) + (e.period ? ' ' + App.t('my.for') + ' ' + month(e.period) : '')),
      cell(e.payment || e.reference || '')));
    $('payments').replaceChildren(head(['my.date', 'my.amount', 'my.what', 'my.reference']),
      ...(rows.length ? rows : [E('tr', {}, E('td', { colspan: 4, text: App.t('my.no.payments') }))]));
  }

  /* Each meter's readings at the start and end of each invoiced month:
   * what the receipt prints (docs/billing.md, "Invoices"). */
  function showReadings(invoices) {
    const rows = [];
    for (const inv of invoices) {
      for (const p of inv.premises) {
        const names = new Map(p.lines.map(l => [l.code, l.name]));
        for (const r of p.readings || []) {
          rows.push(E('tr', {}, cell(month(inv.period)), cell(names.get(r.code) || r.code), cell(r.serial || r.channel),
            cell(App.qty(r.start, r.unit), 'num'), cell(App.qty(r.end, r.unit), 'num')));
        }
      }
    }
    $('readings').replaceChildren(head(['my.period', 'my.service', 'my.meter', 'my.start', 'my.end']),
      ...(rows.length ? rows : [E('tr', {}, E('td', { colspan: 5, text: App.t('my.no.readings') }))]));
  }

  /* Every invoice of the account, newest first (the server lists only
   * issued ones to a tenant). */
  async function invoicesOf(id) {
    let all = [], after;
    do {
      const r = await bill('invoice.list', after ? { account: id, after } : { account: id });
      all = all.concat(r.invoices || []);
      after = r.next;
    } while (after);
    return all.sort((a, b) => (a.period < b.period ? 1 : a.period > b.period ? -1 : 0));
  }

  async function load(acc) {
    $('msg').hidden = true;
    const [bal, debt, st, list] = await Promise.all([bill('account.balance', { account: acc.id }),
      bill('account.debt', { account: acc.id }), bill('account.statement', { account: acc.id }), invoicesOf(acc.id)]);
    /* the list's rows lack the premises and readings: the invoices themselves */
    const invoices = await Promise.all(list.map(i => bill('invoice.get', { id: i.id })));
    showAccount(acc, invoices);
    showMoney(bal, debt);
    showInvoices(invoices);
    showPayments(st);
    showReadings(invoices);
    document.dispatchEvent(new CustomEvent('my-account', { detail: { account: acc, invoices } }));
  }

  App.start(['tenant'], async me => {
    document.title = App.t('nav.my');
    const ids = me.accounts || [];
    if (!ids.length) {
      $('facts').replaceChildren(E('p', { class: 'muted', text: App.t('my.no.accounts') }));
      return;
    }
    try {
      const accounts = await Promise.all(ids.map(id => bill('account.get', { id })));
      $('account').replaceChildren(...accounts.map((a, i) => E('option', { value: i, text: a.number })));
      $('pick').hidden = accounts.length < 2;
      $('account').addEventListener('change', () => load(accounts[+$('account').value]).catch(e => App.showError($('msg'), e)));
      await load(accounts[0]);
    } catch (e) { App.showError($('msg'), e); }
  });
})();
