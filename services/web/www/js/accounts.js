/* accounts.js - "Помещения и лицевые счета" (admin, accountant): the
 * premises of a building (premises.list {"building"}) and the accounts of
 * its organisation that hold them (account.list {"org"}), each created and
 * edited (premises.create/.update, account.create/.update) with amr-billing's
 * refusals beside the field they name; a search over the loaded lists by
 * account number, holder, premises number or address. An account's number
 * opens its statement (/statement.html?account=ID). */
'use strict';
(function () {
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);
  const R = () => App.rec;
  let premForm, accForm;
  let buildings = [], premises = [], accounts = [];

  const PREM_FIELDS = [
    { name: 'number', key: 'rec.f.number', max: 20 },
    { name: 'kind', key: 'rec.f.kind', type: 'select', options: [] },
    { name: 'area', key: 'rec.f.area', mode: 'decimal', ph: '54.30' },
    { name: 'residents', key: 'rec.f.residents', kind: 'int', mode: 'numeric', ph: '0' },
    { name: 'entrance', key: 'rec.f.entrance', kind: 'int', mode: 'numeric' },
    { name: 'floor', key: 'rec.f.floor', kind: 'int', mode: 'numeric' },
    { name: 'meter_possible', key: 'rec.f.meter_possible', type: 'check' }
  ];

  /* the holder's fields are one object on the wire: collected in holder() */
  const holderOf = k => rec => (rec.holder || {})[k];
  const ACC_FIELDS = [
    { name: 'number', key: 'bill.number', max: 40 },
    { name: 'holder.type', key: 'rec.f.holder_type', type: 'select', options: [], from: holderOf('type'), skip: true },
    { name: 'holder.name', key: 'bill.holder', wide: true, from: holderOf('name'), skip: true },
    { name: 'holder.inn', key: 'rec.f.inn', mode: 'numeric', max: 12, from: holderOf('inn'), skip: true },
    { name: 'holder.kpp', key: 'rec.f.kpp', max: 9, from: holderOf('kpp'), skip: true },
    { name: 'email', key: 'rec.f.email', type: 'email' },
    { name: 'phone', key: 'rec.f.phone', type: 'tel' }
  ];

  const cell = (text, cls) => E('td', { class: cls || null, text: text === undefined || text === null ? '' : String(text) });
  const building = () => buildings.find(b => String(b.id) === $('building').value);
  const premNumber = id => { const p = premises.find(x => x.id === id); return p ? p.number : '#' + id; };

  /* ---- premises ---- */

  function premRow(p) {
    const edit = E('button', { type: 'button', class: 'small edit', text: App.t('rec.edit'),
      onclick: () => premForm.open(p, App.t('rec.prem.edit') + ' ' + p.number) });
    return E('tr', { dataset: { premises: p.id, number: p.number } },
      cell(p.number, 'name'), cell(App.t('rec.kind.' + p.kind)), cell(App.num(p.area) + '\u00a0' + App.t('rec.m2'), 'num'),
      cell(p.residents, 'num'), cell(p.entrance), cell(p.floor), E('td', { class: 'acts' }, edit));
  }

  /* ---- accounts ---- */

  function holdings(a) {
    return (a.premises || []).map(h => App.t('bill.flat') + ' ' + premNumber(h.premises) +
      (h.share && h.share !== '1' ? ' (' + h.share + ')' : '') + ' ' + App.t('rec.since') + ' ' + R().day(h.from) +
      (h.to ? ' ' + App.t('rec.until') + ' ' + R().day(h.to) : '')).join('; ');
  }

  function accRow(a) {
    const edit = E('button', { type: 'button', class: 'small edit', text: App.t('rec.edit'),
      onclick: () => accForm.open(a, App.t('rec.acc.edit') + ' ' + a.number) });
    return E('tr', { dataset: { account: a.id, number: a.number } },
      E('td', { class: 'name' }, E('a', { href: '/statement.html?account=' + a.id, text: a.number, title: App.t('rec.statement') })),
      cell((a.holder || {}).name), cell(holdings(a)), cell([a.phone, a.email].filter(Boolean).join(', ')),
      E('td', { class: 'acts' }, edit));
  }

  /* The editor of an account's holdings: premises, move-in, move-out, share. */
  const holdBox = E('div', { class: 'holdings fld wide', dataset: { field: 'premises' } });

  function holdLine(h, i) {
    const opts = premises.map(p => E('option', { value: p.id, text: App.t('bill.flat') + ' ' + p.number }));
    if (h.premises && !premises.some(p => p.id === h.premises)) opts.push(E('option', { value: h.premises, text: '#' + h.premises }));
    const part = (name, node) => E('label', { class: 'fld', dataset: { field: 'premises[' + i + '].' + name } },
      E('span', { text: App.t('rec.h.' + name) }), node, E('small', { class: 'ferr', hidden: true }));
    const sel = E('select', { class: 'h-premises' }, ...opts);
    if (h.premises) sel.value = h.premises;
    return E('div', { class: 'hold row', dataset: { field: 'premises[' + i + ']' } },
      part('premises', sel),
      part('from', E('input', { type: 'date', class: 'h-from', value: h.from || '' })),
      part('to', E('input', { type: 'date', class: 'h-to', value: h.to || '' })),
      part('share', E('input', { class: 'h-share', maxlength: 20, placeholder: '1', value: h.share || '' })),
      E('button', { type: 'button', class: 'small', text: App.t('rec.remove'), onclick: ev => {
        ev.target.closest('.hold').remove();
      } }), E('small', { class: 'ferr', hidden: true }));
  }

  function fillHoldings(list) {
    holdBox.replaceChildren(E('span', { class: 'cap', text: App.t('rec.holdings') }),
      ...list.map(holdLine), E('small', { class: 'ferr', hidden: true }),
      E('button', { type: 'button', class: 'small', id: 'hold-add', text: App.t('rec.hold.add'), onclick: ev => {
        ev.target.before(holdLine({}, holdBox.querySelectorAll('.hold').length));
      } }));
  }

  /* The holdings in their order, each field numbered as the server will
   * name it (premises[1].share), rows removed or not. */
  function readHoldings() {
    return [...holdBox.querySelectorAll('.hold')].map((d, i) => {
      d.dataset.field = 'premises[' + i + ']';
      d.querySelectorAll('label.fld').forEach(l => { l.dataset.field = l.dataset.field.replace(/^premises\[\d+\]/, 'premises[' + i + ']'); });
      const h = { premises: R().int(d.querySelector('.h-premises').value) };
      for (const k of ['from', 'to', 'share']) {
        const v = d.querySelector('.h-' + k).value.trim();
        if (v) h[k] = v;
      }
      return h;
    });
  }

  /* The account's body: the holder as one object, the holdings as a list;
   * for an edit only what changed. */
  function collectAccount(v, rec) {
    const holder = { type: accForm.field('holder.type').value, name: accForm.field('holder.name').value.trim() };
    for (const k of ['inn', 'kpp']) {
      const x = accForm.field('holder.' + k).value.trim();
      if (x) holder[k] = x;
    }
    const held = readHoldings();
    if (!rec) return Object.assign({ org: +$('org').value, holder, premises: held }, v);
    if (JSON.stringify(holder) !== JSON.stringify(rec.holder || {})) v.holder = holder;
    if (JSON.stringify(held) !== JSON.stringify(rec.premises || [])) v.premises = held;
    return v;
  }

  /* ---- the lists and the search ---- */

  function matches(q, texts) {
    return !q || texts.some(t => t && String(t).toLowerCase().includes(q));
  }

  function render() {
    const q = $('q').value.trim().toLowerCase();
    const b = building();
    const mine = new Set(premises.map(p => p.id));
    const addr = b ? b.address : '';
    /* the building's accounts, and those holding nothing yet (just made) */
    const here = accounts.filter(a => !(a.premises || []).length || a.premises.some(h => mine.has(h.premises)));
    const shownA = here.filter(a => matches(q, [a.number, (a.holder || {}).name, addr,
      ...(a.premises || []).map(h => premNumber(h.premises))]));
    /* a premises found by its number, or held by an account found */
    const held = new Set([].concat(...shownA.map(a => (a.premises || []).map(h => h.premises))));
    const shownP = premises.filter(p => held.has(p.id) || matches(q, [p.number, addr]));
    R().table($('premises'), [['rec.f.number'], ['rec.f.kind'], ['rec.f.area', 'num'], ['rec.f.residents', 'num'],
      ['rec.f.entrance'], ['rec.f.floor'], ['']], shownP.map(premRow));
    R().table($('accounts'), [['bill.number'], ['bill.holder'], ['rec.holdings'], ['rec.contacts'], ['']], shownA.map(accRow));
    $('count').textContent = App.tf('rec.count', { p: shownP.length, pa: premises.length, a: shownA.length, aa: here.length });
  }

  async function loadBuilding() {
    $('msg').hidden = true;
    premises = $('building').value ? await R().all('premises.list', { building: +$('building').value }) : [];
    accounts = await R().all('account.list', { org: +$('org').value });
    const b = building();
    $('prem-new').disabled = !b;
    location.hash = 'org=' + $('org').value + (b ? '&building=' + b.id : '');
    render();
  }

  async function loadOrg() {
    buildings = await R().all('building.list', { org: +$('org').value });
    $('building').replaceChildren(...buildings.map(b => E('option', { value: b.id, text: b.address })));
    const want = (/building=(\d+)/.exec(location.hash) || [])[1];
    if (want && buildings.some(b => String(b.id) === want)) $('building').value = want;
    await loadBuilding();
  }

  const guard = fn => async () => { try { await fn(); } catch (e) { App.showError($('msg'), e); } };

  App.start(['admin', 'accountant'], async () => {
    document.title = App.t('nav.accounts');
    PREM_FIELDS[1].options = ['flat', 'nonresidential'].map(k => [k, App.t('rec.kind.' + k)]);
    ACC_FIELDS[1].options = ['person', 'legal'].map(k => [k, App.t('rec.holder.' + k)]);
    premForm = R().form(PREM_FIELDS, { id: 'prem-form', kind: 'premises',
      collect: (v, rec) => (rec ? v : Object.assign({ building: +$('building').value }, v)), saved: guard(loadBuilding) });
    accForm = R().form(ACC_FIELDS, { id: 'acc-form', kind: 'account', extra: [holdBox], collect: collectAccount,
      onopen: rec => fillHoldings(rec ? rec.premises || [] : []), saved: guard(loadBuilding) });
    $('prem-form-box').append(premForm.el);
    $('acc-form-box').append(accForm.el);
    $('prem-new').addEventListener('click', () => premForm.open(null, App.t('rec.prem.new')));
    $('acc-new').addEventListener('click', () => accForm.open(null, App.t('rec.acc.new')));
    $('org').addEventListener('change', guard(loadOrg));
    $('building').addEventListener('change', guard(loadBuilding));
    $('q').addEventListener('input', render);
    await guard(async () => {
      const orgs = await R().orgs($('org'));
      if (orgs.length) await loadOrg();
      else $('count').textContent = App.t('bill.no.orgs');
    })();
  });
})();
