/* recform.js - what the accountant's record pages share (org, accounts,
 * tariffs, reports): the billing route, lists followed through their
 * pages, and forms built from a table of fields whose refusals are shown
 * beside the field the server's 400 names ("inn: ..."), the form kept as
 * typed. Loaded after apierror.js; adds App.rec. */
'use strict';
(function () {
  const App = window.App;
  const E = (...a) => App.el(...a);
  const PAGE = 2000;   /* the most K.list gives at once */

  /* POST /api/v1/billing/<method>: the server adds the actor and checks the role. */
  function call(method, body) {
    return App.api('POST', '/api/v1/billing/' + method, body || {});
  }

  /* Every record of K.list with args, following "next" page after page. */
  async function all(method, args) {
    const out = [];
    for (let after; ;) {
      const r = await call(method, Object.assign({ limit: PAGE }, args, after ? { after } : {}));
      out.push(...(r.records || []));
      if (!r.next) return out;
      after = r.next;
    }
  }

  /* "2026-11-10" as the language writes a day: "10.11.2026" in Russian. */
  function day(s) {
    if (!s) return '';
    return App.lang === 'en' ? s : String(s).split('-').reverse().join('.');
  }

  /* An integer field typed: a number when it is one, else the text as typed
   * so that the server's refusal names the field and quotes it. */
  function int(v) {
    return /^-?\d+$/.test(v) ? Number(v) : v;
  }

  /* "1, 2 3" -> [1, 2, 3] (archive objects, heating months). */
  function ints(v) {
    return v.split(/[\s,;]+/).filter(Boolean).map(int);
  }

  /* How a field's value goes between the record and its input. */
  const KINDS = {
    text: { get: v => v, set: v => (v === undefined || v === null ? '' : String(v)) },
    int: { get: int, set: v => (v === undefined || v === null ? '' : String(v)) },
    ints: { get: ints, set: v => (Array.isArray(v) ? v.join(', ') : '') },
    check: { get: v => v, set: v => !!v },
    /* a yes / no / by default choice: "" leaves the server's default */
    bool: { get: v => (v === 'true' ? true : v === 'false' ? false : v), set: v => (v === true || v === false ? String(v) : '') },
    /* a month picker's "2026-07" is the version's first day "2026-07-01" */
    month: { get: v => (/^\d{4}-\d\d$/.test(v) ? v + '-01' : v), set: v => (v ? String(v).slice(0, 7) : '') }
  };

  /* "zones[0].from" -> "zones[0]" -> "zones": the field a message names,
   * then what holds it. */
  function shorter(path) {
    const m = /^(.*)(\.[^.[\]]+|\[\d+\])$/.exec(path);
    return m ? m[1] : '';
  }

  /* The input of one field: {name, key (its label), type, options, ph, kind}. */
  function input(f) {
    if (f.type === 'select') {
      return E('select', { name: f.name, id: f.id },
        ...(f.options || []).map(o => E('option', { value: o[0], text: o[1] })));
    }
    if (f.type === 'check') return E('input', { type: 'checkbox', name: f.name, id: f.id });
    return E('input', { name: f.name, id: f.id, type: f.type || 'text', placeholder: f.ph || null,
      maxlength: f.max || 300, inputmode: f.mode || null, list: f.list || null });
  }

  /* The message of e beside the field of root it names (data-field, the
   * nearest that holds it: "premises[0].from", then "premises"), the field
   * marked and focused; false when it names none there. */
  function beside(root, e) {
    const m = /^([a-z_][\w.[\]]*): (.*)$/s.exec(String((e && e.message) || ''));
    if (!m || !e.status || e.status >= 500) return false;
    for (let path = m[1]; path; path = shorter(path)) {
      const box = root.querySelector('[data-field="' + path + '"]');
      if (!box || box.hidden) continue;
      const s = box.querySelector('.ferr');
      s.textContent = m[2];
      s.hidden = false;
      box.classList.add('bad');
      const i = box.querySelector('input, select');
      if (i) i.focus();
      return true;
    }
    return false;
  }

  /* Every field of root shown clean again. */
  function unmark(root) {
    root.querySelectorAll('.ferr').forEach(s => { s.hidden = true; s.textContent = ''; });
    root.querySelectorAll('.bad').forEach(s => s.classList.remove('bad'));
  }

  /* A form of the fields [{name, key (its label), type, kind, options, from
   * (its value in a record), skip (collected by opts.collect), dflt}] for
   * billing K.create / K.update (opts.kind): .el, .open(rec, title),
   * .values(), .fail(e), .field(name); opts.collect(values, rec) makes the
   * body, opts.saved(record) runs after a save. */
  function form(fields, opts) {
    const o = opts || {};
    const msg = E('div', { class: 'msg error', hidden: true });
    const labels = fields.map(f => E('label', { class: 'fld' + (f.type === 'check' ? ' check' : '') + (f.wide ? ' wide' : ''),
      dataset: { field: f.name } }, E('span', { text: App.t(f.key) }), input(f), E('small', { class: 'ferr', hidden: true })));
    const reason = E('label', { class: 'fld wide', dataset: { field: 'reason' }, hidden: true },
      E('span', { text: App.t('rec.reason') }), E('input', { name: 'reason', maxlength: 200 }), E('small', { class: 'ferr', hidden: true }));
    const save = E('button', { class: 'primary', type: 'submit', text: App.t('rec.save') });
    const cancel = E('button', { type: 'button', text: App.t('rec.cancel') });
    const head = E('h2', {});
    const el = E('form', { class: 'recform', id: o.id, novalidate: true, hidden: true }, head,
      E('div', { class: 'fields' }, ...labels, reason, ...(o.extra || [])), msg, E('div', { class: 'row' }, save, cancel));
    let record = null;   /* the record being edited; null: a new one */
    const field = name => el.querySelector('[name="' + name + '"]');

    function clear() {
      msg.hidden = true;
      unmark(el);
    }

    const api = {
      el,
      get record() { return record; },
      /* Open the form for rec (null: a new record) with a heading. */
      open(rec, title) {
        record = rec;
        clear();
        head.textContent = title;
        for (const f of fields) {
          const i = field(f.name), k = KINDS[f.kind || (f.type === 'check' ? 'check' : 'text')];
          const v = rec ? (f.from ? f.from(rec) : rec[f.name]) : f.dflt;
          if (f.type === 'check') i.checked = k.set(v);
          else if (v === undefined && f.type === 'select') i.selectedIndex = 0;   /* options may be refilled */
          else i.value = k.set(v);
        }
        reason.hidden = !rec;
        field('reason').value = '';
        el.hidden = false;
        if (o.onopen) o.onopen(rec);
        el.scrollIntoView({ block: 'nearest' });
        const first = el.querySelector('input:not([type=checkbox]), select');
        if (first) first.focus();
      },
      close() { el.hidden = true; record = null; },
      /* The fields as typed: the whole record for a new one, for an edit
       * what changed (an emptied field null: taken away) with id and reason. */
      values() {
        const out = {};
        for (const f of fields) {
          if (f.skip) continue;
          const i = field(f.name), k = KINDS[f.kind || (f.type === 'check' ? 'check' : 'text')];
          const raw = f.type === 'check' ? i.checked : i.value.trim();
          const v = raw === '' ? null : k.get(raw);
          if (!record) {
            if (v !== null) out[f.name] = v;
            continue;
          }
          const was = f.from ? f.from(record) : record[f.name];
          const before = f.type === 'check' ? !!was : (was === undefined || was === '' ? null : was);
          if (JSON.stringify(v) !== JSON.stringify(before)) out[f.name] = v;
        }
        if (record) Object.assign(out, { id: record.id, reason: field('reason').value.trim() });
        return out;
      },
      /* The server refused: its message beside the field it names (focused),
       * the sentence above the buttons; the typed values stay. */
      fail(e) {
        clear();
        App.showError(msg, e);
        beside(el, e);
      },
      clear,
      field
    };
    cancel.addEventListener('click', () => api.close());
    el.addEventListener('submit', async ev => {
      ev.preventDefault();
      clear();
      save.disabled = true;
      try {
        const body = o.collect ? o.collect(api.values(), record) : api.values();
        const saved = await call(o.kind + (record ? '.update' : '.create'), body);
        api.close();
        if (o.saved) await o.saved(saved);
      } catch (e) {
        api.fail(e);
      } finally {
        save.disabled = false;
      }
    });
    return api;
  }

  /* A table: head keys, rows of cells (text, or elements). */
  function table(el, head, rows) {
    const titles = head.map(h => (h[0] ? App.t(h[0]) : ''));
    /* each cell names its column: a phone shows the rows as cards (css) */
    for (const tr of rows) [...tr.cells].forEach((td, i) => { if (titles[i]) td.dataset.label = titles[i]; });
    el.replaceChildren(E('tr', {}, ...head.map((h, i) => E('th', { class: h[1] || null, text: titles[i] }))), ...rows);
  }

  /* An organisation picker filled from org.list; the chosen id kept in the
   * address (#org=2) and localStorage so the pages open where one left. */
  async function orgs(select) {
    const list = await all('org.list', {});
    select.replaceChildren(...list.map(o => E('option', { value: o.id, text: o.name })));
    const want = (/org=(\d+)/.exec(location.hash) || [])[1] || localStorage.getItem('rec.org');
    if (want && list.some(o => String(o.id) === want)) select.value = want;
    select.addEventListener('change', () => localStorage.setItem('rec.org', select.value));
    return list;
  }

  App.rec = { call, all, day, int, ints, form, table, orgs, beside, unmark };
})();
