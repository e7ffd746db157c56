/* registry.js - "Registry" (admin): per channel its label ("Cold water,
 * toilet, 1st floor"), resource, unit, pulse weight, meter serial,
 * verification date and the meter's reading (the archive pairs it with the
 * counter as it stands). "Meter replaced" starts a new weight period at
 * the current hour and needs the new meter's reading. Each save is one
 * audited archive/registry.set. */
'use strict';
(function () {
  const RES = ['unknown', 'cold_water', 'hot_water', 'electricity', 'heat', 'gas'];
  const UNITS = ['m3', 'kWh', 'MWh', 'Gcal', 'GJ', 'l', 'pulse'];
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);

  function select(values, cur, label, cls) {
    return E('select', { class: cls || '' }, ...values.map(v => E('option', { value: v, selected: v === cur, text: label ? label(v) : v })));
  }

  function row(r) {
    const w = (r.weights && r.weights.length) ? r.weights[r.weights.length - 1] : { num: 1, den: 1, valid_from: 0 };
    const key = r.id.replace(/\./g, '-');
    const f = {
      label: E('input', { class: 'w', value: r.label || '', maxlength: 200, id: 'label-' + key }),
      resource: select(RES, r.resource, v => App.t('res.' + v), 'res'),
      unit: select(UNITS, r.unit, v => App.unit(v)),
      num: E('input', { class: 'n', type: 'number', min: 1, value: w.num }),
      den: E('input', { class: 'n', type: 'number', min: 1, value: w.den }),
      serial: E('input', { value: r.serial || '', maxlength: 64 }),
      due: E('input', { type: 'date', value: r.verification_due || '' }),
      initial: E('input', { class: 'reading', value: App.num(r.initial_reading || '0'), maxlength: 30, inputmode: 'decimal' }),
      replaced: E('input', { type: 'checkbox', class: 'replaced' }),
      reason: E('input', { maxlength: 200, dataset: { i18nPh: 'reason' }, placeholder: App.t('reason') })
    };
    const save = E('button', { class: 'primary', id: 'save-' + key, text: App.t('save'), onclick: async () => {
      const body = { label: f.label.value, resource: f.resource.value, unit: f.unit.value, serial: f.serial.value,
        verification_due: f.due.value };
      const num = parseInt(f.num.value, 10), den = parseInt(f.den.value, 10);
      const initial = f.initial.value.trim().replace(',', '.');
      if (f.replaced.checked) {
        /* a new meter: a new weight period from this hour, its own reading */
        if (initial === (r.initial_reading || '0')) { App.showError($('msg'), new Error(App.t('meter.reading.needed'))); return; }
        body.weight = { num, den, valid_from: Math.floor(Date.now() / 3600000) * 3600 };
      } else if (num !== w.num || den !== w.den) {
        body.weight = { num, den, valid_from: w.valid_from || 0 };
      }
      if (initial !== (r.initial_reading || '0')) body.initial_reading = initial;
      if (f.reason.value) body.reason = f.reason.value;
      try {
        const rec = await App.api('PATCH', '/api/v1/registry/' + r.id, body);
        Object.assign(r, rec);
        f.replaced.checked = false;
        pair.textContent = pairText(r);
        App.showOk($('msg'), App.t('saved') + ': ' + r.id + (rec.label ? ' — ' + rec.label : ''));
      } catch (e) { App.showError($('msg'), e); }
    } });
    const pair = E('div', { class: 'muted small', text: pairText(r) });
    return E('tr', { id: 'reg-' + key }, E('td', { text: r.id }), E('td', {}, f.label), E('td', {}, f.resource), E('td', {}, f.unit),
      E('td', {}, E('div', { class: 'pair' }, f.num, '/', f.den)), E('td', {}, f.serial), E('td', {}, f.due),
      E('td', {}, f.initial, pair, E('label', { class: 'check' }, f.replaced, App.t('meter.replaced'))),
      E('td', {}, f.reason), E('td', {}, save));
  }

  /* "at counter N": the device counter the meter's reading belongs to */
  function pairText(r) {
    return App.t('at.counter') + ' ' + (r.initial_total || 0);
  }

  /* One page of channels (the API gives at most 2000 at a time, then
   * "next"): the first one replaces the table, "more" appends the next. */
  let after = null;
  async function load(append) {
    const obj = $('obj').value;
    const q = new URLSearchParams({ channels_only: '1' });
    if (obj) q.set('obj', obj);
    if (append && after) q.set('after', after);
    try {
      const r = await App.api('GET', '/api/v1/registry?' + q);
      if (!append)
        $('table').replaceChildren(E('tr', {}, ...['channel', 'label', 'resource', 'unit', 'weight', 'serial', 'verification', 'meter.reading', 'reason', ''].map(k => E('th', { text: k ? App.t(k) : '' }))));
      $('table').append(...r.records.map(row));
      after = r.next || null;
      $('more').hidden = !after;
    } catch (e) { App.showError($('msg'), e); }
  }

  App.start(['admin'], async () => {
    document.title = App.t('nav.registry');
    $('filters').addEventListener('submit', ev => { ev.preventDefault(); load(false); RegistryDevices.load(); });
    $('more').addEventListener('click', () => load(true));
    try {
      const r = await App.api('GET', '/api/v1/objects');
      $('obj').append(...r.objects.map(o => E('option', { value: o.obj, text: String(o.obj) })));
    } catch (e) { App.showError($('msg'), e); }
    await load(false);
    await RegistryDevices.load();
  });
})();
