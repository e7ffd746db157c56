/* periods_compare.js - a month's invoices against the month before's, line
 * by line, so that an accountant sees what changed before issuing: each
 * account's two totals and their difference, and on a click its lines of
 * both months, marked changed (another amount), new, gone, or billed on a
 * basis other than the meter (average, norm). Money is compared and
 * subtracted exactly on its decimal strings (App.Bill). */
'use strict';
(function () {
  const E = (...a) => App.el(...a);
  const B = App.Bill;
  /* bases that are lines of their own beside a service's main line */
  const EXTRA = ['odn', 'recalculation', 'adjustment', 'benefit', 'subsidy', 'instalment'];
  /* bases that stand in for a meter's reading */
  const ESTIMATED = ['average', 'norm'];

  /* The key that pairs a line with its counterpart of the other month:
   * the premises, the service, its zone or tier, and whether it is the
   * service's charge (by meter, average, norm...) or a line beside it. */
  function key(p, l) {
    return [p.number, l.service, l.line || '', EXTRA.includes(l.basis) ? l.basis + (l.month || '') : 'main'].join('|');
  }

  function lines(inv) {
    const m = new Map();
    for (const p of (inv && inv.premises) || [])
      for (const l of p.lines || []) m.set(key(p, l), Object.assign({ premisesNumber: p.number }, l));
    return m;
  }

  /* A difference with its sign: "+120,00", "-120,00", "0,00". */
  function diffText(d) {
    if (B.cmp(d, '0') === 0) return App.money('0.00');
    return (B.cmp(d, '0') > 0 ? '+' : '') + App.money(d);
  }

  /* What became of a line between the months. */
  function fate(prev, cur) {
    if (!prev) return 'new';
    if (!cur) return 'gone';
    if (B.cmp(prev.amount, cur.amount) !== 0) return 'changed';
    return 'same';
  }

  function lineCells(l, other) {
    if (!l) return [B.cell('—'), B.cell(''), B.cell('')];
    const basisCls = ESTIMATED.includes(l.basis) || (other && other.basis !== l.basis) ? 'basis-odd' : '';
    return [
      E('td', { class: basisCls, text: B.basis(l.basis) }),
      B.cell(B.qty(l.quantity, l.unit), 'num'),
      B.cell(App.money(l.amount), 'num')
    ];
  }

  /* The detail row of one account: its lines of both months. */
  function detail(prev, cur, cols) {
    const a = lines(prev), b = lines(cur);
    const keys = [...new Set([...b.keys(), ...a.keys()])];
    const rows = keys.map(k => {
      const p = a.get(k), c = b.get(k);
      const f = fate(p, c);
      const l = c || p;
      return E('tr', { class: 'line-' + f, 'data-fate': f, 'data-key': k },
        B.cell(App.t('bill.flat') + ' ' + l.premisesNumber), B.cell(B.lineName(l)),
        ...lineCells(p, c), ...lineCells(c, p),
        B.cell(f === 'same' ? '' : App.t('cmp.fate.' + f), 'fate'));
    });
    const t = E('table', { class: 'lines money' });
    B.table(t, ['bill.premises', 'bk.service', 'cmp.prev.basis', 'cmp.prev.qty#', 'cmp.prev.amount#',
      'cmp.cur.basis', 'cmp.cur.qty#', 'cmp.cur.amount#', 'cmp.fate'], rows);
    return E('tr', { class: 'detail' }, E('td', { colspan: cols }, t));
  }

  function accountRow(acc, prev, cur, tbl) {
    const pt = prev ? prev.total : null, ct = cur ? cur.total : null;
    const d = pt !== null && ct !== null ? B.sub(ct, pt) : null;
    const f = !prev ? 'new' : !cur ? 'gone' : B.cmp(d, '0') !== 0 ? 'changed' : 'same';
    const inv = cur || prev;
    const tr = E('tr', { class: 'acct pick line-' + f, 'data-account': inv.number, 'data-fate': f, 'aria-expanded': 'false' },
      B.cell(inv.number), B.cell(B.holder(inv.holder)),
      B.cell(pt === null ? '—' : App.money(pt), 'num'), B.cell(ct === null ? '—' : App.money(ct), 'num'),
      B.cell(d === null ? App.t('cmp.fate.' + f) : diffText(d), 'num diff'));
    tr.addEventListener('click', () => {
      const open = tr.nextElementSibling && tr.nextElementSibling.classList.contains('detail');
      if (open) tr.nextElementSibling.remove();
      else tr.after(detail(prev, cur, tr.cells.length));
      tr.setAttribute('aria-expanded', String(!open));
    });
    return tr;
  }

  App.Compare = {
    /* Fill panel with period p of building against the month before. */
    async show(panel, building, p) {
      const before = B.prevPeriod(p);
      const [cur, prev] = await Promise.all([p, before].map(x => B.listAll('invoice.list', { building, period: x, limit: 200 })));
      panel.hidden = false;
      panel.querySelector('h2').textContent = App.tf('cmp.title', { period: B.period(p), before: B.period(before) });
      const byAcc = new Map();
      for (const i of prev) byAcc.set(i.account, { prev: i });
      for (const i of cur) byAcc.set(i.account, Object.assign(byAcc.get(i.account) || {}, { cur: i }));
      const tbl = panel.querySelector('table');
      const rows = [...byAcc.values()].sort((x, y) => ((x.cur || x.prev).number < (y.cur || y.prev).number ? -1 : 1))
        .map(v => accountRow(v.account, v.prev, v.cur, tbl));
      B.table(tbl, ['bill.number', 'bill.holder', 'cmp.prev.total#', 'cmp.cur.total#', 'cmp.diff#'], rows);
      const sum = list => list.reduce((s, i) => B.add(s, i.total), '0.00');
      const changed = rows.filter(r => r.dataset.fate !== 'same').length;
      panel.querySelector('.status-line').textContent = prev.length
        ? App.tf('cmp.summary', { before: App.money(sum(prev)), now: App.money(sum(cur)), diff: diffText(B.sub(sum(cur), sum(prev))), changed })
        : App.tf('cmp.no.before', { before: B.period(before) });
    }
  };
})();
