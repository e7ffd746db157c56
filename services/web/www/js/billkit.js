/* billkit.js - what the accountant's money pages share (periods, invoices,
 * payments, statement): dates and periods as the language writes them, the
 * organisation and building pickers, exact money arithmetic on amr-billing's
 * decimal strings, and a server's refusal shown beside the field it names.
 * Loaded after common.js and locale.js. */
'use strict';
(function () {
  const App = window.App;
  const E = (...a) => App.el(...a);

  /* Money as whole kopecks in a BigInt: exact, never a binary float. */
  const MONEY = /^(-?)(\d+)(?:\.(\d{1,2}))?$/;

  function kopecks(s) {
    const m = MONEY.exec(String(s === undefined || s === null || s === '' ? '0' : s));
    if (!m) throw new Error('not money: ' + s);
    const k = BigInt(m[2]) * 100n + BigInt((m[3] || '0').padEnd(2, '0'));
    return m[1] ? -k : k;
  }

  function fromKopecks(k) {
    const neg = k < 0n;
    const a = neg ? -k : k;
    return (neg ? '-' : '') + (a / 100n) + '.' + String(a % 100n).padStart(2, '0');
  }

  const Bill = {
    /* "2026-11-10" as the language writes a date: "10.11.2026" in Russian. */
    day(s) {
      if (!s) return '—';
      return App.lang === 'en' ? s : s.split('-').reverse().join('.');
    },

    /* "2026-10" as a month: "10.2026" in Russian. */
    period(p) {
      if (!p) return '—';
      return App.lang === 'en' ? p : p.split('-').reverse().join('.');
    },

    /* Today in the site's zone (App.me.tz), "YYYY-MM-DD": payments may not
     * be dated after it, and the browser's own zone may differ. */
    today() {
      const tz = (App.me && App.me.tz) || undefined;
      return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' })
        .format(new Date());
    },

    /* The month n months before today's in the site's zone, "YYYY-MM". */
    monthBefore(n) {
      const [y, m] = Bill.today().split('-').map(Number);
      const i = y * 12 + (m - 1) - n;
      return Math.floor(i / 12) + '-' + String((i % 12) + 1).padStart(2, '0');
    },

    /* The month before p ("2026-10" -> "2026-09"). */
    prevPeriod(p) {
      const [y, m] = p.split('-').map(Number);
      const i = y * 12 + (m - 1) - 1;
      return Math.floor(i / 12) + '-' + String((i % 12) + 1).padStart(2, '0');
    },

    /* Exact money on decimal strings ("1500.00"). */
    sub: (a, b) => fromKopecks(kopecks(a) - kopecks(b)),
    add: (a, b) => fromKopecks(kopecks(a) + kopecks(b)),
    cmp(a, b) {
      const d = kopecks(a) - kopecks(b);
      return d < 0n ? -1 : d > 0n ? 1 : 0;
    },
    /* "1500.00" -> "150000", the kopecks of a payment QR code's Sum. */
    kopecks: s => String(kopecks(s)),

    /* Money as typed by a person ("1 500,5") as the server reads it ("1500.5"). */
    moneyInput: s => String(s || '').trim().replace(/[\s\u00a0]/g, '').replace(',', '.'),

    /* Every record of a billing list, following "next". */
    async listAll(method, args) {
      const out = [];
      for (let after; ;) {
        const r = await App.api('POST', '/api/v1/billing/' + method, Object.assign({}, args, after ? { after } : {}));
        out.push(...(r.records || r.invoices || []));
        if (!r.next) return out;
        after = r.next;
      }
    },

    /* Fill a select with records: value id, text label(rec). */
    fill(sel, records, label, keep) {
      const was = keep || sel.value;
      sel.replaceChildren(...records.map(r => E('option', { value: r.id, text: label(r) })));
      if (was && records.some(r => String(r.id) === String(was))) sel.value = was;
    },

    /* The organisation and building pickers: fill orgSel with the
     * organisations and bldSel with the chosen one's buildings, again on
     * each change of organisation; onChange after each fill. */
    async pickers(orgSel, bldSel, onChange, want) {
      const orgs = await Bill.listAll('org.list', {});
      Bill.fill(orgSel, orgs, o => o.name, want && want.org);
      const buildings = async () => {
        if (!bldSel) return;
        const list = orgSel.value ? await Bill.listAll('building.list', { org: +orgSel.value }) : [];
        Bill.fill(bldSel, list, b => b.address, want && want.building);
      };
      await buildings();
      orgSel.addEventListener('change', async () => { await buildings(); if (onChange) await onChange(); });
      if (bldSel && onChange) bldSel.addEventListener('change', onChange);
      return orgs;
    },

    /* Clear the errors shown beside a form's fields. */
    clearErrors(form) {
      form.querySelectorAll('.field-error').forEach(e => e.remove());
      form.querySelectorAll('[aria-invalid]').forEach(e => e.removeAttribute('aria-invalid'));
    },

    /* Show e beside the field of form it names ("amount: ..." -> the input
     * with data-field="amount"), or in box when it names none of them.
     * Returns the element it marked, if any. */
    fieldError(form, box, e) {
      Bill.clearErrors(form);
      const field = (String(e && e.message || '').match(/^([a-z_]+)(?:\[\d+\])?(?:\.[a-z_]+)?: /) || [])[1];
      const input = field && form.querySelector('[data-field="' + field + '"]');
      if (!input) {
        App.showError(box, e);
        return null;
      }
      input.setAttribute('aria-invalid', 'true');
      input.closest('label').append(E('span', { class: 'field-error', 'data-for': field, text: App.errorText(e) }));
      return input;
    },

    /* Ask a question in dialog dlg (a <dialog> holding a form with a
     * submit button and a [data-cancel] button): resolves true when
     * confirmed, false when cancelled. check(form) may refuse the submit
     * by returning a message, shown in the dialog's .field-error slot. */
    ask(dlg, check) {
      const form = dlg.querySelector('form');
      const err = dlg.querySelector('.dlg-error');
      err.hidden = true;
      return new Promise(resolve => {
        const done = ok => {
          form.removeEventListener('submit', submit);
          cancel.removeEventListener('click', no);
          dlg.removeEventListener('cancel', no);
          dlg.close();
          resolve(ok);
        };
        const submit = ev => {
          ev.preventDefault();
          const bad = check && check(form);
          if (bad) {
            err.textContent = bad;
            err.hidden = false;
            return;
          }
          done(true);
        };
        const no = ev => { ev.preventDefault(); done(false); };
        const cancel = dlg.querySelector('[data-cancel]');
        form.addEventListener('submit', submit);
        cancel.addEventListener('click', no);
        dlg.addEventListener('cancel', no);
        dlg.showModal();
      });
    },

    /* A table: heads (i18n keys; a key ending in "#" is a number column)
     * then rows of cells. */
    table(tbl, heads, rows) {
      tbl.replaceChildren(E('tr', {}, ...heads.map(k => E('th', k.endsWith('#')
        ? { class: 'num', text: App.t(k.slice(0, -1)) } : { text: App.t(k) }))), ...rows);
    },

    cell(text, cls) {
      return E('td', cls ? { class: cls, text } : { text });
    },

    /* The words of a basis ("meter" -> "по счётчику"). */
    basis: b => (App.t('bk.basis.' + b) !== 'bk.basis.' + b ? App.t('bk.basis.' + b) : b),
    /* A line's service name with its zone or tier. */
    lineName: l => (l.name || l.code) + (l.line ? ' (' + (App.t('bk.line.' + l.line) !== 'bk.line.' + l.line ? App.t('bk.line.' + l.line) : l.line) + ')' : ''),
    /* A line's quantity with its unit: m² and months as the language
     * writes them, the meters' units as App.unit does. */
    qty(q, u) {
      const own = App.t('bk.unit.' + u);
      return own !== 'bk.unit.' + u ? App.num(q) + '\u00a0' + own : App.qty(q, u);
    },
    holder: h => (h && typeof h === 'object' ? h.name : h) || ''
  };
  App.Bill = Bill;
})();
