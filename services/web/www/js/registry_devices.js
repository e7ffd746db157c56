/* registry_devices.js - "Registry" (admin), its devices: per UO-4 of the
 * chosen object its label (the flat, "Кв. 5") and what each of its four
 * outputs drives (label and resource: "Кран ХВС", cold water), which the
 * block dialog, alarms and the audit trail show. Each save is one audited
 * archive/registry.set of the device. Loaded by registry.js whenever it
 * shows an object's channels. */
'use strict';
(function () {
  const RES = ['unknown', 'cold_water', 'hot_water', 'electricity', 'heat', 'gas'];
  const OUTS = [1, 2, 3, 4];
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);

  function row(r) {
    const key = r.id.replace(/\./g, '-');
    const outs = r.outputs || {};
    const label = E('input', { class: 'w', value: r.label || '', maxlength: 127, id: 'devlabel-' + key });
    const f = OUTS.map(n => ({
      label: E('input', { value: (outs[n] && outs[n].label) || '', maxlength: 127, id: 'outlabel-' + key + '-' + n }),
      res: E('select', { class: 'res', id: 'outres-' + key + '-' + n }, ...RES.map(v => E('option', { value: v,
        selected: v === ((outs[n] && outs[n].resource) || 'unknown'), text: App.t('res.' + v) })))
    }));
    const reason = E('input', { maxlength: 200, dataset: { i18nPh: 'reason' }, placeholder: App.t('reason') });
    const save = E('button', { class: 'primary', id: 'devsave-' + key, text: App.t('save'), onclick: async () => {
      const body = { label: label.value, outputs: {} };
      OUTS.forEach((n, i) => { body.outputs[n] = { label: f[i].label.value, resource: f[i].res.value }; });
      if (reason.value) body.reason = reason.value;
      try {
        const rec = await App.api('PATCH', '/api/v1/registry/' + r.id, body);
        Object.assign(r, rec);
        App.showOk($('msg'), App.t('saved') + ': ' + r.id + (rec.label ? ' — ' + rec.label : ''));
      } catch (e) { App.showError($('msg'), e); }
    } });
    return E('tr', { id: 'devreg-' + key }, E('td', { text: r.id }), E('td', {}, label),
      E('td', {}, ...f.map((x, i) => E('div', { class: 'out-edit' }, E('span', { class: 'muted', text: OUTS[i] }), x.label, x.res))),
      E('td', {}, reason), E('td', {}, save));
  }

  /* The devices of the chosen object (none chosen: a hint). */
  async function load() {
    const obj = $('obj').value;
    $('devhint').hidden = !!obj;
    $('devtable').hidden = !obj;
    if (!obj) return;
    try {
      let recs = [], after = null;
      do {   /* an object's records fit in one or two pages */
        const q = new URLSearchParams({ obj });
        if (after) q.set('after', after);
        const r = await App.api('GET', '/api/v1/registry?' + q);
        recs = recs.concat(r.records);
        after = r.next || null;
      } while (after);
      const th = text => E('th', { text });
      $('devtable').replaceChildren(E('tr', {}, th(App.t('device')), th(App.t('label')),
        th(App.t('outputs.drive')), th(App.t('reason')), th('')),
        ...recs.filter(r => r.id.split('.').length === 2).map(row));
    } catch (e) { App.showError($('msg'), e); }
  }

  /* registry.js calls it with the page's object filter */
  window.RegistryDevices = { load };
})();
