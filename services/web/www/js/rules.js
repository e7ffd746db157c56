/* rules.js - "Alarm rules" (admin, operator): amr-notify's rules'
 * parameters per scope (GET /api/v1/notify/rules): default, a resource,
 * an object (2) or a channel (1.5.1), each with who set it, when and why;
 * an admin sets a scope's parameters (PUT, replacing them whole) or
 * removes them (DELETE), always with a reason; operators see the page
 * read-only. "What applies" shows rule.effective's values for an object
 * or a channel and the scope each came from. Thresholds are exact
 * decimals typed as text (the channel's unit per hour), the debt in
 * rubles ("5000.00", shown from kopecks by string arithmetic): no binary
 * floating point touches them. */
'use strict';
(function () {
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);
  const RESOURCES = ['cold_water', 'hot_water', 'electricity', 'heat', 'gas', 'unknown'];
  /* name, kind (int, dec: a decimal string, rub: the debt), unit key,
   * bounds of an int; obj: set at default or an object only */
  const PARAMS = [
    ['leak_hours', 'int', 'u.h', 0, 720], ['leak_zero_min', 'int', 'u.min', 1, 1440],
    ['night_from_h', 'int', 'u.hour', 0, 23], ['night_to_h', 'int', 'u.hour', 0, 23],
    ['night_max_per_h', 'dec', 'u.per_h'], ['burst_per_h', 'dec', 'u.per_h'],
    ['burst_min', 'int', 'u.min', 0, 1440], ['stuck_days', 'int', 'u.days', 0, 366],
    ['stuck_min_pulses', 'int', 'u.pulses', 0, 16], ['max_gap_min', 'int', 'u.min', 1, 10080],
    ['verification_days', 'int', 'u.days', 0, 3650],
    ['gateway_offline_min', 'int', 'u.min', 0, 1440, true], ['spool_pct', 'int', 'u.pct', 0, 100, true],
    ['debt_threshold', 'rub', 'u.rub', 0, 0, true]
  ];
  let me = null;
  let rules = [];

  /* kopecks (an integer) as rubles "5000.00", by digits */
  function rubles(k) {
    const s = String(k).padStart(3, '0');
    return s.slice(0, -2) + '.' + s.slice(-2);
  }
  const shown = (name, v) => name === 'debt_threshold' ? rubles(v) : String(v);
  const unit = p => App.t(p[2]);
  /* a channel's unit as people write it ("m3": м³) */
  const UNITS = { m3: 'u.m3', l: 'u.l', kWh: 'u.kwh', Gcal: 'u.gcal', pulse: 'u.pulses' };
  const chanUnit = u => UNITS[u] ? App.t(UNITS[u]) : u;

  function scopeName(s) {
    if (s === 'default') return App.t('ru.sc.default');
    if (s === 'builtin') return App.t('ru.sc.builtin');
    if (RESOURCES.includes(s)) return App.t('res.' + s);
    return App.t(s.split('.').length === 3 ? 'ru.sc.channel' : 'ru.sc.object') + ' ' + s;
  }

  function paramsText(params) {
    return PARAMS.filter(p => params[p[0]] !== undefined)
      .map(p => App.t('rp.' + p[0]) + ': ' + shown(p[0], params[p[0]]) + ' ' + App.t(p[1] === 'dec' ? 'u.per_h.short' : p[2])).join('; ');
  }

  function render() {
    const admin = me.role === 'admin';
    const head = E('tr', {}, ...['ru.scope', 'ru.params.short', 'ru.by', ''].map(k => E('th', { text: k ? App.t(k) : '' })));
    $('rules').replaceChildren(head, ...(rules.length ? rules.map(r => E('tr', { id: 'rule-' + r.scope, dataset: { scope: r.scope } },
      E('td', { class: 'name', text: scopeName(r.scope) }),
      E('td', { class: 'params', 'data-label': App.t('ru.params.short'), text: paramsText(r.params || {}) }),
      E('td', { 'data-label': App.t('ru.by'), text: r.by + ', ' + App.fmtTime(r.ts) + (r.reason ? ': ' + r.reason : '') }),
      E('td', { class: 'acts' }, admin ? E('button', { type: 'button', class: 'small', id: 'edit-' + r.scope, text: App.t('ct.edit'), onclick: () => edit(r) }) : null)))
      : [E('tr', {}, E('td', { class: 'muted', colspan: 4, text: App.t('ru.none') }))]));
  }

  function fields() {
    $('r-params').append(...PARAMS.map(p => E('label', {},
      E('span', { text: App.t('rp.' + p[0]) + ', ' + unit(p) + (p[5] ? ' ' + App.t('ru.objonly') : '') }),
      p[1] === 'int'
        ? E('input', { id: 'p-' + p[0], type: 'number', min: p[3], max: p[4], step: 1, inputmode: 'numeric' })
        : E('input', { id: 'p-' + p[0], inputmode: 'decimal', maxlength: 20, pattern: '[0-9]+([.][0-9]+)?', placeholder: p[1] === 'rub' ? '5000.00' : '0.030' }))));
    $('r-scopes').append(...['default', ...RESOURCES].map(s => E('option', { value: s, text: scopeName(s) })));
  }

  function edit(r) {
    r = r || { scope: '', params: {} };
    $('form-title').textContent = r.scope ? App.t('ru.set') + ': ' + scopeName(r.scope) : App.t('ru.set');
    $('r-scope').value = r.scope;
    PARAMS.forEach(p => {
      const v = r.params[p[0]];
      $('p-' + p[0]).value = v === undefined ? '' : shown(p[0], v);
    });
    $('r-reason').value = '';
  }

  /* The form's parameters: only those filled in, integers as numbers,
   * decimals and rubles as the text typed. */
  function params() {
    const b = {};
    PARAMS.forEach(p => {
      const v = $('p-' + p[0]).value.trim();
      if (v !== '') b[p[0]] = p[1] === 'int' ? Number(v) : v;
    });
    return b;
  }

  async function load() {
    try {
      rules = (await App.api('GET', '/api/v1/notify/rules')).rules || [];
      render();
    } catch (e) { App.showError($('msg'), e); }
  }

  async function change(ev, deleting) {
    if (ev) ev.preventDefault();
    $('msg').hidden = $('ok').hidden = true;
    const scope = $('r-scope').value.trim(), reason = $('r-reason').value.trim();
    if (!$('rule').reportValidity()) return;
    try {
      const path = '/api/v1/notify/rules/' + encodeURIComponent(scope);
      if (deleting) await App.api('DELETE', path, { reason });
      else await App.api('PUT', path, { params: params(), reason });
      App.showOk($('ok'), App.t(deleting ? 'ru.deleted' : 'ru.saved').replace('{scope}', scopeName(scope)));
      await load();
      edit(deleting ? null : rules.find(r => r.scope === scope));
    } catch (e) { App.showError($('msg'), e); }
  }

  async function effective(ev) {
    ev.preventDefault();
    $('msg').hidden = true;
    const id = $('e-id').value.trim();
    try {
      const r = await App.api('GET', '/api/v1/notify/rules/effective/' + encodeURIComponent(id));
      const about = [scopeName(r.id)];
      if (r.resource) about.push(App.t('res.' + r.resource), App.t('ru.unit') + ': ' + chanUnit(r.unit),
        App.t('ru.weight') + ': ' + r.weight.num + '/' + r.weight.den);
      $('e-about').textContent = about.join('; ');
      const head = E('tr', {}, ...['ru.param', 'ru.value', 'ru.from'].map(k => E('th', { text: App.t(k) })));
      $('effective').replaceChildren(head, ...PARAMS.filter(p => r.params[p[0]] !== undefined).map(p => {
        let v = shown(p[0], r.params[p[0]]) + ' ' + (p[1] === 'dec' && r.unit ? chanUnit(r.unit) + '/' + App.t('u.h') : unit(p));
        if (r.pulses_h && p[0] === 'night_max_per_h') v += ' (' + r.pulses_h.night_max + ' ' + App.t('u.pulses_h') + ')';
        if (r.pulses_h && p[0] === 'burst_per_h') v += ' (' + r.pulses_h.burst + ' ' + App.t('u.pulses_h') + ')';
        return E('tr', { id: 'eff-' + p[0], dataset: { from: r.from[p[0]] } },
          E('td', { class: 'name', text: App.t('rp.' + p[0]) }),
          E('td', { class: 'value', 'data-label': App.t('ru.value'), text: v }),
          E('td', { class: 'from', 'data-label': App.t('ru.from'), text: scopeName(r.from[p[0]]) }));
      }));
    } catch (e) { App.showError($('msg'), e); }
  }

  App.start(['admin', 'operator'], async who => {
    me = who;
    document.title = App.t('nav.rules');
    if (me.role === 'admin') {
      $('edit').hidden = false;
      fields();
      $('rule').addEventListener('submit', ev => change(ev, false));
      $('r-delete').addEventListener('click', () => change(null, true));
      $('r-new').addEventListener('click', () => edit(null));
    }
    $('eff').addEventListener('submit', effective);
    await load();
  });
})();
