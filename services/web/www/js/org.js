/* org.js - "Организации и дома" (admin, accountant): the organisations
 * billing keeps (org.list), each created and edited with its bank details
 * (org.create, org.update), and the buildings of the one chosen
 * (building.list {"org"}, building.create, building.update). amr-billing
 * checks every field (ИНН and account check digits...); its refusal is
 * shown beside the field it names, the form kept as typed (recform.js). */
'use strict';
(function () {
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);
  const R = () => App.rec;
  let orgForm, bldForm;
  let current = null;   /* the organisation whose buildings are shown */

  const ORG_FIELDS = [
    { name: 'name', key: 'rec.f.name', wide: true },
    { name: 'inn', key: 'rec.f.inn', mode: 'numeric', max: 12 },
    { name: 'kpp', key: 'rec.f.kpp', max: 9 },
    { name: 'account', key: 'rec.f.account', mode: 'numeric', max: 20 },
    { name: 'bik', key: 'rec.f.bik', mode: 'numeric', max: 9 },
    { name: 'corr_account', key: 'rec.f.corr_account', mode: 'numeric', max: 20 },
    { name: 'bank', key: 'rec.f.bank', wide: true },
    { name: 'address', key: 'rec.f.address', wide: true },
    { name: 'phone', key: 'rec.f.phone', type: 'tel' },
    { name: 'email', key: 'rec.f.email', type: 'email' },
    { name: 'due_day', key: 'rec.f.due_day', kind: 'int', mode: 'numeric', max: 2, ph: '10' }
  ];

  const BLD_FIELDS = [
    { name: 'address', key: 'rec.f.address', wide: true },
    { name: 'tz', key: 'rec.f.tz', dflt: 'Europe/Moscow', list: 'tz-list' },
    { name: 'objects', key: 'rec.f.objects', kind: 'ints', ph: '1, 2' },
    { name: 'common_area', key: 'rec.f.common_area', mode: 'decimal', ph: '420.00' },
    { name: 'heating_months', key: 'rec.f.heating_months', kind: 'ints', ph: '10, 11, 12, 1, 2, 3, 4' },
    { name: 'note', key: 'rec.f.note', wide: true }
  ];

  const cell = (text, cls) => E('td', { class: cls || null, text: text === undefined || text === null ? '' : String(text) });
  const button = (key, fn, cls) => E('button', { type: 'button', class: 'small' + (cls ? ' ' + cls : ''), text: App.t(key), onclick: fn });

  async function loadOrgs() {
    const list = await R().all('org.list', {});
    R().table($('orgs'), [['rec.f.name'], ['rec.f.inn'], ['rec.f.kpp'], ['rec.f.address'], ['rec.f.due_day', 'num'], ['']],
      list.map(o => E('tr', { dataset: { org: o.id } },
        cell(o.name, 'name'), cell(o.inn), cell(o.kpp), cell(o.address),
        cell(o.due_day || 10, 'num'),
        E('td', { class: 'acts' }, button('rec.edit', () => orgForm.open(o, App.t('rec.org.edit') + ': ' + o.name), 'edit'),
          button('rec.buildings', () => showBuildings(o), 'blds')))));
    if (!list.length) $('orgs').append(E('tr', {}, E('td', { colspan: 6, text: App.t('bill.no.orgs') })));
    if (current) {
      const o = list.find(x => x.id === current.id);
      if (o) await showBuildings(o);
    }
    return list;
  }

  async function showBuildings(o) {
    current = o;
    location.hash = 'org=' + o.id;
    $('bld-panel').hidden = false;
    $('bld-title').textContent = App.t('rec.buildings.of') + ' ' + o.name;
    const list = await R().all('building.list', { org: o.id });
    R().table($('buildings'), [['rec.f.address'], ['rec.f.tz'], ['rec.f.objects'], ['rec.f.common_area', 'num'],
      ['rec.f.heating_months'], ['']],
    list.map(b => E('tr', { dataset: { building: b.id } },
      cell(b.address, 'name'), cell(b.tz), cell((b.objects || []).join(', ')),
      cell(b.common_area ? App.num(b.common_area) + '\u00a0' + App.t('rec.m2') : '', 'num'),
      cell((b.heating_months || []).join(', ')),
      E('td', { class: 'acts' }, button('rec.edit', () => bldForm.open(b, App.t('rec.bld.edit') + ': ' + b.address), 'edit'),
        E('a', { class: 'small', href: '/accounts.html#org=' + o.id + '&building=' + b.id, text: App.t('nav.accounts') })))));
    if (!list.length) $('buildings').append(E('tr', {}, E('td', { colspan: 6, text: App.t('rec.no.buildings') })));
  }

  /* Zones the browser knows, for the time zone field's suggestions. */
  function zones() {
    const names = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['Europe/Moscow'];
    return E('datalist', { id: 'tz-list' }, ...names.map(z => E('option', { value: z })));
  }

  App.start(['admin', 'accountant'], async () => {
    document.title = App.t('nav.org');
    orgForm = R().form(ORG_FIELDS, { id: 'org-form', kind: 'org', saved: async o => { current = o; await loadOrgs(); } });
    bldForm = R().form(BLD_FIELDS, { id: 'bld-form', kind: 'building',
      collect: (v, rec) => (rec ? v : Object.assign({ org: current.id }, v)), saved: () => showBuildings(current) });
    $('org-form-box').append(orgForm.el);
    $('bld-form-box').append(bldForm.el, zones());
    $('org-new').addEventListener('click', () => orgForm.open(null, App.t('rec.org.new')));
    $('bld-new').addEventListener('click', () => bldForm.open(null, App.t('rec.bld.new')));
    try {
      const list = await loadOrgs();
      const want = +(/org=(\d+)/.exec(location.hash) || [])[1];
      const o = list.find(x => x.id === want);
      if (o) await showBuildings(o);
    } catch (e) { App.showError($('msg'), e); }
  });
})();
