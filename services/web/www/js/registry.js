/* registry.js - "Registry" (admin): per channel its label ("Cold water,
 * toilet, 1st floor"), resource, unit, pulse weight, meter serial and
 * verification date; each save is one audited archive/registry.set. */
'use strict';
(function () {
  const RES = ['unknown', 'cold_water', 'hot_water', 'electricity', 'heat', 'gas'];
  const UNITS = ['m3', 'kWh', 'MWh', 'Gcal', 'GJ', 'l', 'pulse'];
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);

  function select(values, cur, label) {
    return E('select', {}, ...values.map(v => E('option', { value: v, selected: v === cur, text: label ? label(v) : v })));
  }

  function row(r) {
    const w = (r.weights && r.weights.length) ? r.weights[r.weights.length - 1] : { num: 1, den: 1, valid_from: 0 };
    const key = r.id.replace(/\./g, '-');
    const f = {
      label: E('input', { class: 'w', value: r.label || '', maxlength: 200, id: 'label-' + key }),
      resource: select(RES, r.resource, v => App.t('res.' + v)),
      unit: select(UNITS, r.unit),
      num: E('input', { class: 'n', type: 'number', min: 1, value: w.num }),
      den: E('input', { class: 'n', type: 'number', min: 1, value: w.den }),
      serial: E('input', { value: r.serial || '', maxlength: 64 }),
      due: E('input', { type: 'date', value: r.verification_due || '' }),
      reason: E('input', { maxlength: 200, dataset: { i18nPh: 'reason' }, placeholder: App.t('reason') })
    };
    const save = E('button', { class: 'primary', id: 'save-' + key, text: App.t('save'), onclick: async () => {
      const body = { label: f.label.value, resource: f.resource.value, unit: f.unit.value, serial: f.serial.value,
        verification_due: f.due.value };
      const num = parseInt(f.num.value, 10), den = parseInt(f.den.value, 10);
      if (num !== w.num || den !== w.den) body.weight = { num, den, valid_from: w.valid_from || 0 };
      if (f.reason.value) body.reason = f.reason.value;
      try {
        const rec = await App.api('PATCH', '/api/v1/registry/' + r.id, body);
        Object.assign(r, rec);
        App.showOk($('msg'), App.t('saved') + ': ' + r.id + (rec.label ? ' — ' + rec.label : ''));
      } catch (e) { App.showError($('msg'), e); }
    } });
    return E('tr', { id: 'reg-' + key }, E('td', { text: r.id }), E('td', {}, f.label), E('td', {}, f.resource), E('td', {}, f.unit),
      E('td', {}, E('div', { class: 'pair' }, f.num, '/', f.den)), E('td', {}, f.serial), E('td', {}, f.due), E('td', {}, f.reason), E('td', {}, save));
  }

  App.start(['admin'], async () => {
    document.title = App.t('nav.registry');
    try {
      const r = await App.api('GET', '/api/v1/registry?channels_only=1');
      $('table').replaceChildren(E('tr', {}, ...['channel', 'label', 'resource', 'unit', 'weight', 'serial', 'verification', 'reason', ''].map(k => E('th', { text: k ? App.t(k) : '' }))),
        ...r.records.map(row));
    } catch (e) { App.showError($('msg'), e); }
  });
})();
