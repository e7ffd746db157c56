/* tariffs.js - "Услуги и тарифы" (admin, accountant): an organisation's
 * services (service.list) and tariffs (tariff.list {"org"}) with their
 * price versions (tariff.version.list {"tariff"}) drawn on a timeline:
 * months across, a lane per tariff, a bar per version from its first month
 * to the month it no longer holds (open ended: to the edge), its prices
 * written on it. Services, tariffs and versions are created and edited
 * here (K.create, K.update) with the kind's own price fields
 * (docs/billing.md, "Tariffs"); refusals beside the field they name. */
'use strict';
(function () {
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);
  const R = () => App.rec;
  const CODES = ['cold_water', 'hot_water', 'wastewater', 'electricity', 'heat', 'gas', 'maintenance', 'other'];
  const UNITS = ['m3', 'kWh', 'MWh', 'Gcal', 'GJ', 'm2', 'person', 'month'];
  const KINDS = ['per_unit', 'per_area', 'per_resident', 'fixed', 'tou2', 'tou3', 'tiered', 'wastewater'];
  /* the price fields of each kind (docs/billing.md, "Tariffs") */
  const PRICES = {
    per_unit: ['price'], per_area: ['price'], per_resident: ['price'], fixed: ['price'], wastewater: ['price'],
    tou2: ['prices.day', 'prices.night', 'zones'],
    tou3: ['prices.peak', 'prices.half_peak', 'prices.night', 'zones'],
    tiered: ['price', 'price_over', 'norm']
  };
  const ALL_PRICES = ['price', 'price_over', 'norm', 'prices.day', 'prices.peak', 'prices.half_peak', 'prices.night', 'zones'];
  /* zones a new version starts with: a two-zone day, Moscow's three-zone day */
  const ZONES = {
    tou2: 'day 07:00-23:00; night 23:00-07:00',
    tou3: 'peak 07:00-10:00; half_peak 10:00-17:00; peak 17:00-21:00; half_peak 21:00-23:00; night 23:00-07:00'
  };
  const MAX_MONTHS = 72;   /* the timeline's width at most; the latest months when longer */
  let services = [], tariffs = [], versions = new Map();   /* tariff id -> its versions */
  let serviceForm, tariffForm, versionForm;

  const cell = (text, cls) => E('td', { class: cls || null, text: text === undefined || text === null ? '' : String(text) });
  const tariffOf = id => tariffs.find(t => t.id === +id);
  const serviceOf = id => services.find(s => s.id === +id);

  /* ---- zones as one line: "day 07:00-23:00; night 23:00-07:00" ---- */

  function zonesText(z) {
    return (z || []).map(x => x.zone + ' ' + x.from + '-' + x.to).join('; ');
  }

  /* The typed line as billing's list; not of that shape: the text itself,
   * which the server refuses naming "zones". */
  function zonesList(text) {
    const parts = text.split(/[;\n]+/).map(s => s.trim()).filter(Boolean);
    const out = parts.map(s => /^([a-z_]+)\s+(\d\d:\d\d)\s*[-–]\s*(\d\d:\d\d)$/.exec(s));
    return out.every(Boolean) ? out.map(m => ({ zone: m[1], from: m[2], to: m[3] })) : text;
  }

  /* ---- what a version's bar says ---- */

  function priceText(t, v) {
    const rub = p => App.money(p) + '\u00a0₽';
    if (v.prices) {
      return Object.keys(v.prices).map(z => App.t('rec.zone.' + z) + ' ' + rub(v.prices[z])).join(' · ');
    }
    if (t.kind === 'tiered') {
      return rub(v.price) + ' / ' + rub(v.price_over) + ' (' + App.t('rec.f.norm') + ' ' + App.num(v.norm) + ')';
    }
    const s = serviceOf(t.service);
    const per = t.kind === 'per_unit' || t.kind === 'wastewater' ? unitText(s ? s.unit : '') : App.t('rec.per.' + t.kind);
    return rub(v.price) + (per ? '/' + per : '');
  }

  /* ---- the timeline ---- */

  const monthIndex = d => { const m = /^(\d{4})-(\d\d)/.exec(d); return m ? +m[1] * 12 + (+m[2] - 1) : NaN; };
  const pad = n => String(n).padStart(2, '0');
  /* a month as the language writes it, "06.2026" / "2026-06": a bar names
   * the last month it holds, not the first it no longer does */
  const monthText = i => (App.lang === 'en' ? Math.floor(i / 12) + '-' + pad(i % 12 + 1) : pad(i % 12 + 1) + '.' + Math.floor(i / 12));
  /* units of services the archive has no letters for (m2, person, month) */
  const unitText = u => (['m2', 'person', 'month'].includes(u) ? App.t('rec.unit.' + u) : App.unit(u));

  function span() {
    const all = [].concat(...versions.values());
    const now = new Date(), nowI = now.getFullYear() * 12 + now.getMonth();
    const froms = all.map(v => monthIndex(v.from));
    const edges = all.map(v => (v.to ? monthIndex(v.to) : monthIndex(v.from) + 1));
    let start = Math.min(nowI - 6, ...froms);
    const end = Math.max(nowI + 7, ...edges.map(x => x + 6));
    if (end - start > MAX_MONTHS) start = end - MAX_MONTHS;
    return { start, end, nowI };
  }

  function bar(t, v, s, row) {
    const a = Math.max(monthIndex(v.from), s.start), b = v.to ? Math.min(monthIndex(v.to), s.end) : s.end;
    if (b <= a) return null;   /* wholly before what is shown */
    const when = monthText(monthIndex(v.from)) + ' – ' + (v.to ? monthText(monthIndex(v.to) - 1) : App.t('rec.open'));
    const el = E('button', { type: 'button', class: 'tl-bar' + (v.to ? '' : ' open'), dataset: { tariff: t.id, version: v.id },
      title: when + (v.note ? ' — ' + v.note : ''), onclick: () => openVersion(v) },
    E('span', { class: 'p', text: priceText(t, v) }), E('span', { class: 'd', text: when }));
    el.style.gridRow = String(row);
    el.style.gridColumn = (2 + a - s.start) + ' / ' + (2 + b - s.start);
    return el;
  }

  function drawTimeline() {
    const s = span(), n = s.end - s.start, tl = $('timeline');
    tl.style.gridTemplateColumns = 'minmax(150px, 220px) repeat(' + n + ', minmax(38px, 1fr))';
    const cells = [E('div', { class: 'tl-corner', text: App.t('rec.tariff') })];
    for (let i = 0; i < n; i++) {
      const m = s.start + i, y = Math.floor(m / 12), mo = m % 12 + 1;
      const c = E('div', { class: 'tl-month' + (mo === 1 ? ' jan' : '') + (m === s.nowI ? ' now' : ''),
        text: pad(mo) + (mo === 1 || i === 0 ? '\n' + y : '') });
      c.style.gridColumn = String(2 + i);
      c.style.gridRow = '1';
      cells.push(c);
    }
    tariffs.forEach((t, k) => {
      const row = 2 + k, svc = serviceOf(t.service);
      const lane = E('div', { class: 'tl-lane', dataset: { tariff: t.id } },
        E('b', { text: t.name }), E('span', { class: 'muted', text: App.t('rec.kind.' + t.kind) + (svc ? ', ' + svc.name : '') }),
        E('span', { class: 'tl-acts' },
          E('button', { type: 'button', class: 'small add-version', text: App.t('rec.version.add'), onclick: () => openVersion(null, t) }),
          E('button', { type: 'button', class: 'small edit', text: App.t('rec.edit'),
            onclick: () => tariffForm.open(t, App.t('rec.tariff.edit') + ': ' + t.name) })));
      lane.style.gridRow = String(row);
      const track = E('div', { class: 'tl-track' });
      track.style.gridRow = String(row);
      track.style.gridColumn = '2 / ' + (2 + n);
      cells.push(lane, track, ...(versions.get(t.id) || []).map(v => bar(t, v, s, row)).filter(Boolean));
    });
    if (s.nowI >= s.start && s.nowI < s.end) {
      const now = E('div', { class: 'tl-now', title: App.t('rec.today') });
      now.style.gridColumn = String(2 + s.nowI - s.start);
      now.style.gridRow = '1 / ' + (2 + Math.max(1, tariffs.length));
      cells.push(now);
    }
    if (!tariffs.length) cells.push(E('div', { class: 'tl-lane muted', text: App.t('rec.no.tariffs') }));
    tl.replaceChildren(...cells);
  }

  /* ---- the version form: the kind's prices shown, the rest hidden ---- */

  function showPrices(kind) {
    const want = PRICES[kind] || ['price'];
    for (const name of ALL_PRICES) versionForm.el.querySelector('[data-field="' + name + '"]').hidden = !want.includes(name);
  }

  function openVersion(v, t) {
    const tariff = t || tariffOf(v.tariff);
    versionForm.open(v, v ? App.t('rec.version.edit') + ': ' + tariff.name : App.t('rec.version.new'));
    const sel = versionForm.field('tariff');
    sel.value = String(tariff ? tariff.id : sel.value);
    sel.disabled = !!v;   /* a version stays with its tariff */
    kindChanged();
  }

  function kindChanged() {
    const t = tariffOf(versionForm.field('tariff').value);
    const kind = t ? t.kind : 'per_unit';
    showPrices(kind);
    const z = versionForm.field('zones');
    if (!versionForm.record && ZONES[kind] && !z.value) z.value = ZONES[kind];
  }

  /* The version's body: the prices of its tariff's kind only. */
  function collectVersion(v, rec) {
    const tariff = tariffOf(versionForm.field('tariff').value);
    const p = {};
    for (const name of PRICES[tariff ? tariff.kind : 'per_unit']) {
      const val = versionForm.field(name).value.trim();
      if (!val) continue;
      if (name === 'zones') p.zones = zonesList(val);
      else if (name.startsWith('prices.')) (p.prices = p.prices || {})[name.slice(7)] = val;
      else p[name] = val;
    }
    if (!rec) return Object.assign({ tariff: tariff ? tariff.id : null }, v, p);
    for (const [k, x] of Object.entries(p)) if (JSON.stringify(x) !== JSON.stringify(rec[k])) v[k] = x;
    return v;
  }

  /* ---- services ---- */

  function drawServices() {
    R().table($('services'), [['rec.f.code'], ['rec.f.name'], ['rec.f.unit'], ['rec.f.metered'], ['rec.f.norm_h', 'num'], ['']],
      services.map(s => E('tr', { dataset: { service: s.id } },
        cell(App.t('rec.code.' + s.code)), cell(s.name, 'name'), cell(unitText(s.unit)),
        cell(App.t(s.metered ? 'yes' : 'no')), cell(s.norm ? App.num(s.norm) : '', 'num'),
        E('td', { class: 'acts' }, E('button', { type: 'button', class: 'small edit', text: App.t('rec.edit'),
          onclick: () => serviceForm.open(s, App.t('rec.service.edit') + ': ' + s.name) })))));
  }

  async function load() {
    $('msg').hidden = true;
    const org = +$('org').value;
    [services, tariffs] = await Promise.all([R().all('service.list', { org }), R().all('tariff.list', { org })]);
    const lists = await Promise.all(tariffs.map(t => R().all('tariff.version.list', { tariff: t.id })));
    versions = new Map(tariffs.map((t, i) => [t.id, lists[i].sort((a, b) => (a.from < b.from ? -1 : 1))]));
    const svcOpts = services.map(s => [String(s.id), s.name]);
    refill(tariffForm.field('service'), svcOpts);
    refill(versionForm.field('tariff'), tariffs.map(t => [String(t.id), t.name]));
    $('version-new').disabled = !tariffs.length;
    $('tariff-new').disabled = !services.length;
    location.hash = 'org=' + org;
    drawServices();
    drawTimeline();
  }

  function refill(select, options) {
    select.replaceChildren(...options.map(o => E('option', { value: o[0], text: o[1] })));
  }

  const guard = fn => async () => { try { await fn(); } catch (e) { App.showError($('msg'), e); } };

  App.start(['admin', 'accountant'], async () => {
    document.title = App.t('nav.tariffs');
    const opts = (list, pre, f) => list.map(x => [x, f ? f(x) : App.t(pre + x)]);
    serviceForm = R().form([
      { name: 'code', key: 'rec.f.code', type: 'select', options: opts(CODES, 'rec.code.') },
      { name: 'name', key: 'rec.f.name', wide: true },
      { name: 'unit', key: 'rec.f.unit', type: 'select', options: opts(UNITS, '', u => unitText(u) + ' (' + u + ')') },
      { name: 'metered', key: 'rec.f.metered', type: 'select', kind: 'bool',
        options: [['', App.t('rec.by.default')], ['true', App.t('yes')], ['false', App.t('no')]] },
      { name: 'norm', key: 'rec.f.norm_service', mode: 'decimal' },
      { name: 'note', key: 'rec.f.note', wide: true }
    ], { id: 'service-form', kind: 'service', collect: (v, rec) => (rec ? v : Object.assign({ org: +$('org').value }, v)),
      saved: guard(load) });
    tariffForm = R().form([
      { name: 'service', key: 'rec.f.service', type: 'select', kind: 'int', options: [] },
      { name: 'name', key: 'rec.f.name', wide: true },
      { name: 'kind', key: 'rec.f.tariff_kind', type: 'select', options: opts(KINDS, 'rec.kind.') },
      { name: 'note', key: 'rec.f.note', wide: true }
    ], { id: 'tariff-form', kind: 'tariff', collect: (v, rec) => (rec ? v : Object.assign({ org: +$('org').value }, v)),
      saved: guard(load), onopen: rec => { tariffForm.field('kind').disabled = !!rec; } });   /* a kind never changes */
    versionForm = R().form([
      { name: 'tariff', key: 'rec.tariff', type: 'select', options: [], skip: true },
      { name: 'from', key: 'rec.f.v_from', type: 'month', kind: 'month' },
      { name: 'to', key: 'rec.f.v_to', type: 'month', kind: 'month' },
      { name: 'price', key: 'rec.f.price', mode: 'decimal', skip: true },
      { name: 'price_over', key: 'rec.f.price_over', mode: 'decimal', skip: true },
      { name: 'norm', key: 'rec.f.norm', mode: 'decimal', skip: true },
      { name: 'prices.day', key: 'rec.f.p_day', mode: 'decimal', skip: true, from: r => (r.prices || {}).day },
      { name: 'prices.peak', key: 'rec.f.p_peak', mode: 'decimal', skip: true, from: r => (r.prices || {}).peak },
      { name: 'prices.half_peak', key: 'rec.f.p_half_peak', mode: 'decimal', skip: true, from: r => (r.prices || {}).half_peak },
      { name: 'prices.night', key: 'rec.f.p_night', mode: 'decimal', skip: true, from: r => (r.prices || {}).night },
      { name: 'zones', key: 'rec.f.zones', wide: true, skip: true, from: r => zonesText(r.zones), max: 600 },
      { name: 'note', key: 'rec.f.note', wide: true }
    ], { id: 'version-form', kind: 'tariff.version', collect: collectVersion, saved: guard(load) });
    $('service-form-box').append(serviceForm.el);
    $('tariff-form-box').append(tariffForm.el);
    $('version-form-box').append(versionForm.el);
    versionForm.field('tariff').addEventListener('change', kindChanged);
    $('service-new').addEventListener('click', () => serviceForm.open(null, App.t('rec.service.new')));
    $('tariff-new').addEventListener('click', () => tariffForm.open(null, App.t('rec.tariff.new')));
    $('version-new').addEventListener('click', () => openVersion(null, null));
    $('org').addEventListener('change', guard(load));
    await guard(async () => {
      const orgs = await R().orgs($('org'));
      if (orgs.length) await load();
    })();
  });
})();
